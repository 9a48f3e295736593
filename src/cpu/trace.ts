/**
 * --trace: one line per step, the way students debug. Slow on purpose (it
 * single-steps and diffs the registers); the fast path is untouched.
 *
 *   S 00000012 fib.s:7      add r3, r1, r2           r3=0x00000005 (5)
 *   U 00000040 task.s:3     out r1, 0                trap PRIV info=0x44010000 → S pc=0x00000100
 */
import { disassembleWord, labelsByAddress } from '../asm/disassemble.js';
import type { Image } from '../image.js';
import { causeName } from '../isa/table.js';
import type { Cpu, StopReason } from './cpu.js';

const targets = new WeakMap<Image, Map<number, string>>();
/** address → a label there, for naming branch targets (computed once per image) */
function targetNames(image: Image | undefined): Map<number, string> | undefined {
  if (!image) return undefined;
  let m = targets.get(image);
  if (!m) {
    m = new Map([...labelsByAddress(image)].map(([a, names]) => [a, names[0]!]));
    targets.set(image, m);
  }
  return m;
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

export function traceStep(cpu: Cpu, image: Image | undefined): { line: string; reason: StopReason } {
  const before = cpu.regs.slice();
  const mode = cpu.supervisor ? 'S' : 'U';
  const pc = cpu.pc;
  const physical = cpu.base + pc;
  const word = cpu.readVirtual(pc);
  const trapsBefore = cpu.trapCount;
  const wasPending = cpu.pending && (cpu.flags & 2) !== 0;
  const reason = cpu.step();
  const loc = image?.sourceMap.get(physical);
  const where = loc ? `${loc.file}:${loc.line}` : '';
  const text = wasPending ? '(timer interrupt)' : word === undefined ? '(fetch outside bounds)' : disassembleWord(word, pc, cpu.base === 0 ? { symbols: targetNames(image) } : {});
  let effect = '';
  for (let r = 1; r < 16; r++) {
    if (cpu.regs[r] !== before[r]) effect += ` r${r}=${hex(cpu.regs[r]!)} (${cpu.regs[r]})`;
  }
  if (cpu.trapCount !== trapsBefore) {
    const cause = cpu.trapHook ? cpu.trapCause : cpu.mem[4]!;
    const info = cpu.trapHook ? cpu.trapInfo : cpu.mem[5]!;
    effect += ` trap ${causeName(cause)} info=${hex(info)}`;
    if (reason !== 'checkstop' && reason !== 'trap') effect += ` → ${cpu.supervisor ? 'S' : 'U'} pc=${hex(cpu.pc)}`;
  }
  if (reason === 'checkstop') effect += ' check-stop';
  if (reason === 'halt') effect += ' halted';
  const line = `${mode} ${hex(pc)} ${where.padEnd(16)} ${text.padEnd(28)}${effect}`;
  return { line: line.trimEnd(), reason };
}

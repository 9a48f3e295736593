/**
 * --trace: one line per step, the way students debug, and the same words the
 * debugger uses at every stop. Slow on purpose (it single-steps through
 * effect.ts); the fast path is untouched.
 *
 *   S 0x00000012 fib.s:20        add r4, r1, r2                      r4 ← 0x00000005 (5)
 *   S 0x00000031 factorial.s:45  addi sp, sp, -1  (push lr, 1/2)     sp ← 0x0000007f (127)
 *   S 0x00000032 factorial.s:45  st lr, 0(sp)  (push lr, 2/2)        mem[0x0000007f] ← 0x00000013 (19)
 *   S 0x00000020 hello.s:9       out r1, 0                           out 0x48 'H'
 *   U 0x00000040 task.s:3        out r1, 0                           trap PRIV info=0x44010000 → PSW S -- pc=0x00000100 base=0x00000000 bound=0x00100000
 *
 * Registers are named as the assembler and disassembler name them: r0–r13,
 * lr, sp. Addresses are hexadecimal, values hexadecimal and decimal.
 */
import { disassembleWord, labelsByAddress } from '../asm/disassemble.js';
import type { Image } from '../image.js';
import { causeName, EXITS, FLAGS, PORTS, REGISTER_ALIASES, type Isa } from '../isa/table.js';
import type { Cpu, StopReason } from './cpu.js';
import { observeVtStep, type Psw, type StepEffect } from './effect.js';

/** r0–r13, lr, sp: the names the disassembler prints. */
export const REG_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (let i = 0; i < 16; i++) names.push(`r${i}`);
  for (const [alias, n] of Object.entries(REGISTER_ALIASES)) names[n] = alias;
  return names;
})();

export const hex = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');
/** a value as hex and signed decimal */
export const value = (n: number): string => `${hex(n)} (${n | 0})`;

const targets = new WeakMap<Image, Map<number, string>>();
/** address → a label there, for naming branch targets (computed once per image) */
export function targetNames(image: Image | undefined): Map<number, string> | undefined {
  if (!image) return undefined;
  let m = targets.get(image);
  if (!m) {
    m = new Map([...labelsByAddress(image)].map(([a, names]) => [a, names[0]!]));
    targets.set(image, m);
  }
  return m;
}

export interface SourcePlace {
  readonly file: string;
  readonly line: number;
  /** the line's statement (no label or comment), when the image has the source */
  readonly text?: string;
  /** which word of the line's output this is (1-based), and how many the line emitted */
  readonly part: number;
  readonly parts: number;
}

/**
 * Where a storage word came from. A statement is one line and emits
 * consecutive words, so the words of one line around `phys` are the parts
 * of its pseudo-instruction (or its data).
 */
export function sourceOf(image: Image | undefined, phys: number): SourcePlace | undefined {
  const map = image?.sourceMap;
  const loc = map?.get(phys);
  if (!map || !loc) return undefined;
  const same = (a: number) => {
    const l = map.get(a);
    return l !== undefined && l.line === loc.line && l.file === loc.file;
  };
  let first = phys;
  while (first > 0 && phys - first < 64 && same(first - 1)) first--;
  let last = phys;
  while (last - phys < 64 && same(last + 1)) last++;
  const text = statement(image?.sources?.get(loc.file)?.[loc.line - 1]);
  return { file: loc.file, line: loc.line, ...(text ? { text } : {}), part: phys - first + 1, parts: last - first + 1 };
}

/** A source line's statement: no label, no comment, single spaces (`push lr`). */
function statement(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  let code = '';
  let quote = '';
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ';') break;
    code += ch;
  }
  const s = code.replace(/^\s*[A-Za-z_][A-Za-z0-9_]*:/, '').trim().replace(/\s+/g, ' ');
  return s || undefined;
}

/** `S IE pc=… base=… bound=…` */
export function formatPsw(p: Psw): string {
  return `${p.flags & FLAGS.S ? 'S' : 'U'} ${p.flags & FLAGS.IE ? 'IE' : '--'} pc=${hex(p.pc)} base=${hex(p.base)} bound=${hex(p.bound)}`;
}

const printable = (b: number) => (b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : b === 10 ? "'\\n'" : b === 9 ? "'\\t'" : b === 0 ? "'\\0'" : '');

/** What a step changed, in words: the part after the instruction. */
export function describeEffect(e: StepEffect, image?: Image): string {
  const parts: string[] = [];
  const names = e.base === 0 ? targetNames(image) : undefined;
  const addr = (a: { addr: number; phys: number }) => (a.addr === a.phys ? `mem[${hex(a.addr)}]` : `mem[${hex(a.addr)} = phys ${hex(a.phys)}]`);
  for (const w of e.writes) parts.push(w.reg === 0 ? `r0 ← discarded (r0 is always 0)` : `${REG_NAMES[w.reg]} ← ${value(w.value)}`);
  for (const s of e.stores) parts.push(`${addr(s)} ← ${value(s.value)}`);
  if (e.out) {
    const { port, value: v } = e.out;
    if (port === PORTS.CONSOLE_OUT) parts.push(`out ${'0x' + (v & 0xff).toString(16).padStart(2, '0')}${printable(v & 0xff) ? ' ' + printable(v & 0xff) : ''}`);
    else if (port === PORTS.DECIMAL_OUT) parts.push(`out "${v | 0}"`);
    else parts.push(`port ${port} ← ${value(v)} (no device: ignored)`);
  }
  if (e.input) parts.push(e.input.value < 0 ? `in: end of input` : `in ${'0x' + e.input.value.toString(16).padStart(2, '0')}${printable(e.input.value) ? ' ' + printable(e.input.value) : ''}`);
  if (e.timerSet !== undefined) parts.push(`TIMER ← ${e.timerSet}`);
  if (e.psw) parts.push(`PSW ← ${formatPsw(e.psw)}`);
  if (e.taken === false) parts.push('not taken');
  else if (e.target !== undefined) {
    const n = names?.get(e.target);
    parts.push(`${e.taken ? 'taken ' : ''}→ ${hex(e.target)}${n ? ` (${n})` : ''}`);
  }
  if (e.trap) parts.push(e.interrupt ? `interrupt ${causeName(e.trap.cause)} → PSW ${formatPsw(e.trap.psw)}` : `trap ${causeName(e.trap.cause)} info=${hex(e.trap.info)} → PSW ${formatPsw(e.trap.psw)}`);
  if (e.entered) parts.push(`→ guest mode (guest pc ${hex(e.entered.pc)})`);
  if (e.exit) parts.push(`VM exit ${exitName(e.exit.code)} info=${hex(e.exit.info)} → host after vmrun`);
  if (e.then) {
    const t = e.then;
    const text = t.word === undefined ? '(fetch outside bounds)' : disassembleWord(t.word, t.pc, t.base === 0 ? { symbols: targetNames(image) } : {});
    parts.push(`then the host, ${hex(t.pc)}: ${text}${describeEffect(t, image) ? ` ${describeEffect(t, image)}` : ''}`);
  }
  if (e.halted) parts.push('halted');
  if (e.checkStop) parts.push(`check-stop: ${causeName(e.checkStop.cause)} (${e.checkStop.why})`);
  return parts.join('; ');
}

/** The instruction column: its disassembly, and the pseudo-instruction it is a part of. */
export function describeInstruction(e: StepEffect, image: Image | undefined, isa?: Isa): string {
  const guest = e.guest ? 'guest: ' : '';
  if (e.interrupt) return `${guest}(timer interrupt)`;
  if (e.word === undefined) return `${guest}(fetch outside bounds)`;
  const text = disassembleWord(e.word, e.pc, { ...(e.base === 0 && !e.guest ? { symbols: targetNames(image) } : {}), ...(isa ? { isa } : {}) });
  const src = sourceOf(image, e.phys);
  return guest + (src && src.parts > 1 && src.text ? `${text}  (${src.text}, ${src.part}/${src.parts})` : text);
}

const EXIT_NAMES = new Map<number, string>(Object.entries(EXITS).map(([k, v]) => [v, k]));
/** INSTR, NPF, … or the trap cause of an intercepted trap */
export function exitName(code: number): string {
  return code >= 1 && code <= 6 ? causeName(code) : (EXIT_NAMES.get(code) ?? `exit ${code}`);
}

/** One trace line: mode, pc, source line, instruction, what it did. */
export function formatStep(e: StepEffect, image: Image | undefined, isa?: Isa): string {
  const src = e.interrupt ? undefined : sourceOf(image, e.phys);
  const where = src ? `${src.file}:${src.line}` : '';
  const line = `${e.supervisor ? 'S' : 'U'} ${hex(e.pc)} ${where.padEnd(16)} ${describeInstruction(e, image, isa).padEnd(34)} ${describeEffect(e, image)}`;
  return line.trimEnd();
}

export type TraceMode = 'all' | 'traps';

/**
 * One step of `cpu`, traced. With mode 'traps' the line is undefined unless
 * the step took a trap or an interrupt (or check-stopped).
 */
export function traceStep(cpu: Cpu, image: Image | undefined, mode: TraceMode = 'all'): { line: string | undefined; reason: StopReason } {
  const e = observeVtStep(cpu, cpu.isa, () => cpu.step(), () => cpu.delivered);
  const show = mode === 'all' || e.trap !== undefined || e.interrupt || e.checkStop !== undefined || e.exit !== undefined;
  return { line: show ? formatStep(e, image, cpu.isa) : undefined, reason: e.reason };
}

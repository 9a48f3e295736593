/**
 * trapeze run: the bare machine. stdout carries exactly the guest's console
 * output; everything trapeze itself says goes to stderr.
 */
import { Cpu, type StopReason } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import { traceStep } from '../cpu/trace.js';
import { describeAddress, type Image } from '../image.js';
import { causeName, VMCB } from '../isa/table.js';
import { parseArgs, stringFlag } from './args.js';
import { loadFile, MACHINE_FLAGS, MACHINE_USAGE, machineOptions } from './common.js';
import { readInput, UsageError, type Io } from './io.js';

/** Exit statuses, as --help documents them. */
export const EXIT = { HALT: 0, ERROR: 1, USAGE: 2, CHECKSTOP: 3, STEP_LIMIT: 4 } as const;

const USAGE = [
  'usage: trapeze run FILE.s|FILE.img [options]',
  '',
  'Runs a program on the bare PG32 machine, starting in supervisor mode at its entry point.',
  "stdout is exactly the guest's console output; console input is stdin (or --input).",
  '',
  ...MACHINE_USAGE,
  '  --input FILE       console input from FILE instead of stdin',
  '  --trace            one line per step on stderr: mode, pc, source, instruction, registers written',
  '  --stats            a summary on stderr: instructions, traps by cause, time, MIPS',
  '',
  'exit status: 0 halt, 1 assembly or image error, 2 usage, 3 check-stop, 4 step limit reached',
].join('\n');

/** Steps per run() call between flushes of console output. */
const CHUNK = 1 << 20;

export async function runCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs('run', args, { ...MACHINE_FLAGS, input: { value: true }, trace: {}, stats: {}, help: { short: 'h' } }, USAGE);
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  if (p.positional.length !== 1) throw new UsageError(`trapeze run: expected one program file, got ${p.positional.length}\n${USAGE}`);
  const file = p.positional[0]!;
  const opts = machineOptions('run', p);
  const inputFile = stringFlag(p, 'input');
  const input = inputFile !== undefined ? readInput(io, inputFile) : () => io.stdin();
  const image = loadFile('run', io, file, opts.isa);

  const console = new Console(input);
  const cpu = new Cpu({ isa: opts.isa, memWords: opts.memWords, devices: console });
  try {
    cpu.load(image);
  } catch (e) {
    throw new UsageError(`trapeze run: ${file}: ${(e as Error).message} (try a larger --mem)`, EXIT.ERROR);
  }

  const trace = p.flags.has('trace');
  const started = performance.now();
  let reason: StopReason = 'budget';
  let steps = 0;
  while (steps < opts.maxSteps) {
    if (trace) {
      const t = traceStep(cpu, image);
      io.err(t.line + '\n');
      reason = t.reason;
      steps++;
    } else {
      // Steps are instructions and trap deliveries (a guest's too, under vmrun).
      const before = cpu.instret + cpu.delivered;
      reason = cpu.run(Math.min(CHUNK, opts.maxSteps - steps));
      steps += cpu.instret + cpu.delivered - before;
    }
    const out = console.drain();
    if (out.length) io.out(out);
    if (reason !== 'budget') break;
  }
  const seconds = (performance.now() - started) / 1000;
  if (p.flags.has('stats')) io.err(stats(cpu, seconds));
  return finish('run', io, cpu, reason, image, opts.maxSteps);
}

/** The one line that says why the machine stopped, and the exit status. */
export function finish(command: string, io: Io, cpu: Cpu, reason: StopReason, image: Image, maxSteps: number): number {
  if (reason === 'halt') return EXIT.HALT;
  if (reason === 'checkstop' && cpu.checkStop) {
    const c = cpu.checkStop;
    io.err(`trapeze ${command}: check-stop: ${causeName(c.cause)} trap at pc ${hex(c.pc)}${at(image, cpu, c.pc)}, info ${hex(c.info)}: ${c.why}\n`);
    return EXIT.CHECKSTOP;
  }
  io.err(`trapeze ${command}: stopped at the step limit (${maxSteps} steps; raise it with --max-steps) at ${where(image, cpu)}\n`);
  return EXIT.STEP_LIMIT;
}

/** Where the machine is: the pc, or in guest mode (vmrun) the guest's pc, located in the partition. */
function where(image: Image, cpu: Cpu): string {
  const g = cpu.guest?.cpu;
  if (!g) return `pc ${hex(cpu.pc)}${at(image, cpu, cpu.pc)}`;
  const d = describeAddress(image, (cpu.mem[cpu.guest!.cb + VMCB.PART_BASE]! >>> 0) + g.base + g.pc);
  return `guest pc ${hex(g.pc)}${d ? ` (${d})` : ''}, in guest mode`;
}

function at(image: Image, cpu: Cpu, pc: number): string {
  const d = describeAddress(image, cpu.base + pc);
  return d ? ` (${d})` : '';
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

export function stats(cpu: Cpu, seconds: number): string {
  const lines = [`instructions  ${cpu.instret}`];
  for (let c = 1; c < cpu.traps.length; c++) if (cpu.traps[c]) lines.push(`traps ${causeName(c).padEnd(8)}${cpu.traps[c]}`);
  if (cpu.code) lines.push(`translated    ${cpu.code.translations} region${cpu.code.translations === 1 ? '' : 's'} of hot code${cpu.code.invalidations ? `, ${cpu.code.invalidations} dropped when the program rewrote them` : ''}`);
  lines.push(`time          ${(seconds * 1000).toFixed(1)} ms`);
  lines.push(`speed         ${seconds > 0 ? (cpu.instret / seconds / 1e6).toFixed(1) : '-'} MIPS`);
  return lines.join('\n') + '\n';
}

/**
 * trapeze run: the bare machine. stdout carries exactly the guest's console
 * output (or, with --format json, one JSON result); everything trapeze
 * itself says goes to stderr.
 */
import { Cpu, type StopReason } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import { traceStep } from '../cpu/trace.js';
import { describeAddress, type Image } from '../image.js';
import { causeName, VMCB } from '../isa/table.js';
import { parseArgs, stringFlag } from './args.js';
import { LOAD_FLAGS, LOAD_USAGE, loadMain, MACHINE_FLAGS, MACHINE_USAGE, machineOptions } from './common.js';
import { readInput, UsageError, type Io } from './io.js';
import { dumpJson, dumpText, DUMP_USAGE, hex, jsonText, outputJson, parseDumps, stateJson, stopText, trapsByName, type Stopped } from './outcome.js';

/** Exit statuses, as --help documents them. */
export const EXIT = { HALT: 0, ERROR: 1, USAGE: 2, CHECKSTOP: 3, STEP_LIMIT: 4 } as const;

const USAGE = [
  'usage: trapeze run FILE.s|FILE.img [options]',
  '',
  'Runs a program on the bare PG32 machine, starting in supervisor mode at its entry point.',
  "stdout is exactly the guest's console output; console input is stdin (or --input), each byte",
  'given to the program as soon as it arrives (end of input reads -1).',
  '',
  ...MACHINE_USAGE,
  ...LOAD_USAGE,
  '  --input FILE       console input from FILE instead of stdin',
  '  --trace            one line per step on stderr: mode, pc, source, instruction, registers written',
  '  --stats            a summary on stderr: instructions, traps by cause, time, MIPS',
  '  --format F         text (default), or json: one JSON result on stdout (stop reason, exit status,',
  '                     console output, registers, PSW, TIMER, instructions, traps by cause, time)',
  DUMP_USAGE,
  '',
  'exit status: 0 halt, 1 assembly or image error, 2 usage, 3 check-stop, 4 step limit reached',
].join('\n');

/** Steps per run() call between flushes of console output. */
const CHUNK = 1 << 20;

export async function runCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs('run', args, { ...MACHINE_FLAGS, input: { value: true }, trace: {}, stats: {}, ...LOAD_FLAGS, format: { value: true }, dump: { value: true }, help: { short: 'h' } }, USAGE);
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  if (p.positional.length !== 1) throw new UsageError(`trapeze run: expected one program file, got ${p.positional.length}\n${USAGE}`);
  const file = p.positional[0]!;
  const opts = machineOptions('run', p);
  const json = formatFlag('run', stringFlag(p, 'format'));
  const inputFile = stringFlag(p, 'input');
  const inputBytes = inputFile !== undefined ? readInput(io, inputFile) : undefined;
  const { image, isa } = await loadMain('run', io, p, file, opts.isaFlag, opts.memWords);
  const dumps = parseDumps(stringFlag(p, 'dump'), image, opts.memWords);
  if ('error' in dumps) throw new UsageError(`trapeze run: ${dumps.error}`);

  // Guest output goes out as it is produced (after each burst of steps, and
  // before the program waits for input); with --format json it is kept for the result.
  const flush = () => {
    if (json) return;
    const out = console.drain();
    if (out.length) io.out(out);
  };
  const console: Console = new Console(inputBytes ?? io.input(flush));
  const cpu = new Cpu({ isa, memWords: opts.memWords, devices: console });
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
    flush();
    if (reason !== 'budget') break;
  }
  const seconds = (performance.now() - started) / 1000;
  const status = finish('run', io, cpu, reason, image, opts.maxSteps, guestAt(image, cpu));
  if (p.flags.has('stats')) io.err(stats(cpu, seconds));
  if (json) {
    const result = {
      file,
      isa: isa.name,
      ...stateJson(image, cpu, reason),
      exitStatus: status,
      output: outputJson(console.output()),
      traps: trapsByName(cpu.traps),
      steps: cpu.instret + cpu.delivered,
      timeMs: round(seconds * 1000),
      ...(dumps.length ? { dump: dumpJson(cpu.mem, dumps) } : {}),
    };
    io.out(jsonText(result));
  } else if (dumps.length) io.err(dumpText(cpu.mem, dumps));
  return status;
}

/** --format text|json; true for json. */
export function formatFlag(command: string, f: string | undefined): boolean {
  if (f === undefined || f === 'text') return false;
  if (f === 'json') return true;
  throw new UsageError(`trapeze ${command}: --format must be text or json, not '${f}'`);
}

export const round = (x: number) => Math.round(x * 1000) / 1000;

/** The one line that says why the machine stopped (on stderr), and the exit status. */
export function finish(command: string, io: Io, m: Stopped, reason: StopReason, image: Image, maxSteps: number, at?: string): number {
  const why = stopText(image, m, reason, maxSteps, io.paint, at);
  if (why) io.err(`trapeze ${command}: ${why}\n`);
  return reason === 'halt' ? EXIT.HALT : reason === 'checkstop' ? EXIT.CHECKSTOP : EXIT.STEP_LIMIT;
}

/** In guest mode (stopped inside a vmrun) the place to name is the guest's pc, located in its partition. */
function guestAt(image: Image, cpu: Cpu): string | undefined {
  const g = cpu.guest?.cpu;
  if (!g) return undefined;
  const d = describeAddress(image, (cpu.mem[cpu.guest!.cb + VMCB.PART_BASE]! >>> 0) + g.base + g.pc);
  return `guest pc ${hex(g.pc)}${d ? ` (${d})` : ''}, in guest mode`;
}

export function stats(cpu: Cpu, seconds: number): string {
  const lines = [`instructions  ${cpu.instret}`];
  for (let c = 1; c < cpu.traps.length; c++) if (cpu.traps[c]) lines.push(`traps ${causeName(c).padEnd(8)}${cpu.traps[c]}`);
  lines.push(`time          ${(seconds * 1000).toFixed(1)} ms`);
  lines.push(`speed         ${seconds > 0 ? (cpu.instret / seconds / 1e6).toFixed(1) : '-'} MIPS`);
  return lines.join('\n') + '\n';
}

/**
 * trapeze run: the bare machine. stdout carries exactly the guest's console
 * output (or, with --format json, one JSON result); everything trapeze
 * itself says goes to stderr.
 */
import { Cpu, type StopReason } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import { traceStep, type TraceMode } from '../cpu/trace.js';
import { describeAddress, type Image } from '../image.js';
import { causeName, VMCB } from '../isa/table.js';
import { parseArgs, stringFlag } from './args.js';
import { LOAD_FLAGS, LOAD_USAGE, loadMain, MACHINE_FLAGS, MACHINE_USAGE, machineOptions } from './common.js';
import { readInput, UsageError, type Io } from './io.js';
import { dumpJson, dumpText, DUMP_USAGE, hex, jsonText, outputJson, parseDumps, stateJson, stopText, trapsByName, type Stopped } from './outcome.js';
import { bareSteps, resumeBare, snapshotBare } from '../snapshot/machine.js';
import { saveSnapshot, SNAPSHOT_FLAGS, SNAPSHOT_USAGE, snapshotPlan } from './snapshots.js';

/** Exit statuses, as --help documents them. */
export const EXIT = { HALT: 0, ERROR: 1, USAGE: 2, CHECKSTOP: 3, STEP_LIMIT: 4 } as const;

const USAGE = [
  'usage: trapeze run FILE.s|FILE.img [options]',
  '       trapeze run --resume FILE.snap [options]',
  '',
  'Runs a program on the bare PG32 machine, starting in supervisor mode at its entry point.',
  "stdout is exactly the guest's console output; console input is stdin (or --input), each byte",
  'given to the program as soon as it arrives (end of input reads -1).',
  '',
  ...MACHINE_USAGE,
  ...LOAD_USAGE,
  '  --input FILE       console input from FILE instead of stdin',
  '  --trace            one line per step on stderr: mode, pc, source line (and part of a pseudo-instruction),',
  '                     instruction, what it did: registers written, a store\'s address and value, out\'s byte,',
  '                     the PSW lpsw loaded or a trap delivered',
  '  --trace=traps      only the steps that take a trap or an interrupt (or end guest mode with a vt exit)',
  '  --stats            a summary on stderr: instructions, traps by cause, time, MIPS',
  '  --format F         text (default), or json: one JSON result on stdout (stop reason, exit status,',
  '                     console output, registers, PSW, TIMER, instructions, traps by cause, time)',
  DUMP_USAGE,
  ...SNAPSHOT_USAGE,
  '',
  'exit status: 0 halt, 1 assembly or image error, 2 usage, 3 check-stop, 4 step limit reached',
].join('\n');

/** Steps per run() call between flushes of console output. */
const CHUNK = 1 << 20;

export async function runCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs('run', args, { ...MACHINE_FLAGS, input: { value: true }, trace: { optional: true }, stats: {}, ...LOAD_FLAGS, ...SNAPSHOT_FLAGS, format: { value: true }, dump: { value: true }, help: { short: 'h' } }, USAGE);
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  const plan = snapshotPlan('run', io, p, 'bare');
  const resume = plan.resume;
  if (resume ? p.positional.length !== 0 : p.positional.length !== 1) {
    throw new UsageError(resume ? `trapeze run: --resume runs the program the snapshot holds: give no program file\n${USAGE}` : `trapeze run: expected one program file, got ${p.positional.length}\n${USAGE}`);
  }
  const traceFlag = p.flags.get('trace');
  if (typeof traceFlag === 'string' && traceFlag !== 'traps' && traceFlag !== 'all') throw new UsageError(`trapeze run: --trace takes no value, or =traps (only traps and interrupts); not '${traceFlag}'`);
  const trace: TraceMode | undefined = traceFlag === undefined ? undefined : traceFlag === 'traps' ? 'traps' : 'all';
  if (resume && p.flags.has('mem') && Number(p.flags.get('mem')) !== resume.snapshot.memWords) throw new UsageError(`trapeze run: ${resume.name} is a snapshot of a machine with ${resume.snapshot.memWords} words; --mem does not match`);
  const given = machineOptions('run', p);
  // a resumed run is the snapshot's machine: its ISA, its storage, and its step limit unless one is given
  const opts = resume ? { ...given, memWords: resume.snapshot.memWords, maxSteps: p.flags.has('max-steps') ? given.maxSteps : resume.snapshot.maxSteps } : given;
  const file = resume ? resume.snapshot.programs[0]!.name : p.positional[0]!;
  const json = formatFlag('run', stringFlag(p, 'format'));
  const inputFile = stringFlag(p, 'input');
  const inputBytes = inputFile !== undefined ? readInput(io, inputFile) : undefined;
  const { image, isa } = resume ? { image: resume.snapshot.programs[0]!.image, isa: resume.isa } : await loadMain('run', io, p, file, opts.isaFlag, opts.memWords);
  const dumps = parseDumps(stringFlag(p, 'dump'), image, opts.memWords);
  if ('error' in dumps) throw new UsageError(`trapeze run: ${dumps.error}`);

  // Guest output goes out as it is produced (after each burst of steps, and
  // before the program waits for input); with --format json it is kept for the result.
  const flush = () => {
    if (json) return;
    const out = console.drain();
    if (out.length) io.out(out);
  };
  let console: Console;
  let cpu: Cpu;
  // a resumed console reads what the snapshot had taken but not read, then this run's input
  if (resume) ({ cpu, console } = resumeBare(resume.snapshot, isa, inputBytes ?? io.input(flush)));
  else {
    console = new Console(inputBytes ?? io.input(flush));
    cpu = new Cpu({ isa, memWords: opts.memWords, devices: console });
    try {
      cpu.load(image);
    } catch (e) {
      throw new UsageError(`trapeze run: ${file}: ${(e as Error).message} (try a larger --mem)`, EXIT.ERROR);
    }
  }

  const started = performance.now();
  let reason: StopReason = cpu.halted ? 'halt' : cpu.checkStop ? 'checkstop' : 'budget';
  // Steps are instructions and trap deliveries (a guest's too, under vmrun), counted from the program's start.
  let steps = bareSteps(cpu);
  if (plan.at !== undefined && plan.at < steps) throw new UsageError(`trapeze run: --snapshot-at ${plan.at} is before the snapshot being resumed (step ${steps})`);
  let saveAt = plan.file !== undefined ? plan.at : undefined;
  const save = () => saveSnapshot('run', io, plan.file!, snapshotBare(cpu, console, { name: file, image }, opts.maxSteps));
  while (steps < opts.maxSteps && reason === 'budget') {
    if (saveAt === steps) {
      save();
      saveAt = undefined;
    }
    const limit = Math.min(opts.maxSteps, saveAt ?? Infinity);
    if (trace) {
      const t = traceStep(cpu, image, trace);
      if (t.line !== undefined) io.err(t.line + '\n');
      reason = t.reason;
    } else reason = cpu.run(Math.min(CHUNK, limit - steps));
    steps = bareSteps(cpu);
    flush();
  }
  if (saveAt === steps) save();
  else if (plan.file !== undefined && plan.at === undefined) save();
  else if (saveAt !== undefined) io.err(`trapeze run: the run ended at step ${steps}, before --snapshot-at ${saveAt}: no snapshot saved\n`);
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
  if (cpu.code) lines.push(`translated    ${cpu.code.translations} region${cpu.code.translations === 1 ? '' : 's'} of hot code${cpu.code.invalidations ? `, ${cpu.code.invalidations} dropped when the program rewrote them` : ''}`);
  lines.push(`time          ${(seconds * 1000).toFixed(1)} ms`);
  lines.push(`speed         ${seconds > 0 ? (cpu.instret / seconds / 1e6).toFixed(1) : '-'} MIPS`);
  return lines.join('\n') + '\n';
}

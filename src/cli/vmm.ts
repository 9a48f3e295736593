/**
 * trapeze vmm: run several guests at once under the trap-and-emulate (or
 * hybrid) monitor, time-sliced round robin, each with its own console.
 */
import { basename } from 'node:path';
import { TextDecoder } from 'node:util';
import type { StopReason } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import { CAUSES, causeName, EXITS } from '../isa/table.js';
import type { LoadedProgram } from '../asm/program.js';
import type { BtStats } from '../vmm/bt/stats.js';
import { Allocator } from '../vmm/allocator.js';
import { roundRobin } from '../vmm/scheduler.js';
import { buildStack, loadGuest } from '../vmm/stack.js';
import { MONITORS, overhead, type MonitorKind } from '../vmm/monitor.js';
import type { VirtualMachine, VmStats } from '../vmm/vm.js';
import { intFlag, parseArgs, stringFlag, type Parsed } from './args.js';
import { commonIsa, LOAD_FLAGS, LOAD_USAGE, loadMain, MACHINE_FLAGS, MACHINE_USAGE, machineOptions } from './common.js';
import { readInput, UsageError, writeOutput, type Io } from './io.js';
import { dumpJson, dumpText, DUMP_USAGE, jsonText, outputJson, parseDumps, stateJson, stopText, trapsByName, type Dump } from './outcome.js';
import { formatFlag, round } from './run.js';
import { disassembleWord } from '../asm/disassemble.js';
import { describeEvents, type MonitorEvent } from '../vmm/events.js';
import { RoundRobin } from '../vmm/slices.js';
import type { Stack } from '../vmm/stack.js';
import { resumeVmm, snapshotVmm, type VmmRun } from '../snapshot/machine.js';
import { saveSnapshot, SNAPSHOT_FLAGS, SNAPSHOT_USAGE, snapshotPlan } from './snapshots.js';

export const DEFAULT_QUANTUM = 100_000;
/** guest storage per VM when --mem is not given */
export const DEFAULT_VM_WORDS = 65536;

/** --monitor, as both vmm and equiv describe it */
export const MONITOR_USAGE = [
  '  --monitor M        trap-emulate (default): both virtual modes run directly, privileged instructions',
  '                     trap and are emulated; hybrid: virtual supervisor mode is interpreted; bt: virtual',
  '                     supervisor code (and user code where the checker finds user-sensitive instructions)',
  '                     runs from a translation cache, sensitive instructions rewritten so they never trap;',
  '                     hw: every VM runs in the vt guest mode (hardware assist), exits are handled',
];

const USAGE = [
  'usage: trapeze vmm FILE.s|FILE.img ... [options]',
  '       trapeze vmm --resume FILE.snap [options]',
  '',
  'Runs each program as a virtual machine under a Popek-Goldberg monitor, all at once, time-sliced',
  "round robin. Each VM has its own storage partition and console; every line of a VM's output is",
  'prefixed with its name. A VM that check-stops or reaches its step limit is stopped alone.',
  '',
  ...MONITOR_USAGE,
  `  --quantum N        guest steps per time slice (default ${DEFAULT_QUANTUM})`,
  '  --depth N          monitors stacked on each other (default 1: a VMM on the real machine)',
  ...MACHINE_USAGE.map((l) => l.replace(/\(default \d+\)/, (m) => (l.includes('--mem') ? `(per VM, default ${DEFAULT_VM_WORDS})` : m))),
  ...LOAD_USAGE.map((l, i) => (i === 0 ? l.replace('also load FILE', 'load FILE into every VM') : l)),
  '  --input FILE       console input of every VM (default: stdin)',
  '  --separate DIR     write each VM\'s output to DIR/NAME.out instead of prefixed lines on stdout',
  '  --trace            the monitor at work, on stderr: per VM, every trap it takes and what it does',
  '                     (trap → dispatch → emulate ROUTINE, or reflect to the guest\'s handler; hw: its exits)',
  ...SNAPSHOT_USAGE.map((l) => l.replace('(it holds the program: give no FILE.s)', '(it holds every VM: give no files)')),
  '  --stats            per VM and per level on stderr: direct vs emulated instructions, traps by cause,',
  '                     reflections, time in the monitor; hypercalls by call; monitor entries per byte of',
  '                     output and per timer interrupt; bt: blocks translated, instructions ident vs',
  '                     rewritten, cache hits, chains, invalidations',
  '  --format F         text (default), or json: one JSON result on stdout, with each VM\'s stop reason,',
  '                     console output, registers, PSW, TIMER, instructions and traps by cause',
  DUMP_USAGE.replace('storage words', "words of each VM's storage"),
  '',
  'exit status: 0 all halted, 1 assembly or image error, 2 usage, 3 a VM check-stopped, 4 a VM reached the step limit',
].join('\n');


export function monitorFlag(command: string, p: Parsed): MonitorKind {
  const m = stringFlag(p, 'monitor') ?? 'trap-emulate';
  if (!(MONITORS as readonly string[]).includes(m)) throw new UsageError(`trapeze ${command}: --monitor must be one of ${MONITORS.join(', ')}, not '${m}'`);
  return m as MonitorKind;
}

/** The real machine a stack of `depth` monitors with `count` guests of `words` needs must fit the CPU's largest storage (2^30 words). */
export function checkStackSize(command: string, count: number, depth: number, words: number, monitor: MonitorKind = 'trap-emulate'): void {
  let need = Allocator.needed(count, words, overhead(monitor));
  for (let d = 1; d < depth; d++) need = Allocator.needed(1, need, overhead(monitor));
  if (need > 2 ** 30) throw new UsageError(`trapeze ${command}: ${count} VM${count === 1 ? '' : 's'} of ${words} words at depth ${depth} need ${need} words of real storage, more than the machine's largest (${2 ** 30}); use a smaller --mem`);
}

/** Unique VM names from file names: hello, hello-2, ... */
export function names(files: string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const n = basename(f).replace(/\.(s|img)$/i, '');
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}-${k}`;
  });
}

export async function vmmCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs(
    'vmm',
    args,
    {
      ...MACHINE_FLAGS,
      ...LOAD_FLAGS,
      monitor: { value: true },
      quantum: { value: true },
      depth: { value: true },
      input: { value: true },
      separate: { value: true },
      stats: {},
      trace: {},
      ...SNAPSHOT_FLAGS,
      format: { value: true },
      dump: { value: true },
      help: { short: 'h' },
    },
    USAGE,
  );
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  const plan = snapshotPlan('vmm', io, p, 'vmm');
  const resume = plan.resume;
  if (resume) {
    if (p.positional.length) throw new UsageError(`trapeze vmm: --resume runs the programs the snapshot holds: give no program files\n${USAGE}`);
    for (const f of ['monitor', 'depth', 'quantum', 'mem', 'isa', 'load'])
      if (p.flags.has(f)) throw new UsageError(`trapeze vmm: --${f} is fixed by the snapshot being resumed`);
  } else if (p.positional.length === 0) throw new UsageError(`trapeze vmm: expected at least one program file\n${USAGE}`);
  if (!p.flags.has('mem')) p.flags.set('mem', String(DEFAULT_VM_WORDS));
  const opts = machineOptions('vmm', p);
  const monitor = monitorFlag('vmm', p);
  const quantum = intFlag('vmm', p, 'quantum', DEFAULT_QUANTUM, 1, 1e9);
  const depth = intFlag('vmm', p, 'depth', 1, 1, 16);
  const json = formatFlag('vmm', stringFlag(p, 'format'));
  const inputFile = stringFlag(p, 'input');
  const separate = stringFlag(p, 'separate');
  const programs: LoadedProgram[] = [];
  if (!resume) for (const f of p.positional) programs.push(await loadMain('vmm', io, p, f, opts.isaFlag, opts.memWords));
  const isa = resume ? resume.isa : commonIsa('vmm', p.positional, programs, opts.isaFlag);
  const images = resume ? resume.snapshot.programs.map((x) => x.image) : programs.map((pr) => pr.image);
  const vmNames = resume ? resume.snapshot.programs.map((x) => x.name) : names(p.positional);
  const files = resume ? vmNames : p.positional;
  const maxSteps = resume && !p.flags.has('max-steps') ? resume.snapshot.maxSteps : opts.maxSteps;
  const dumps: Dump[][] = images.map((image, i) => {
    const d = parseDumps(stringFlag(p, 'dump'), image, opts.memWords, files[i]);
    if ('error' in d) throw new UsageError(`trapeze vmm: ${d.error}`);
    return d;
  });

  // Every VM reads all of the console input, each at its own pace; stdin is read as it arrives.
  const input = inputFile !== undefined ? readInput(io, inputFile) : io.input(() => flushAll());
  // With snapshots, the resumable scheduler (slices.ts) runs the VMs; without, roundRobin.
  const snapshots = resume !== undefined || plan.file !== undefined;
  let run: VmmRun | undefined;
  let stack: Stack;
  if (resume) {
    try {
      run = resumeVmm(resume.snapshot, isa, input, { maxSteps, afterSlice: (vm) => flush(vm, false) });
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(`trapeze vmm: ${resume.name}: ${e.message}`, 1);
      throw e;
    }
    stack = run.stack;
  } else {
    checkStackSize('vmm', images.length, depth, opts.memWords, monitor);
    stack = buildStack({ isa, monitor, depth, count: images.length, guestWords: opts.memWords, timing: p.flags.has('stats') });
    stack.guests.forEach((vm, i) => {
      try {
        loadGuest(vm, images[i]!, new Console(input));
      } catch (e) {
        throw new UsageError(`trapeze vmm: ${p.positional[i]}: ${(e as Error).message} (try a larger --mem)`, 1);
      }
    });
    if (snapshots) run = { stack, guests: stack.guests, consoles: stack.guests.map((vm) => vm.console), slices: new RoundRobin(stack.guests, quantum, maxSteps, (vm) => flush(vm, false)), monitor, depth, quantum, guestWords: opts.memWords, maxSteps };
  }
  const nameOf = new Map<VirtualMachine, string>(stack.guests.map((vm, i) => [vm, vmNames[i]!]));
  const flushTrace = p.flags.has('trace') ? traceMonitors(io, stack, nameOf) : () => {};

  // Stream complete lines, each prefixed by its VM's name.
  const partial = new Map<VirtualMachine, string>();
  const decoder = new Map<VirtualMachine, TextDecoder>(stack.guests.map((vm) => [vm, new TextDecoder()]));
  const flush = (vm: VirtualMachine, final: boolean) => {
    // with --format json the output goes into the result; with --separate into files at the end
    if (json || separate !== undefined) return;
    const bytes = vm.console.drain();
    if (bytes.length === 0 && !final) return; // most slices print nothing
    let text = (partial.get(vm) ?? '') + decoder.get(vm)!.decode(bytes, { stream: !final });
    const lines = text.split('\n');
    text = lines.pop()!;
    for (const l of lines) io.out(`[${nameOf.get(vm)}] ${l}\n`);
    if (final && text) {
      io.out(`[${nameOf.get(vm)}] ${text}\n`);
      text = '';
    }
    partial.set(vm, text);
  };
  // Before waiting for console input: every complete line so far (a VM's prompt without a newline waits for its line).
  function flushAll(): void {
    for (const vm of stack.guests) flush(vm, false);
  }

  const started = performance.now();
  let outcomes: { vm: VirtualMachine; reason: StopReason }[];
  if (run) {
    const r = run;
    const save = () => saveSnapshot('vmm', io, plan.file!, snapshotVmm(r, stack.guests.map((vm, i) => ({ name: vmNames[i]!, image: images[i]! }))));
    if (plan.at !== undefined && plan.at < r.slices.steps) throw new UsageError(`trapeze vmm: --snapshot-at ${plan.at} is before the snapshot being resumed (step ${r.slices.steps})`);
    if (plan.file !== undefined && plan.at !== undefined) {
      r.slices.run(plan.at - r.slices.steps);
      if (r.slices.steps === plan.at) save();
      else io.err(`trapeze vmm: the run ended at step ${r.slices.steps}, before --snapshot-at ${plan.at}: no snapshot saved\n`);
    }
    r.slices.run(Number.MAX_SAFE_INTEGER);
    if (plan.file !== undefined && plan.at === undefined) save();
    outcomes = r.guests.map((vm, i) => ({ vm, reason: r.slices.outcomes[i]! }));
  } else outcomes = roundRobin(stack.guests, { quantum, maxSteps, afterSlice: (vm) => flush(vm, false) });
  flushTrace();
  const seconds = (performance.now() - started) / 1000;
  for (const vm of stack.guests) flush(vm, true);
  if (separate !== undefined) {
    for (const vm of stack.guests) writeOutput(io, `${separate}/${nameOf.get(vm)}.out`, vm.console.output());
  }

  let status = 0;
  const reasons = new Map<VirtualMachine, StopReason>();
  for (const { vm, reason } of outcomes) {
    reasons.set(vm, reason);
    const i = stack.guests.indexOf(vm);
    const why = stopText(images[i]!, vm, reason, maxSteps, io.paint);
    if (why) io.err(`trapeze vmm: ${nameOf.get(vm)}: ${why}\n`);
    status = Math.max(status, reason === 'halt' ? 0 : reason === 'checkstop' ? 3 : 4);
  }
  if (p.flags.has('stats')) io.err(formatStats(stack.guests, nameOf, stack.levels.length, seconds, stack.levels.map((l) => l.vms)));
  if (json) {
    const result = {
      isa: isa.name,
      monitor,
      depth,
      quantum,
      exitStatus: status,
      timeMs: round(seconds * 1000),
      vms: stack.guests.map((vm, i) => {
        return {
          name: nameOf.get(vm)!,
          file: files[i]!,
          ...stateJson(images[i]!, vm, reasons.get(vm) ?? 'budget'),
          output: outputJson(vm.console.output()),
          ...monitorJson(vm.stats),
          ...(dumps[i]!.length ? { dump: dumpJson(vm.mem, dumps[i]!) } : {}),
        };
      }),
    };
    io.out(jsonText(result));
  } else
    stack.guests.forEach((vm, i) => {
      if (dumps[i]!.length) io.err(`${nameOf.get(vm)}:\n${dumpText(vm.mem, dumps[i]!)}`);
    });
  return status;
}

/** --trace: the monitors' events on stderr, one line per trap's story, prefixed by the VM's name. */
function traceMonitors(io: Io, stack: Stack, nameOf: Map<VirtualMachine, string>): () => void {
  let events: MonitorEvent[] = [];
  const show = () => {
    for (const { vm, text } of describeEvents(events, (w, pc) => disassembleWord(w, pc, { isa: stack.cpu.isa }), causeName)) {
      const guest = nameOf.get(vm as VirtualMachine);
      io.err(`[${guest ?? vm.name}] ${text}\n`);
    }
    events = [];
  };
  for (const level of stack.levels)
    level.listener = (e) => {
      if (e.kind === 'trap' || e.kind === 'interpret' || e.kind === 'translate' || e.kind === 'exit') show();
      events.push(e);
    };
  return show;
}

/** Exit counts by name: { INSTR: 12, SVC: 3, HTIMER: 40 } (1–6 are intercepted trap causes). */
export function exitCounts(exits: Float64Array): Record<string, number> {
  const names = new Map<number, string>(Object.entries(EXITS).map(([k, v]) => [v, k]));
  const out: Record<string, number> = {};
  exits.forEach((n, code) => {
    if (n) out[code <= 6 ? causeName(code) : names.get(code) ?? `exit ${code}`] = n;
  });
  return out;
}

/** The monitor's view of a VM, for the JSON of vmm and equiv: what ran directly, emulated, interpreted; traps, reflections and exits by name. */
export function monitorJson(s: VmStats) {
  return {
    direct: s.direct,
    emulated: Object.fromEntries(s.emulated),
    interpreted: s.interpreted,
    traps: trapsByName(s.traps),
    reflected: trapsByName(s.reflected),
    entries: s.entries,
    exits: exitCounts(s.exits),
    guestMode: s.guestMode,
    monitorEntries: s.monitorEntries,
    hypercalls: Object.fromEntries(s.hypercallsByName),
    ...(s.bt.blocks ? { bt: { ...s.bt, callouts: [...s.bt.callouts] } } : {}),
  };
}

/** `INSTR 12, SVC 3, HTIMER 40` */
export function exitNames(exits: Float64Array): string {
  return Object.entries(exitCounts(exits)).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
}

export function formatStats(guests: readonly VirtualMachine[], nameOf: Map<VirtualMachine, string>, depth: number, seconds: number, levelVms: VirtualMachine[][]): string {
  const out: string[] = [];
  const causes = (t: Float64Array) =>
    [...t]
      .map((n, c) => (n ? `${causeName(c)} ${n}` : ''))
      .filter(Boolean)
      .join(', ') || 'none';
  for (const vm of guests) {
    const s = vm.stats;
    const total = vm.instret || 1;
    out.push(`${nameOf.get(vm) ?? vm.name}: ${vm.instret} instructions: ${s.direct} direct (${((100 * s.direct) / total).toFixed(2)}%), ${s.emulations} emulated, ${s.interpreted} interpreted`);
    if (s.emulations) out.push(`  emulated: ${[...s.emulated].map(([m, n]) => `${m} ${n}`).join(', ')}`);
    if (s.entries) out.push(`  VM entries (vmrun): ${s.entries}; exits: ${exitNames(s.exits)}`);
    if (s.guestMode) out.push(`  its own guest ran ${s.guestMode} instructions in guest mode (vmrun, emulated by the monitor)`);
    if (!s.entries) {
      out.push(`  traps into the monitor: ${causes(s.traps)}`);
      out.push(`  reflected to the guest: ${causes(s.reflected)}`);
    }
    if (s.hypercallCount) out.push(`  hypercalls: ${[...s.hypercallsByName].map(([m, n]) => `${m} ${n}`).join(', ')}`);
    out.push(`  ${entriesLine(s, vm.console.output().length)}`);
    if (s.bt.blocks) out.push(...btLines(s.bt).map((l) => `  ${l}`));
    out.push(`  time in the monitor: ${s.monitorMs.toFixed(1)} ms`);
  }
  // The levels below the guests' monitor: each is one VM that the next monitor runs on.
  levelVms.slice(0, depth - 1).forEach((vms, i) => {
    for (const vm of vms) {
      const s = vm.stats;
      out.push(`level ${i + 1} (${vm.name}, the machine of level ${i + 2}): ${s.direct} direct, traps ${causes(s.traps)}, passed up ${causes(s.reflected)}, ${s.monitorMs.toFixed(1)} ms in the monitor`);
    }
  });
  const all = guests.reduce((n, vm) => n + vm.instret, 0);
  out.push(`total: ${all} guest instructions in ${(seconds * 1000).toFixed(1)} ms (${seconds > 0 ? (all / seconds / 1e6).toFixed(1) : '-'} MIPS)`);
  return out.join('\n') + '\n';
}

/**
 * The exits a paravirtual guest saves, per unit of work: monitor entries
 * (traps from the machine below) per byte of console output and per timer
 * interrupt the guest's kernel took.
 */
export function entriesLine(s: VmStats, outputBytes: number): string {
  const entries = s.monitorEntries;
  const ticks = s.reflected[CAUSES.TIMER]!;
  const per = (n: number) => (n ? (entries / n).toFixed(2) : '-');
  return `monitor entries: ${entries}; per byte of output: ${per(outputBytes)} (${outputBytes} bytes); per timer interrupt: ${per(ticks)} (${ticks} interrupts)`;
}

/** The binary translator's counts, as report lines. */
export function btLines(b: BtStats): string[] {
  const callouts = [...b.callouts].map((n, c) => (n ? `${causeName(c)} ${n}` : '')).filter(Boolean).join(', ') || 'none';
  return [
    `translated: ${b.blocks} blocks, ${b.identTranslated} instructions ident, ${b.rewrittenTranslated} rewritten`,
    `executed: ${b.identExecuted} ident (${b.stepped} of them stepped one at a time), ${b.rewrittenExecuted} rewritten (no trap)`,
    `cache: ${b.hits} hits, ${b.chains} chains made, ${b.chained} chained transfers, ${b.invalidations} invalidations`,
    `callouts from translated code: ${callouts}`,
  ];
}

/**
 * trapeze vmm: run several guests at once under the trap-and-emulate (or
 * hybrid) monitor, time-sliced round robin, each with its own console.
 */
import { basename } from 'node:path';
import { TextDecoder } from 'node:util';
import { Console } from '../cpu/devices.js';
import { causeName, EXITS } from '../isa/table.js';
import { Allocator } from '../vmm/allocator.js';
import { roundRobin } from '../vmm/scheduler.js';
import { buildStack, loadGuest } from '../vmm/stack.js';
import { MONITORS, overhead, type MonitorKind } from '../vmm/monitor.js';
import type { VirtualMachine } from '../vmm/vm.js';
import { intFlag, parseArgs, stringFlag, type Parsed } from './args.js';
import { loadFile, MACHINE_FLAGS, MACHINE_USAGE, machineOptions } from './common.js';
import { readInput, UsageError, writeOutput, type Io } from './io.js';

export const DEFAULT_QUANTUM = 100_000;
/** guest storage per VM when --mem is not given */
export const DEFAULT_VM_WORDS = 65536;

const USAGE = [
  'usage: trapeze vmm FILE.s|FILE.img ... [options]',
  '',
  'Runs each program as a virtual machine under a Popek-Goldberg monitor, all at once, time-sliced',
  "round robin. Each VM has its own storage partition and console; every line of a VM's output is",
  'prefixed with its name. A VM that check-stops or reaches its step limit is stopped alone.',
  '',
  '  --monitor M        trap-emulate (default): both virtual modes run directly, privileged',
  '                     instructions trap and are emulated; hybrid: virtual supervisor mode is interpreted;',
  '                     hw: every VM runs in the vt guest mode (hardware assist), exits are handled',
  `  --quantum N        guest steps per time slice (default ${DEFAULT_QUANTUM})`,
  '  --depth N          monitors stacked on each other (default 1: a VMM on the real machine)',
  ...MACHINE_USAGE.map((l) => l.replace(/\(default \d+\)/, (m) => (l.includes('--mem') ? `(per VM, default ${DEFAULT_VM_WORDS})` : m))),
  '  --input FILE       console input of every VM (default: stdin)',
  '  --separate DIR     write each VM\'s output to DIR/NAME.out instead of prefixed lines on stdout',
  '  --stats            per VM and per level on stderr: direct vs emulated instructions, traps by cause,',
  '                     reflections, time in the monitor',
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
function names(files: string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const n = basename(f).replace(/\.(s|img)$/i, '');
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}-${k}`;
  });
}

export function vmmCommand(args: string[], io: Io): number {
  const p = parseArgs(
    'vmm',
    args,
    { ...MACHINE_FLAGS, monitor: { value: true }, quantum: { value: true }, depth: { value: true }, input: { value: true }, separate: { value: true }, stats: {}, help: { short: 'h' } },
    USAGE,
  );
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  if (p.positional.length === 0) throw new UsageError(`trapeze vmm: expected at least one program file\n${USAGE}`);
  if (!p.flags.has('mem')) p.flags.set('mem', String(DEFAULT_VM_WORDS));
  const opts = machineOptions('vmm', p);
  const monitor = monitorFlag('vmm', p);
  const quantum = intFlag('vmm', p, 'quantum', DEFAULT_QUANTUM, 1, 1e9);
  const depth = intFlag('vmm', p, 'depth', 1, 1, 16);
  const inputFile = stringFlag(p, 'input');
  const input = inputFile !== undefined ? readInput(io, inputFile) : () => io.stdin();
  const separate = stringFlag(p, 'separate');
  const images = p.positional.map((f) => loadFile('vmm', io, f, opts.isa));
  const vmNames = names(p.positional);

  checkStackSize('vmm', images.length, depth, opts.memWords, monitor);
  const stack = buildStack({ isa: opts.isa, monitor, depth, count: images.length, guestWords: opts.memWords, timing: p.flags.has('stats') });
  stack.guests.forEach((vm, i) => {
    try {
      loadGuest(vm, images[i]!, new Console(input));
    } catch (e) {
      throw new UsageError(`trapeze vmm: ${p.positional[i]}: ${(e as Error).message} (try a larger --mem)`, 1);
    }
  });
  const nameOf = new Map<VirtualMachine, string>(stack.guests.map((vm, i) => [vm, vmNames[i]!]));

  // Stream complete lines, each prefixed by its VM's name.
  const partial = new Map<VirtualMachine, string>();
  const decoder = new Map<VirtualMachine, TextDecoder>(stack.guests.map((vm) => [vm, new TextDecoder()]));
  const collected = new Map<VirtualMachine, Uint8Array[]>(stack.guests.map((vm) => [vm, []]));
  const flush = (vm: VirtualMachine, final: boolean) => {
    const bytes = vm.console.drain();
    if (bytes.length === 0 && !final) return; // most slices print nothing
    if (separate !== undefined) {
      collected.get(vm)!.push(bytes);
      return;
    }
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

  const started = performance.now();
  const outcomes = roundRobin(stack.guests, { quantum, maxSteps: opts.maxSteps, afterSlice: (vm) => flush(vm, false) });
  const seconds = (performance.now() - started) / 1000;
  for (const vm of stack.guests) flush(vm, true);
  if (separate !== undefined) {
    for (const vm of stack.guests) writeOutput(io, `${separate}/${nameOf.get(vm)}.out`, Buffer.concat(collected.get(vm)!));
  }

  let status = 0;
  for (const { vm, reason } of outcomes) {
    const name = nameOf.get(vm);
    if (reason === 'checkstop' && vm.checkStop) {
      const c = vm.checkStop;
      io.err(`trapeze vmm: ${name}: check-stop: ${causeName(c.cause)} trap at pc 0x${c.pc.toString(16).padStart(8, '0')}, info 0x${(c.info >>> 0).toString(16).padStart(8, '0')}: ${c.why}\n`);
      status = Math.max(status, 3);
    } else if (reason === 'budget') {
      io.err(`trapeze vmm: ${name}: stopped at the step limit (${opts.maxSteps} steps; raise it with --max-steps)\n`);
      status = Math.max(status, 4);
    }
  }
  if (p.flags.has('stats')) io.err(formatStats(stack.guests, nameOf, stack.levels.length, seconds, stack.levels.map((l) => l.vms)));
  return status;
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

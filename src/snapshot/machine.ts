/**
 * Snapshots of whole runs, and runs resumed from them: the bare machine
 * (a CPU and its console) and a VMM run (the real CPU, the stack of
 * monitors, every VM, their consoles and the scheduler).
 *
 * A resumed run ends exactly like the uninterrupted one: everything that
 * decides the future is in the snapshot (test/snapshot checks it on the
 * fuzz corpus); the translated-code caches, which decide only speed, are not.
 */
import { Cpu } from '../cpu/cpu.js';
import { Console, type ConsoleInput } from '../cpu/devices.js';
import type { Image } from '../image.js';
import type { Isa } from '../isa/table.js';
import { RoundRobin } from '../vmm/slices.js';
import { buildStack, loadGuest, type Stack } from '../vmm/stack.js';
import { MONITORS, type MonitorKind } from '../vmm/monitor.js';
import type { VirtualMachine } from '../vmm/vm.js';
import type { ConsoleRecord, ProgramRecord, Snapshot } from './format.js';
import { captureCpu, captureVm, restoreCpu, restoreVm } from './state.js';

type Input = ConsoleInput;

function consoleRecord(c: Console): ConsoleRecord {
  return { consumed: c.consumed().slice(), unread: c.unread().slice(), output: c.output().slice() };
}

function resumeConsole(r: ConsoleRecord, more: Input): Console {
  return Console.resume(r.output, r.consumed, r.unread, more);
}

/**
 * Steps a bare machine has taken, exactly as run(n) counts them:
 * instructions completed and traps delivered (a guest's too, under vmrun),
 * a `vmrun` whose guest is still running (it completes at the exit), and
 * the check-stop that ended the run.
 */
export function bareSteps(cpu: Cpu): number {
  return cpu.instret + cpu.delivered + (cpu.guest?.byInstruction ? 1 : 0) + (cpu.checkStop ? 1 : 0);
}

export function snapshotBare(cpu: Cpu, console: Console, program: ProgramRecord, maxSteps: number): Snapshot {
  return {
    kind: 'bare',
    isa: cpu.isa.name,
    memWords: cpu.memWords,
    steps: bareSteps(cpu),
    maxSteps,
    programs: [program],
    cpu: captureCpu(cpu),
    storage: cpu.mem.slice(),
    consoles: [consoleRecord(console)],
  };
}

/** A bare machine where the snapshot left it; the console then reads `more` (after its own unread input). */
export function resumeBare(s: Snapshot, isa: Isa, more: Input = new Uint8Array(0)): { cpu: Cpu; console: Console } {
  if (s.kind !== 'bare') throw new RangeError('this is a snapshot of a VMM run: resume it with trapeze vmm --resume');
  const console = resumeConsole(s.consoles[0]!, more);
  const cpu = new Cpu({ isa, memWords: s.memWords, devices: console });
  cpu.mem.set(s.storage);
  restoreCpu(cpu, s.cpu);
  return { cpu, console };
}

/** A VMM run: the stack, its guests' consoles, and the scheduler. */
export interface VmmRun {
  readonly stack: Stack;
  readonly guests: readonly VirtualMachine[];
  readonly consoles: Console[];
  readonly slices: RoundRobin;
  readonly monitor: MonitorKind;
  readonly depth: number;
  readonly quantum: number;
  readonly guestWords: number;
  readonly maxSteps: number;
}

export interface VmmSetup {
  readonly isa: Isa;
  readonly monitor: MonitorKind;
  readonly depth: number;
  readonly quantum: number;
  readonly guestWords: number;
  readonly maxSteps: number;
  readonly afterSlice?: (vm: VirtualMachine) => void;
}

/** Build the stack and load every guest (its own console each); throws RangeError for an image that does not fit. */
export function startVmm(images: readonly Image[], input: Input, o: VmmSetup): VmmRun {
  const stack = buildStack({ isa: o.isa, monitor: o.monitor, depth: o.depth, count: images.length, guestWords: o.guestWords });
  const consoles = images.map(() => new Console(input));
  stack.guests.forEach((vm, i) => loadGuest(vm, images[i]!, consoles[i]!));
  return { stack, guests: stack.guests, consoles, slices: new RoundRobin(stack.guests, o.quantum, o.maxSteps, o.afterSlice), ...o };
}

/** The machines the monitors run on, outermost first (depth − 1 of them). */
function levelVms(stack: Stack): VirtualMachine[] {
  return stack.levels.slice(0, -1).map((l) => l.vms[0]!);
}

export function snapshotVmm(run: VmmRun, programs: readonly ProgramRecord[]): Snapshot {
  const { stack } = run;
  const levels = levelVms(stack);
  return {
    kind: 'vmm',
    isa: stack.cpu.isa.name,
    memWords: stack.cpu.memWords,
    steps: run.slices.steps,
    maxSteps: run.maxSteps,
    programs,
    cpu: captureCpu(stack.cpu),
    storage: stack.cpu.mem.slice(),
    consoles: run.consoles.map(consoleRecord),
    vmm: {
      monitor: run.monitor,
      depth: run.depth,
      quantum: run.quantum,
      guestWords: run.guestWords,
      levels: levels.map(captureVm),
      guests: run.guests.map(captureVm),
      partitions: [...levels, ...run.guests].map((vm) => ({ offset: vm.partition.offset, size: vm.partition.size })),
      slices: run.slices.state(),
    },
  };
}

/**
 * A VMM run where the snapshot left it. The stack is rebuilt from the
 * snapshot's shape (the allocator is deterministic, and the partitions are
 * checked against the file), then every machine's state is put back.
 * `maxSteps` overrides the snapshot's step limit.
 */
export function resumeVmm(s: Snapshot, isa: Isa, more: Input = new Uint8Array(0), opts: { maxSteps?: number; afterSlice?: (vm: VirtualMachine) => void } = {}): VmmRun {
  const m = s.vmm;
  if (s.kind !== 'vmm' || !m) throw new RangeError('this is a snapshot of a bare-machine run: resume it with trapeze run --resume');
  if (!(MONITORS as readonly string[]).includes(m.monitor)) throw new RangeError(`it was taken under a monitor this trapeze does not have ('${m.monitor}')`);
  const stack = buildStack({ isa, monitor: m.monitor as MonitorKind, depth: m.depth, count: m.guests.length, guestWords: m.guestWords });
  if (stack.cpu.memWords !== s.memWords) throw new RangeError(`its storage (${s.memWords} words) does not match the stack it describes (${stack.cpu.memWords})`);
  const levels = levelVms(stack);
  const all = [...levels, ...stack.guests];
  all.forEach((vm, i) => {
    const p = m.partitions[i]!;
    if (p.offset !== vm.partition.offset || p.size !== vm.partition.size) throw new RangeError(`VM ${vm.name}'s partition does not match the stack it describes`);
  });
  stack.cpu.mem.set(s.storage);
  restoreCpu(stack.cpu, s.cpu);
  levels.forEach((vm, i) => restoreVm(vm, m.levels[i]!));
  const consoles = s.consoles.map((c) => resumeConsole(c, more));
  stack.guests.forEach((vm, i) => {
    restoreVm(vm, m.guests[i]!);
    vm.console = consoles[i]!;
  });
  const maxSteps = opts.maxSteps ?? s.maxSteps;
  const slices = new RoundRobin(stack.guests, m.quantum, maxSteps, opts.afterSlice);
  slices.restore(m.slices);
  return { stack, guests: stack.guests, consoles, slices, monitor: m.monitor as MonitorKind, depth: m.depth, quantum: m.quantum, guestWords: m.guestWords, maxSteps };
}

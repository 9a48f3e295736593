/**
 * What the debugger runs: the bare machine, or a VMM run with its guests.
 * Both are one timeline counted in steps (an instruction that completes or a
 * trap delivery; under the VMM, a guest step of whichever VM the scheduler
 * runs), stepped one at a time (observed) or many at once (fast, for
 * replay), and saved and restored whole (history.ts, snapshots).
 */
import { Cpu, type StopReason } from '../cpu/cpu.js';
import type { Console } from '../cpu/devices.js';
import { observeVtStep, type Observed, type StepEffect } from '../cpu/effect.js';
import type { Image } from '../image.js';
import type { Isa } from '../isa/table.js';
import type { ProgramRecord, Snapshot } from '../snapshot/format.js';
import { bareSteps, snapshotBare, snapshotVmm, type VmmRun } from '../snapshot/machine.js';
import { capturePages, captureCpu, captureVm, restoreCpu, restorePages, restoreVm, type CpuState, type VmState } from '../snapshot/state.js';
import type { MonitorEvent } from '../vmm/events.js';
import type { SliceState } from '../vmm/slices.js';
import type { VirtualMachine } from '../vmm/vm.js';

/** One machine the user can look at and set breakpoints in: the CPU, or one guest. */
export interface MachineInfo {
  readonly name: string;
  readonly view: Observed;
  readonly image: Image;
  readonly console: Console;
  /** traps delivered into this machine so far */
  delivered(): number;
  /** this machine's own steps so far */
  steps(): number;
  /** why it stopped, or undefined while it runs */
  stopped(): StopReason | undefined;
}

/** A whole-target state: everything needed to go back to this moment. */
export interface TargetState {
  readonly time: number;
  readonly cpu: CpuState;
  readonly pages: readonly Int32Array[];
  readonly consoles: readonly { inPos: number; outLen: number }[];
  readonly vms?: readonly VmState[];
  readonly slices?: SliceState;
}

export interface StepRecord {
  /** which machine stepped */
  readonly machine: number;
  /** the step's number on the timeline (1 is the first step; the clock reads this after it) */
  readonly step: number;
  readonly effect: StepEffect;
  /** what the monitors did during the step (VMM) */
  readonly events: readonly MonitorEvent[];
}

export interface Target {
  readonly kind: 'bare' | 'vmm';
  readonly isa: Isa;
  readonly machines: readonly MachineInfo[];
  /** words of real storage (what one checkpoint may copy) */
  readonly memWords: number;
  /** steps taken: the clock */
  readonly time: number;
  /** nothing can step any more */
  readonly finished: boolean;
  /** the machine that takes the next step */
  next(): number | undefined;
  /** one step, observed */
  step(): StepRecord;
  /** one step, not observed (the debugger checks breakpoints itself) */
  stepQuick(): void;
  /** up to n steps at full speed (under the VMM, `untilAStop`: no further than the slice in which a VM stops); returns how many were taken */
  run(n: number, untilAStop?: boolean): number;
  /**
   * Fast forward (never back) until machine `m` has taken `steps` steps of its
   * own and is the next to step, or nothing can step. Returns false if that
   * point is not reached.
   */
  runToOwnStep(m: number, steps: number): boolean;
  capture(previous?: TargetState): TargetState;
  restore(s: TargetState): void;
  /** a snapshot file's contents at this moment */
  snapshot(): Snapshot;
}

// ------------------------------------------------------------------ bare

export class BareTarget implements Target {
  readonly kind = 'bare';
  readonly machines: readonly MachineInfo[];
  readonly memWords: number;
  readonly isa: Isa;

  constructor(
    readonly cpu: Cpu,
    readonly console: Console,
    readonly program: ProgramRecord,
    readonly maxSteps: number,
  ) {
    this.isa = cpu.isa;
    this.memWords = cpu.memWords;
    const stopped = (): StopReason | undefined => (cpu.halted ? 'halt' : cpu.checkStop ? 'checkstop' : undefined);
    this.machines = [
      {
        name: program.name,
        view: cpu,
        image: program.image,
        console,
        delivered: () => cpu.trapCount,
        steps: () => bareSteps(cpu),
        stopped,
      },
    ];
  }

  get time(): number {
    return bareSteps(this.cpu);
  }

  get finished(): boolean {
    return this.cpu.halted || this.cpu.checkStop !== null;
  }

  next(): number | undefined {
    return this.finished ? undefined : 0;
  }

  step(): StepRecord {
    const cpu = this.cpu;
    const effect = observeVtStep(cpu, cpu.isa, () => cpu.run(1), () => cpu.delivered);
    return { machine: 0, step: this.time, effect, events: [] };
  }

  stepQuick(): void {
    this.cpu.run(1);
  }

  run(n: number): number {
    const before = this.time;
    let left = n;
    while (left > 0 && !this.finished) {
      this.cpu.run(Math.min(left, 1 << 30));
      left = n - (this.time - before);
    }
    return this.time - before;
  }

  runToOwnStep(_m: number, steps: number): boolean {
    if (steps < this.time) return false;
    this.run(steps - this.time);
    return this.time === steps;
  }

  capture(previous?: TargetState): TargetState {
    return { time: this.time, cpu: captureCpu(this.cpu), pages: capturePages(this.cpu.mem, previous?.pages), consoles: [this.console.snapshot()] };
  }

  restore(s: TargetState): void {
    restorePages(this.cpu.mem, s.pages);
    restoreCpu(this.cpu, s.cpu);
    this.console.restore(s.consoles[0]!);
  }

  snapshot(): Snapshot {
    return snapshotBare(this.cpu, this.console, this.program, this.maxSteps);
  }
}

// ------------------------------------------------------------------ VMM

export class VmmTarget implements Target {
  readonly kind = 'vmm';
  readonly machines: readonly MachineInfo[];
  readonly memWords: number;
  readonly isa: Isa;
  /** monitor events of the step being observed */
  private events: MonitorEvent[] = [];
  private readonly listen = (e: MonitorEvent) => void this.events.push(e);

  constructor(
    readonly run_: VmmRun,
    readonly programs: readonly ProgramRecord[],
  ) {
    const cpu = run_.stack.cpu;
    this.isa = cpu.isa;
    this.memWords = cpu.memWords;
    this.machines = run_.guests.map((vm, i) => ({
      name: programs[i]!.name,
      view: vm,
      image: programs[i]!.image,
      get console() {
        return run_.consoles[i]!;
      },
      delivered: () => delivered(vm),
      steps: () => vm.steps,
      stopped: () => run_.slices.outcomes[i],
    }));
  }

  get stack() {
    return this.run_.stack;
  }

  get time(): number {
    return this.run_.slices.steps;
  }

  get finished(): boolean {
    return this.run_.slices.done;
  }

  next(): number | undefined {
    return this.run_.slices.next();
  }

  step(): StepRecord {
    const i = this.next();
    if (i === undefined) throw new RangeError('every VM has stopped');
    const vm = this.run_.guests[i]!;
    this.events = [];
    for (const level of this.stack.levels) level.listener = this.listen;
    try {
      const effect = observeVtStep(vm, vm.isa, () => {
        this.run_.slices.run(1);
        return this.run_.slices.outcomes[i] ?? 'budget';
      }, () => delivered(vm));
      return { machine: i, step: this.time, effect, events: this.events };
    } finally {
      for (const level of this.stack.levels) level.listener = undefined;
    }
  }

  stepQuick(): void {
    this.run_.slices.run(1);
  }

  run(n: number, untilAStop = false): number {
    return this.run_.slices.run(n, untilAStop);
  }

  runToOwnStep(m: number, steps: number): boolean {
    const s = this.run_.slices;
    const vm = this.run_.guests[m]!;
    if (vm.steps > steps) return false;
    for (;;) {
      const i = s.next();
      if (i === undefined) return false;
      if (i === m) {
        if (vm.steps === steps) return true;
        const left = s.sliceLeft > 0 ? s.sliceLeft : Math.min(s.quantum, s.maxSteps - vm.steps);
        s.run(Math.min(left, steps - vm.steps));
      } else {
        // another VM's slice: run it to its end
        const other = this.run_.guests[i]!;
        const left = s.sliceLeft > 0 ? s.sliceLeft : Math.min(s.quantum, s.maxSteps - other.steps);
        s.run(left);
      }
    }
  }

  capture(previous?: TargetState): TargetState {
    const cpu = this.stack.cpu;
    return {
      time: this.time,
      cpu: captureCpu(cpu),
      pages: capturePages(cpu.mem, previous?.pages),
      consoles: this.run_.consoles.map((c) => c.snapshot()),
      vms: this.allVms().map(captureVm),
      slices: this.run_.slices.state(),
    };
  }

  restore(s: TargetState): void {
    const cpu = this.stack.cpu;
    restorePages(cpu.mem, s.pages);
    restoreCpu(cpu, s.cpu);
    this.run_.consoles.forEach((c, i) => c.restore(s.consoles[i]!));
    this.allVms().forEach((vm, i) => restoreVm(vm, s.vms![i]!));
    this.run_.slices.restore(s.slices!);
  }

  /** the machines the monitors run on, then the guests */
  allVms(): VirtualMachine[] {
    return [...this.stack.levels.slice(0, -1).map((l) => l.vms[0]!), ...this.run_.guests];
  }

  snapshot(): Snapshot {
    return snapshotVmm(this.run_, this.programs);
  }
}

/**
 * Traps delivered into a VM: its steps that were not instructions (whichever
 * monitor delivered them: reflected by trap-and-emulate, delivered in guest
 * mode under hw), a `vmrun` still running its guest apart.
 */
function delivered(vm: VirtualMachine): number {
  return vm.steps - vm.instret - (vm.guest?.byInstruction ? 1 : 0);
}

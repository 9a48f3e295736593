/**
 * The round-robin scheduler of scheduler.ts as an object that can stop after
 * any guest step and be saved and restored: what the debugger (one step at a
 * time, forwards and backwards) and snapshots of a VMM run need.
 *
 * It makes exactly the decisions roundRobin() makes: each VM that is still
 * running, in order, gets a slice of min(quantum, steps left before its
 * step limit) steps; a VM that halts, check-stops or reaches its limit is
 * stopped alone. A slice may be run in pieces (run(1) at a time, or any
 * split): a VM's run(a) then run(b) is its run(a + b).
 */
import type { StopReason } from '../cpu/cpu.js';
import type { VirtualMachine } from './vm.js';

/** Where the scheduler is: enough to resume it exactly. */
export interface SliceState {
  /** the VM whose slice is running (or starts next), an index into the VMs */
  readonly current: number;
  /** steps left in the current slice; 0 = the next slice has not started */
  readonly sliceLeft: number;
  /** each VM's stop reason, or undefined while it runs */
  readonly outcomes: readonly (StopReason | undefined)[];
}

export class RoundRobin {
  current = 0;
  sliceLeft = 0;
  readonly outcomes: (StopReason | undefined)[];

  constructor(
    readonly vms: readonly VirtualMachine[],
    readonly quantum: number,
    readonly maxSteps: number,
    /** called at the end of every slice (e.g. to stream console output) */
    readonly afterSlice?: (vm: VirtualMachine) => void,
  ) {
    this.outcomes = vms.map(() => undefined);
  }

  /** every VM has stopped */
  get done(): boolean {
    return this.outcomes.every((o) => o !== undefined);
  }

  /** guest steps taken by all VMs: the VMM run's clock */
  get steps(): number {
    let n = 0;
    for (const vm of this.vms) n += vm.steps;
    return n;
  }

  /** The index of the VM that takes the next step (undefined when all have stopped). */
  next(): number | undefined {
    if (this.done) return undefined;
    let i = this.current;
    while (this.outcomes[i] !== undefined) i = (i + 1) % this.vms.length;
    return i;
  }

  /**
   * Run up to `n` guest steps in all (whichever VMs the slices give them to),
   * stopping early when every VM has stopped, or (`untilAStop`) at the end
   * of a slice in which a VM stopped. Returns the steps taken.
   */
  run(n: number, untilAStop = false): number {
    let taken = 0;
    while (taken < n) {
      const i = this.next();
      if (i === undefined) break;
      this.current = i;
      const vm = this.vms[i]!;
      if (this.sliceLeft === 0) this.sliceLeft = Math.min(this.quantum, this.maxSteps - vm.steps);
      const before = vm.steps;
      const r = vm.run(Math.min(this.sliceLeft, n - taken));
      const done = vm.steps - before;
      taken += done;
      this.sliceLeft -= done;
      if (r !== 'budget' || vm.steps >= this.maxSteps) {
        this.endSlice(i, r);
        if (untilAStop) break;
      } else if (this.sliceLeft <= 0) this.endSlice(i, undefined);
      else if (done === 0) break; // cannot happen: a budget stop uses the budget
    }
    return taken;
  }

  private endSlice(i: number, outcome: StopReason | undefined): void {
    if (outcome !== undefined) this.outcomes[i] = outcome;
    this.sliceLeft = 0;
    this.afterSlice?.(this.vms[i]!);
    this.current = (i + 1) % this.vms.length;
  }

  state(): SliceState {
    return { current: this.current, sliceLeft: this.sliceLeft, outcomes: [...this.outcomes] };
  }

  restore(s: SliceState): void {
    this.current = s.current;
    this.sliceLeft = s.sliceLeft;
    for (let i = 0; i < this.outcomes.length; i++) this.outcomes[i] = s.outcomes[i];
  }
}

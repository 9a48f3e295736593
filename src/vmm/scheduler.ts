/**
 * Round-robin time slicing of several VMs. Each VM runs for one quantum of
 * its own steps, then the next; a VM that halts, check-stops or reaches its
 * step limit is stopped alone and the others go on. A guest that spins
 * cannot starve the others: its slice ends whatever it does.
 */
import type { StopReason } from '../cpu/cpu.js';
import type { VirtualMachine } from './vm.js';

export interface Outcome {
  readonly vm: VirtualMachine;
  readonly reason: StopReason;
}

export interface ScheduleOptions {
  /** guest steps per slice */
  readonly quantum: number;
  /** step limit of each VM */
  readonly maxSteps: number;
  /** called after every slice (e.g. to stream console output) */
  readonly afterSlice?: (vm: VirtualMachine) => void;
}

export function roundRobin(vms: readonly VirtualMachine[], opts: ScheduleOptions): Outcome[] {
  const outcomes = new Map<VirtualMachine, StopReason>();
  let ready = [...vms];
  while (ready.length) {
    for (const vm of ready) {
      const left = opts.maxSteps - vm.steps;
      const r = vm.run(Math.min(opts.quantum, left));
      opts.afterSlice?.(vm);
      if (r !== 'budget' || vm.steps >= opts.maxSteps) outcomes.set(vm, r);
    }
    ready = ready.filter((vm) => !outcomes.has(vm));
  }
  return vms.map((vm) => ({ vm, reason: outcomes.get(vm)! }));
}

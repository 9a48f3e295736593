/**
 * Building a virtualized machine: a real CPU, then `depth` monitors stacked
 * on it (each running on a VM of the one below), and `count` guest VMs under
 * the innermost monitor. Each level is the same Vmm code; a level's
 * "hardware" is just a Machine.
 */
import { Cpu } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import type { Image } from '../image.js';
import type { Isa } from '../isa/table.js';
import { resetAndLoad } from '../cpu/psw.js';
import { Allocator } from './allocator.js';
import type { Machine } from './machine.js';
import { createMonitor, hostIsa, overhead, type Monitor, type MonitorKind } from './monitor.js';
import type { VirtualMachine } from './vm.js';

export interface StackOptions {
  readonly isa: Isa;
  readonly monitor: MonitorKind;
  /** monitors stacked: 1 = a VMM on the real machine */
  readonly depth: number;
  /** guest VMs under the innermost monitor */
  readonly count: number;
  /** storage of each guest, in words */
  readonly guestWords: number;
  readonly timing?: boolean;
}

export interface Stack {
  readonly cpu: Cpu;
  /** monitors, outermost first */
  readonly levels: readonly Monitor[];
  readonly innermost: Monitor;
  readonly guests: readonly VirtualMachine[];
}

export function buildStack(opts: StackOptions): Stack {
  if (opts.depth < 1) throw new RangeError('depth must be at least 1');
  // Storage each level needs, innermost first: the guests, then one VM per level holding the next.
  const sizes = stackSizes(opts.monitor, opts.count, opts.guestWords, opts.depth);
  // Every level below the guests' monitor is a machine a monitor runs on:
  // for hw that is a machine with guest mode, so its ISA gains `vt`.
  const isa = hostIsa(opts.monitor, opts.isa);
  const cpu = new Cpu({ isa, memWords: sizes[opts.depth - 1]! });
  const levels: Monitor[] = [];
  let host: Machine = cpu;
  const options = { isa, ...(opts.timing ? { timing: true } : {}) };
  for (let d = opts.depth - 1; d >= 1; d--) {
    const vmm = createMonitor(opts.monitor, host, options);
    levels.push(vmm);
    host = vmm.createVm(`level${opts.depth - d}`, sizes[d - 1]!);
  }
  const innermost = createMonitor(opts.monitor, host, { ...options, isa: opts.isa });
  levels.push(innermost);
  const guests = Array.from({ length: opts.count }, (_, i) => innermost.createVm(`vm${i + 1}`, opts.guestWords));
  return { cpu, levels, innermost, guests };
}

/** Storage of each level of a stack, innermost first: the guests, then one VM per level holding the next. */
export function stackSizes(monitor: MonitorKind, count: number, guestWords: number, depth: number): number[] {
  const sizes: number[] = [Allocator.needed(count, guestWords, overhead(monitor))];
  for (let d = 1; d < depth; d++) sizes.push(Allocator.needed(1, sizes[d - 1]!, overhead(monitor)));
  return sizes;
}

/** Load an image into a VM as the bare machine's reset and load would. */
export function loadGuest(vm: VirtualMachine, image: Image, console: Console): void {
  // A partition nobody has written is zero already: clearing it would map every page of it.
  if (!vm.partition.fresh) vm.mem.fill(0);
  vm.partition.fresh = false;
  resetAndLoad(vm, image);
  vm.steps = 0;
  vm.console = console;
}

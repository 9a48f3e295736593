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
import { Vmm, type MonitorKind } from './vmm.js';
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
  readonly levels: readonly Vmm[];
  readonly innermost: Vmm;
  readonly guests: readonly VirtualMachine[];
}

export function buildStack(opts: StackOptions): Stack {
  if (opts.depth < 1) throw new RangeError('depth must be at least 1');
  // Storage each level needs, innermost first: the guests, then one VM per level holding the next.
  const sizes: number[] = [Allocator.needed(opts.count, opts.guestWords)];
  for (let d = 1; d < opts.depth; d++) sizes.push(Allocator.needed(1, sizes[d - 1]!));
  const cpu = new Cpu({ isa: opts.isa, memWords: sizes[opts.depth - 1]! });
  const levels: Vmm[] = [];
  let host: Machine = cpu;
  for (let d = opts.depth - 1; d >= 1; d--) {
    const vmm = new Vmm(host, { isa: opts.isa, monitor: opts.monitor, ...(opts.timing ? { timing: true } : {}) });
    levels.push(vmm);
    host = vmm.createVm(`level${opts.depth - d}`, sizes[d - 1]!);
  }
  const innermost = new Vmm(host, { isa: opts.isa, monitor: opts.monitor, ...(opts.timing ? { timing: true } : {}) });
  levels.push(innermost);
  const guests = Array.from({ length: opts.count }, (_, i) => innermost.createVm(`vm${i + 1}`, opts.guestWords));
  return { cpu, levels, innermost, guests };
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

/**
 * The monitors trapeze offers, in one place: what each is called, what it
 * needs from the machine below, and how to make one.
 *
 *   trap-emulate  Popek & Goldberg's VMM (Theorem 1): vmm.ts
 *   hybrid        virtual supervisor mode interpreted (Theorem 3): vmm.ts
 *   hw            hardware assist: every VM in the `vt` guest mode: hw.ts
 */
import type { Console } from '../cpu/devices.js';
import { EXTENSIONS, makeIsa, type Isa } from '../isa/table.js';
import { HwMonitor } from './hw.js';
import type { Machine } from './machine.js';
import type { Allocator } from './allocator.js';
import type { Runner, VirtualMachine } from './vm.js';
import { Vmm } from './vmm.js';

export const MONITORS = ['trap-emulate', 'hybrid', 'hw'] as const;
export type MonitorKind = (typeof MONITORS)[number];

/** What every monitor offers the code that builds and schedules VMs. */
export interface Monitor extends Runner {
  readonly allocator: Allocator;
  readonly vms: VirtualMachine[];
  createVm(name: string, size: number, console?: Console): VirtualMachine;
}

export interface MonitorOptions {
  /** the guests' instruction set */
  readonly isa: Isa;
  /** measure time spent in the monitor */
  readonly timing?: boolean;
}

export function createMonitor(kind: MonitorKind, host: Machine, options: MonitorOptions): Monitor {
  switch (kind) {
    case 'trap-emulate':
    case 'hybrid':
      return new Vmm(host, { ...options, monitor: kind });
    case 'hw':
      return new HwMonitor(host, options);
  }
}

/** The instruction set the machine under a monitor needs: the guests', plus `vt` for hw. */
export function hostIsa(kind: MonitorKind, isa: Isa): Isa {
  if (kind !== 'hw' || isa.extensions.has('vt')) return isa;
  return makeIsa(`${isa.name}+vt`, [...EXTENSIONS.filter((e) => isa.extensions.has(e)), 'vt']);
}

/** Words of the machine below a VM costs beyond its partition. */
export function overhead(kind: MonitorKind): number {
  return kind === 'hw' ? HwMonitor.OVERHEAD : 0;
}

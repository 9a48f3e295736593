/**
 * Planted bugs, to test the tests: each is monkeypatched into the monitor for
 * the duration of one call and removed after (try/finally). Nothing in src/
 * carries a hook for them.
 */
import { getField, OPCODE, opcodeOf } from '../../src/isa/table.js';
import { Allocator } from '../../src/vmm/allocator.js';
import { Vmm } from '../../src/vmm/vmm.js';
import type { VirtualMachine } from '../../src/vmm/vm.js';

type Emulate = (this: Vmm, vm: VirtualMachine, word: number) => unknown;
const proto = Vmm.prototype as unknown as { emulate: Emulate; runVm: Vmm['runVm'] };

export const MUTANTS = {
  /** the allocator composes the real bound one word too large: off-by-one bound check */
  'bound off by one': () => {
    const orig = Allocator.prototype.relocate;
    Allocator.prototype.relocate = function (this: Allocator, p, vbase, vbound) {
      orig.call(this, p, vbase, vbound);
      const host = (this as unknown as { host: { bound: number } }).host;
      host.bound = host.bound + 1;
    };
    return () => void (Allocator.prototype.relocate = orig);
  },
  /** emulated spsw stores the pc of the spsw itself instead of the next instruction */
  'spsw stores the wrong pc': () => {
    const orig = proto.emulate;
    proto.emulate = function (vm, word) {
      const at = vm.base + (vm.regs[getField(word, 'b')]! >>> 0);
      const r = orig.call(this, vm, word);
      if (opcodeOf(word) === OPCODE.spsw && r === 'budget') vm.mem[at + 1] = vm.pc - 1;
      return r;
    };
    return () => void (proto.emulate = orig);
  },
  /** the virtual timer does not count emulated instructions (a timer miscount) */
  'timer misses emulated instructions': () => {
    const orig = proto.emulate;
    proto.emulate = function (vm, word) {
      const timer = vm.timer;
      const pending = vm.pending;
      const r = orig.call(this, vm, word);
      if (opcodeOf(word) !== OPCODE.stimer && r === 'budget') {
        vm.timer = timer;
        vm.pending = pending;
      }
      return r;
    };
    return () => void (proto.emulate = orig);
  },
  /** the scheduler's first VM gets a double slice */
  'greedy first VM': () => {
    const orig = proto.runVm;
    proto.runVm = function (vm, n) {
      return orig.call(this, vm, vm.name === 'vm1' ? n * 2 : n);
    };
    return () => void (proto.runVm = orig);
  },
} as const;

export type MutantName = keyof typeof MUTANTS;

export function withMutant<T>(name: MutantName, f: () => T): T {
  const restore = MUTANTS[name]();
  try {
    return f();
  } finally {
    restore();
  }
}

/**
 * The interpreter routines (Popek & Goldberg's third VMM module): one per
 * privileged instruction, each doing to the virtual machine what the
 * hardware would do to the real one. They are entered only from the
 * dispatcher, only for a privileged instruction trapped in virtual
 * supervisor mode.
 *
 * A routine returns DONE (the instruction completed), DONE_NO_TICK (completed,
 * and the virtual timer must not count it: stimer), or a trap cause for the
 * dispatcher to reflect, with the info in vm.trapInfo.
 */
import { CAUSES, FIELDS, type Mnemonic } from '../isa/table.js';
import { firstBadAddress, loadPsw, storePsw } from '../cpu/psw.js';
import { enterGuest } from '../cpu/guest.js';
import { VMCB } from '../isa/table.js';
import type { VirtualMachine } from './vm.js';

export const DONE = 0;
export const DONE_NO_TICK = -1;
/** vmrun entered (emulated) guest mode: a step now; the instruction completes at the guest's exit */
export const ENTERED_GUEST = -2;

/**
 * A routine gets the VM, the trapped instruction word, and the guest's
 * registers: while the monitor handles a trap they are still in the machine
 * below (the dispatcher does not copy them out per trap), so the routine is
 * handed that register file.
 */
export type Routine = (vm: VirtualMachine, word: number, R: Int32Array) => number;

const A = FIELDS.a[1];
const B = FIELDS.b[1];
const UIMM = (1 << (FIELDS.imm16[0] - FIELDS.imm16[1] + 1)) - 1;

function memoryFault(vm: VirtualMachine, addr: number): number {
  vm.trapInfo = addr | 0;
  return CAUSES.MEMORY;
}

export type PrivilegedMnemonic = Extract<Mnemonic, 'lpsw' | 'spsw' | 'stimer' | 'in' | 'out' | 'halt' | 'vmrun'>;

export const ROUTINES: Record<PrivilegedMnemonic, Routine> = {
  /** PSW ← the four words at virtual rs..rs+3 (all four checked first) */
  lpsw(vm, w, R) {
    const at = R[(w >> B) & 15]! >>> 0;
    const bad = firstBadAddress(vm, at, 4);
    if (bad >= 0) return memoryFault(vm, bad);
    loadPsw(vm, vm.base + at);
    return DONE;
  },

  /** the four words at virtual rs..rs+3 ← PSW, with pc = the next instruction */
  spsw(vm, w, R) {
    const at = R[(w >> B) & 15]! >>> 0;
    const bad = firstBadAddress(vm, at, 4);
    if (bad >= 0) return memoryFault(vm, bad);
    storePsw(vm, vm.base + at, vm.pc + 1);
    vm.pc = vm.pc + 1;
    return DONE;
  },

  /** the virtual timer ← rs; a pending virtual interrupt is cleared; not itself counted */
  stimer(vm, w, R) {
    vm.timer = R[(w >> B) & 15]! >>> 0;
    vm.pending = false;
    vm.pc = vm.pc + 1;
    return DONE_NO_TICK;
  },

  /** read the VM's own console */
  in(vm, w, R) {
    const rd = (w >> A) & 15;
    const v = vm.console.read(w & UIMM);
    if (rd !== 0) R[rd] = v;
    vm.pc = vm.pc + 1;
    return DONE;
  },

  /** write the VM's own console */
  out(vm, w, R) {
    vm.console.write(w & UIMM, R[(w >> B) & 15]!);
    vm.pc = vm.pc + 1;
    return DONE;
  },

  /** the VM stops; the others go on */
  halt(vm) {
    vm.halted = true;
    vm.pc = vm.pc + 1;
    return DONE;
  },

  /**
   * The guest's kernel is itself a hypervisor (ISA.md "Extension vt"): it
   * runs a guest of its own. The VM has no hardware guest mode to lend it,
   * so the monitor provides one in software — the same guest-mode code the
   * CPU uses, over the VM's storage (src/cpu/guest.ts). The dispatcher then
   * runs that guest until its exit, which completes this vmrun.
   */
  vmrun(vm, w, R) {
    const at = R[(w >> B) & 15]! >>> 0;
    const bad = firstBadAddress(vm, at, VMCB.SIZE);
    if (bad >= 0) return memoryFault(vm, bad);
    vm.pc = vm.pc + 1;
    return enterGuest(vm, vm.isa, vm.console, vm.base + at, true) === 0 ? ENTERED_GUEST : DONE;
  },
};

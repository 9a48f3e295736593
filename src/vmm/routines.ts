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
import { BY_OPCODE, CAUSES, FIELDS, opcodeOf, type Isa, type Mnemonic } from '../isa/table.js';
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

/**
 * The monitor follows the checker: every instruction the ISA table declares
 * privileged traps in virtual supervisor mode and needs a routine here. The
 * instructions of `isa` that lack one (a test holds the table to this).
 */
export function missingRoutines(isa: Isa): string[] {
  return isa.instructions.filter((s) => s.declared.privileged && !Object.hasOwn(ROUTINES, s.mnemonic)).map((s) => s.mnemonic);
}

/** The dispatcher's table: opcode → routine, for the privileged instructions of `isa`. */
export function routineTable(isa: Isa): (Routine | undefined)[] {
  const missing = missingRoutines(isa);
  if (missing.length) throw new MonitorError(`the monitor has no interpreter routine for ${missing.map((m) => `'${m}'`).join(', ')}, which the ISA table declares privileged (add ${missing.length === 1 ? 'one' : 'them'} to src/vmm/routines.ts)`);
  const t: (Routine | undefined)[] = new Array(256).fill(undefined);
  for (const s of isa.instructions) if (s.declared.privileged) t[s.opcode] = ROUTINES[s.mnemonic as PrivilegedMnemonic];
  return t;
}

/** A bug in the monitor, not in the guest: it must not be reflected into the guest as if the hardware had done it. */
export class MonitorError extends Error {
  constructor(message: string) {
    super(`internal error: ${message}`);
  }
}

/** A PRIV trap from virtual supervisor mode that no routine handles: what to say. */
export function noRoutine(word: number): MonitorError {
  const spec = BY_OPCODE[opcodeOf(word)];
  const name = spec ? `'${spec.mnemonic}'` : `the word 0x${(word >>> 0).toString(16).padStart(8, '0')}`;
  return new MonitorError(
    `${name} trapped as privileged in virtual supervisor mode, but the monitor has no interpreter routine for it. ` +
      `The machine treats it as privileged while the ISA table does not declare it so (trapeze classify shows which instructions trap in user mode); ` +
      `reflecting the trap would let the guest see a fault the bare machine never gives.`,
  );
}

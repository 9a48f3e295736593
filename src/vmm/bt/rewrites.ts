/**
 * What a rewritten instruction does: act on the VM's virtual state instead of
 * the real one. For the privileged instructions that is exactly their
 * interpreter routine (routines.ts), shared with trap-and-emulate; the
 * binary translator only calls it without a trap. The variants' extra
 * instructions are not privileged, so trap-and-emulate never meets them;
 * their virtual meanings are here, in the routines' shape:
 *
 *   gpsw   rd ← the virtual flags (the real ones would show user mode)
 *   getr   rd ← the virtual base (the real one is the partition's)
 *   sflags IE ← bit 1 of rs in virtual supervisor mode (the real machine, in user mode, ignores it)
 *   jrstu  pc ← rs, and from virtual supervisor mode into virtual user mode
 */
import { FIELDS, FLAGS, FLAGS_MASK, OPCODE, type Mnemonic } from '../../isa/table.js';
import { DONE, ROUTINES, type Routine } from '../routines.js';

const A = FIELDS.a[1];
const B = FIELDS.b[1];
const OP = FIELDS.op[1];

export const EXTRA_REWRITES: Partial<Record<Mnemonic, Routine>> = {
  gpsw(vm, w, R) {
    const rd = (w >> A) & 15;
    if (rd !== 0) R[rd] = vm.flags & FLAGS_MASK;
    vm.pc = vm.pc + 1;
    return DONE;
  },
  getr(vm, w, R) {
    const rd = (w >> A) & 15;
    if (rd !== 0) R[rd] = vm.base;
    vm.pc = vm.pc + 1;
    return DONE;
  },
  sflags(vm, w, R) {
    if (vm.supervisor) vm.flags = (vm.flags & ~FLAGS.IE) | (R[(w >> B) & 15]! & FLAGS.IE);
    vm.pc = vm.pc + 1;
    return DONE;
  },
  jrstu(vm, w, R) {
    vm.pc = R[(w >> B) & 15]! >>> 0;
    vm.flags &= ~FLAGS.S;
    return DONE;
  },
};

/** opcode → the routine a rewritten instruction calls: the interpreter routine if it has one, else its virtual meaning above. */
export const REWRITE_BY_OPCODE: ReadonlyArray<Routine | undefined> = (() => {
  const t: (Routine | undefined)[] = new Array(256).fill(undefined);
  for (const [m, r] of Object.entries(EXTRA_REWRITES) as [Mnemonic, Routine][]) t[OPCODE[m]] = r;
  for (const [m, r] of Object.entries(ROUTINES) as [Mnemonic, Routine][]) t[OPCODE[m]] = r;
  return t;
})();

export function rewriteRoutine(word: number): Routine | undefined {
  return REWRITE_BY_OPCODE[word >>> OP];
}



/**
 * Guest mode (ISA.md "Extension vt") for the reference interpreter: the one
 * place `vmrun`'s meaning goes — load the 32-word control block, run the
 * guest on a Reference over its partition until an exit, write the guest
 * state back. Not modelled yet: `vmrun` is in UNMODELLED (semantics.ts), so
 * tests and the checker's oracle do not ask the reference about it, and
 * running one here is an error that says so.
 */
import type { Operands } from './decode.js';
import type { Reference } from './interp.js';

export class Unmodelled extends Error {}

export function runGuest(_m: Reference, o: Operands): void {
  throw new Unmodelled(`the reference interpreter does not model vt guest mode yet (vmrun, word 0x${(o.word >>> 0).toString(16)}): src/ref/guest.ts`);
}

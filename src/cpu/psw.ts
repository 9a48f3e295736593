/**
 * The two pieces of the machine that both the hardware (cpu.ts) and a
 * monitor's virtual hardware (vmm/) must do identically: the trap sequence
 * and the relocation check of a multi-word PSW access. Written once.
 */
import { FLAGS_MASK, LOW } from '../isa/table.js';

/** A machine's PSW and storage, as the trap sequence sees them. */
export interface PswState {
  flags: number;
  pc: number;
  base: number;
  bound: number;
  readonly mem: Int32Array;
  readonly memWords: number;
}

/**
 * The trap sequence (ISA.md "Traps and interrupts"): old PSW, cause and info
 * to physical 0..5; the new PSW from physical 8..11. Returns false if the new
 * PSW's bound is 0: no handler was ever installed, the machine must
 * check-stop.
 */
export function trapSequence(m: PswState, cause: number, info: number, oldPc: number): boolean {
  const E = m.mem;
  E[LOW.OLD_PSW] = m.flags & FLAGS_MASK;
  E[LOW.OLD_PSW + 1] = oldPc;
  E[LOW.OLD_PSW + 2] = m.base;
  E[LOW.OLD_PSW + 3] = m.bound;
  E[LOW.CAUSE] = cause;
  E[LOW.INFO] = info;
  m.flags = E[LOW.NEW_PSW]! & FLAGS_MASK;
  m.pc = E[LOW.NEW_PSW + 1]! >>> 0;
  m.base = E[LOW.NEW_PSW + 2]! >>> 0;
  m.bound = E[LOW.NEW_PSW + 3]! >>> 0;
  return m.bound !== 0;
}

/** Virtual addresses below this are reachable: a < bound and base + a < storage. */
export function relocationLimit(m: PswState): number {
  const room = m.memWords - m.base;
  return m.bound < room ? m.bound : room;
}

/** lpsw and spsw check all their addresses before touching any: the first that fails, or −1. */
export function firstBadAddress(m: PswState, at: number, count: number): number {
  const limit = relocationLimit(m);
  for (let k = 0; k < count; k++) {
    const a = (at + k) >>> 0;
    if (a >= limit) return a;
  }
  return -1;
}

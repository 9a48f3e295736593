/**
 * The two pieces of the machine that both the hardware (cpu.ts) and a
 * monitor's virtual hardware (vmm/) must do identically: the trap sequence
 * and the relocation check of a multi-word PSW access. Written once.
 */
import type { Image } from '../image.js';
import { FLAGS, FLAGS_MASK, LOW } from '../isa/table.js';

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

/** What a machine with a trap hook records when a trap stops it. */
export interface Hooked {
  pc: number;
  trapCause: number;
  trapInfo: number;
  trapPc: number;
}

/**
 * The trap hook: instead of the trap sequence, record the trap and stop, with
 * pc at the old pc, so that the monitor running on this machine decides.
 */
export function hookTrap(m: Hooked, cause: number, info: number, oldPc: number): 'trap' {
  m.trapCause = cause;
  m.trapInfo = info | 0;
  m.trapPc = oldPc >>> 0;
  m.pc = oldPc >>> 0;
  return 'trap';
}

/** The parts of a machine that reset and loading set. */
export interface Resettable extends PswState {
  readonly regs: Int32Array;
  timer: number;
  pending: boolean;
  halted: boolean;
  checkStop: unknown;
  instret: number;
}

/**
 * ISA.md's reset state (registers 0, supervisor with IE off, base 0, bound =
 * storage, TIMER off), then the image's segments copied into storage, which
 * the caller has cleared, and pc at its entry point.
 */
export function resetAndLoad(m: Resettable, image: Image): void {
  for (const seg of image.segments) {
    if (seg.origin + seg.words.length > m.memWords) {
      throw new RangeError(`image segment at ${seg.origin} (${seg.words.length} words) does not fit in ${m.memWords} words of storage`);
    }
  }
  m.regs.fill(0);
  m.flags = FLAGS.S;
  m.pc = image.entry >>> 0;
  m.base = 0;
  m.bound = m.memWords;
  m.timer = 0;
  m.pending = false;
  m.halted = false;
  m.checkStop = null;
  m.instret = 0;
  for (const seg of image.segments) m.mem.set(seg.words, seg.origin);
}

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
  storePsw(m, LOW.OLD_PSW, oldPc);
  m.mem[LOW.CAUSE] = cause;
  m.mem[LOW.INFO] = info;
  loadPsw(m, LOW.NEW_PSW);
  return m.bound !== 0;
}

/** PSW ← the four words at physical p..p+3 (flags keep bits 0–1 only): lpsw and the trap sequence. */
export function loadPsw(m: PswState, p: number): void {
  const E = m.mem;
  m.flags = E[p]! & FLAGS_MASK;
  m.pc = E[p + 1]! >>> 0;
  m.base = E[p + 2]! >>> 0;
  m.bound = E[p + 3]! >>> 0;
}

/** The four words at physical p..p+3 ← PSW, with `pc` as its pc (other flag bits stored as 0): spsw and the trap sequence. */
export function storePsw(m: PswState, p: number, pc: number): void {
  const E = m.mem;
  E[p] = m.flags & FLAGS_MASK;
  E[p + 1] = pc;
  E[p + 2] = m.base;
  E[p + 3] = m.bound;
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

/** ISA.md's reset state: registers 0, supervisor with IE off, pc 0, base 0, bound = storage, TIMER off; running, no instructions yet. */
export function resetState(m: Resettable): void {
  m.regs.fill(0);
  m.flags = FLAGS.S;
  m.pc = 0;
  m.base = 0;
  m.bound = m.memWords;
  m.timer = 0;
  m.pending = false;
  m.halted = false;
  m.checkStop = null;
  m.instret = 0;
}

/**
 * The reset state, then the image's segments copied into storage (which the
 * caller has cleared) and pc at its entry point. A segment that does not fit
 * is refused before anything changes.
 */
export function resetAndLoad(m: Resettable, image: Image): void {
  for (const seg of image.segments) {
    if (seg.origin + seg.words.length > m.memWords) {
      throw new RangeError(`image segment at ${seg.origin} (${seg.words.length} words) does not fit in ${m.memWords} words of storage`);
    }
  }
  resetState(m);
  m.pc = image.entry >>> 0;
  for (const seg of image.segments) m.mem.set(seg.words, seg.origin);
}

/** The processor state a monitor hands to and takes back from a software CPU: PSW, TIMER, pending interrupt (registers apart). */
export interface ProcessorState {
  flags: number;
  pc: number;
  base: number;
  bound: number;
  timer: number;
  pending: boolean;
}

export function copyProcessorState(to: ProcessorState, from: ProcessorState): void {
  to.flags = from.flags;
  to.pc = from.pc;
  to.base = from.base;
  to.bound = from.bound;
  to.timer = from.timer;
  to.pending = from.pending;
}

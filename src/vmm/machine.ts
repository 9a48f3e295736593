/**
 * What a monitor needs from the machine under it: the programmer-visible
 * state and a run loop with a trap hook. The CPU offers it, and so does every
 * virtual machine, so monitors stack (Popek & Goldberg's Theorem 2).
 */
import type { CheckStop, StopReason } from '../cpu/cpu.js';
import type { GuestMode } from '../cpu/guest.js';
import type { Isa } from '../isa/table.js';

export interface Machine {
  readonly regs: Int32Array;
  /** PSW */
  flags: number;
  pc: number;
  base: number;
  bound: number;
  timer: number;
  pending: boolean;
  /** physical storage of this machine */
  readonly mem: Int32Array;
  readonly memWords: number;
  /** when set, run() stops with 'trap' instead of delivering the trap through low storage */
  trapHook: boolean;
  trapCause: number;
  trapInfo: number;
  trapPc: number;
  halted: boolean;
  checkStop: CheckStop | null;
  /** instructions completed */
  instret: number;
  /** storage is all zero, never written since it was allocated (an allocator on this machine need not clear partitions) */
  readonly freshStorage?: boolean;
  run(maxSteps: number): StopReason;
  // --- vt: guest mode (ISA.md "Extension vt"), what the `hw` monitor drives ---
  /** the guest running while in guest mode */
  guest: GuestMode | null;
  /** when set, a guest's exit stops run() with 'exit' */
  exitHook: boolean;
  /** run the guest of the control block at physical `cb` (vmrun without its host instruction): 0, or BADVMCB */
  enterGuest(cb: number, isa?: Isa): number;
}

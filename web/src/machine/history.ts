/**
 * Reverse execution as snapshots plus deterministic replay, counted in
 * steps (an instruction completed or a trap delivered), the way QEMU's
 * record/replay and gdb's reverse-step work: to go back to step n, restore
 * the last snapshot at or before n and run forward exactly n − k steps.
 * PG32 is deterministic given its console input, and the input only grows,
 * so the replay reaches exactly the state the machine was in.
 *
 * This is the smallest honest engine, behind `ReverseEngine`, so that the
 * debugger engine of src/debug (issue 15) can take its place.
 *
 * Cost. A snapshot copies the registers and PSW and keeps storage as
 * 1024-word pages; a page equal to the previous snapshot's is shared, an
 * all-zero page is not stored, so a snapshot costs what changed since the
 * last one. At most MAX_SNAPSHOTS are kept: when there are more, the one
 * whose removal leaves the smallest gap for its age goes, so old history
 * thins out (roughly logarithmically) while recent history stays dense.
 */
import type { Cpu, CheckStop } from '../../../src/cpu/cpu.js';
import type { ConsoleState, PageConsole } from './console.js';

/** What the debugger needs from a reverse-execution engine. */
export interface ReverseEngine {
  /** The machine was just reset or loaded: it is at step 0 and has no past. */
  reset(): void;
  /** The machine is about to run forward from here: keep this point if one is due. */
  checkpoint(): void;
  /** Bring the machine back to exactly `step` steps after reset (0 ≤ step ≤ now). */
  seek(step: number): void;
}

/** The machine as the engine sees it. */
export interface Replayable {
  readonly cpu: Cpu;
  readonly console: PageConsole;
  /** steps since reset */
  position(): number;
  /** run forward exactly `n` steps (no breakpoints, no waiting for input) */
  replay(n: number): void;
  /** the machine was restored to `step`: forget what happened after it (e.g. trap log entries) */
  rewound(step: number): void;
}

const PAGE = 1024;
export const MAX_SNAPSHOTS = 48;
/** fewer steps than this since the last snapshot: replaying them is cheaper than a snapshot */
export const MIN_SPACING = 20_000;

interface Snapshot {
  readonly step: number;
  readonly regs: Int32Array;
  readonly flags: number;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly halted: boolean;
  readonly checkStop: CheckStop | null;
  readonly instret: number;
  readonly traps: Float64Array;
  readonly delivered: number;
  readonly afterTrap: boolean;
  /** storage by page; null = all zero */
  readonly pages: readonly (Int32Array | null)[];
  readonly console: ConsoleState;
}

export class SnapshotHistory implements ReverseEngine {
  private snaps: Snapshot[] = [];

  constructor(private readonly m: Replayable) {}

  /** how many snapshots are kept (for tests and the status line) */
  get size(): number {
    return this.snaps.length;
  }

  reset(): void {
    this.snaps = [];
    this.take();
  }

  checkpoint(): void {
    // In `vt` guest mode part of the state is in the guest's processor: the
    // next snapshot waits for the exit (replay re-enters guest mode by vmrun).
    if (this.m.cpu.guest !== null) return;
    const last = this.snaps[this.snaps.length - 1];
    const now = this.m.position();
    if (last && now - last.step < MIN_SPACING) return;
    this.take();
    this.thin();
  }

  seek(step: number): void {
    const now = this.m.position();
    if (!Number.isInteger(step) || step < 0 || step > now) throw new RangeError(`cannot go to step ${step}: the machine is at step ${now}`);
    let i = this.snaps.length - 1;
    while (i > 0 && this.snaps[i]!.step > step) i--;
    const s = this.snaps[i];
    if (!s) throw new Error('reverse execution: no snapshot (reset() was not called)');
    this.snaps.length = i + 1; // later snapshots belong to a future that is being replaced
    this.restore(s);
    this.m.rewound(s.step);
    if (step > s.step) this.m.replay(step - s.step);
    if (this.m.position() !== step) throw new Error(`reverse execution: replay reached step ${this.m.position()}, not ${step}`);
  }

  private take(): void {
    const cpu = this.m.cpu;
    const prev = this.snaps[this.snaps.length - 1];
    const mem = cpu.mem;
    const pages: (Int32Array | null)[] = [];
    for (let p = 0, k = 0; p < mem.length; p += PAGE, k++) {
      const page = mem.subarray(p, Math.min(p + PAGE, mem.length));
      const old = prev?.pages[k];
      if (old !== undefined && samePage(page, old)) pages.push(old);
      else pages.push(isZero(page) ? null : page.slice());
    }
    this.snaps.push({
      step: this.m.position(),
      regs: cpu.regs.slice(),
      flags: cpu.flags,
      pc: cpu.pc,
      base: cpu.base,
      bound: cpu.bound,
      timer: cpu.timer,
      pending: cpu.pending,
      halted: cpu.halted,
      checkStop: cpu.checkStop,
      instret: cpu.instret,
      traps: cpu.traps.slice(),
      delivered: cpu.delivered,
      // A trap was just delivered: the handler's first fetch must not fault.
      afterTrap: cpu.afterTrap,
      pages,
      console: this.m.console.state(),
    });
  }

  private restore(s: Snapshot): void {
    const cpu = this.m.cpu;
    cpu.regs.set(s.regs);
    cpu.flags = s.flags;
    cpu.pc = s.pc;
    cpu.base = s.base;
    cpu.bound = s.bound;
    cpu.timer = s.timer;
    cpu.pending = s.pending;
    cpu.halted = s.halted;
    cpu.checkStop = s.checkStop;
    cpu.instret = s.instret;
    cpu.traps.set(s.traps);
    cpu.delivered = s.delivered;
    cpu.afterTrap = s.afterTrap;
    cpu.guest = null; // snapshots are never taken in guest mode
    const mem = cpu.mem;
    s.pages.forEach((page, k) => {
      if (page) mem.set(page, k * PAGE);
      else mem.fill(0, k * PAGE, Math.min((k + 1) * PAGE, mem.length));
    });
    this.m.console.restore(s.console);
  }

  /** Keep at most MAX_SNAPSHOTS: drop the one (never the first or the last) whose neighbours are closest for its age. */
  private thin(): void {
    const now = this.m.position();
    while (this.snaps.length > MAX_SNAPSHOTS) {
      let best = 1;
      let score = Infinity;
      for (let i = 1; i < this.snaps.length - 1; i++) {
        const s = (this.snaps[i + 1]!.step - this.snaps[i - 1]!.step) / (now - this.snaps[i]!.step + 1);
        if (s < score) {
          score = s;
          best = i;
        }
      }
      this.snaps.splice(best, 1);
    }
  }
}

function samePage(a: Int32Array, b: Int32Array | null): boolean {
  if (b === null) return isZero(a);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isZero(a: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

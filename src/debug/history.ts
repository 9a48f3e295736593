/**
 * The debugger's history: checkpoints of the whole target along its
 * timeline, so that any earlier moment is one restore and a short replay
 * away (QEMU's record/replay and gdb's reverse execution work the same way).
 * The machine is deterministic given its input, and the console keeps every
 * byte it has read, so a replay is exact.
 *
 * Memory stays bounded:
 *  - a checkpoint is taken every `interval` steps (further apart as the run
 *    gets long: 1/64 of its length) and copies only the pages of storage
 *    that changed since the checkpoint before it (the others, and pages of
 *    zeros, are shared);
 *  - when the pages held exceed `budgetBytes`, every other checkpoint of the
 *    older half is dropped (never the first): recent history stays dense,
 *    old history gets sparser, and going far back replays longer.
 */
import type { TargetState } from './target.js';

export interface Checkpoint {
  readonly time: number;
  readonly state: TargetState;
}

export class History {
  private points: Checkpoint[] = [];
  /** bytes of distinct storage pages held (recomputed when thinning) */
  private bytes = 0;

  constructor(
    /** steps between checkpoints */
    readonly interval: number,
    readonly budgetBytes: number,
  ) {}

  get size(): number {
    return this.points.length;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** the earliest moment the history reaches */
  get origin(): number {
    return this.points[0]?.time ?? 0;
  }

  /** Forget everything: `first` is the new origin (a restart, a loaded snapshot). */
  reset(first: TargetState): void {
    this.points = [{ time: first.time, state: first }];
    this.bytes = pageBytes(first, undefined);
  }

  /** The latest checkpoint at or before `time`. */
  at(time: number): Checkpoint | undefined {
    let lo = 0;
    let hi = this.points.length - 1;
    let found: Checkpoint | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = this.points[mid]!;
      if (p.time <= time) {
        found = p;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The checkpoint just before `cp`, or undefined for the first. */
  before(cp: Checkpoint): Checkpoint | undefined {
    const i = this.points.indexOf(cp);
    return i > 0 ? this.points[i - 1] : undefined;
  }

  /** The time of the next checkpoint after `time`, or Infinity. */
  nextAfter(time: number): number {
    const c = this.at(time);
    const i = c ? this.points.indexOf(c) + 1 : 0;
    return this.points[i]?.time ?? Infinity;
  }

  /**
   * Steps from a checkpoint at `time` to the next: `interval`, growing with
   * the run (1/64 of the time so far), so that a long run takes O(log)
   * checkpoints, not O(n), and recent history stays within an interval.
   */
  spacing(time: number): number {
    return Math.max(this.interval, Math.floor(time / 64));
  }

  /** The time the next checkpoint is due at: one spacing past the last one. */
  nextDue(): number {
    const last = this.points[this.points.length - 1]!;
    return last.time + this.spacing(last.time);
  }

  /** Record a checkpoint (its pages share with the checkpoint before it, see Target.capture). */
  add(state: TargetState): void {
    const i = this.points.findIndex((p) => p.time >= state.time);
    if (i >= 0 && this.points[i]!.time === state.time) return;
    const prev = i < 0 ? this.points[this.points.length - 1] : this.points[i - 1];
    this.bytes += pageBytes(state, prev?.state);
    if (i < 0) this.points.push({ time: state.time, state });
    else this.points.splice(i, 0, { time: state.time, state });
    if (this.bytes > this.budgetBytes) this.thin();
  }

  /** The checkpoint to share pages with when capturing at `time`. */
  previous(time: number): TargetState | undefined {
    return this.at(time)?.state;
  }

  private thin(): void {
    while (this.bytes > this.budgetBytes && this.points.length > 2) {
      const half = Math.max(2, this.points.length >> 1);
      const kept: Checkpoint[] = [];
      this.points.forEach((p, i) => {
        if (i === 0 || i >= half || i % 2 === 0) kept.push(p);
      });
      if (kept.length === this.points.length) break;
      this.points = kept;
      this.bytes = distinctBytes(this.points);
    }
  }
}

/** Bytes of the pages of `s` that it does not share with `prev`. */
function pageBytes(s: TargetState, prev: TargetState | undefined): number {
  const old = new Set(prev?.pages);
  const seen = new Set<Int32Array>();
  let n = 0;
  for (const p of s.pages)
    if (!old.has(p) && !seen.has(p)) {
      seen.add(p);
      n += p.byteLength;
    }
  return n;
}

function distinctBytes(points: readonly Checkpoint[]): number {
  const seen = new Set<Int32Array>();
  let n = 0;
  for (const p of points)
    for (const page of p.state.pages)
      if (!seen.has(page)) {
        seen.add(page);
        n += page.byteLength;
      }
  return n;
}

/**
 * Reverse execution for the page's debugger, on the command-line
 * debugger's own parts: src/debug/history.ts keeps the checkpoints (their
 * spacing grows with the run, storage pages are shared between them, and a
 * byte budget thins old history), src/snapshot/state.ts captures and
 * restores the machine, `vt` guest mode included. Going to step n is what
 * the engine's goTo does (src/debug/engine.ts): restore the last checkpoint
 * at or before n and replay exactly n − k steps. PG32 is deterministic given
 * its console input, and the input only grows, so the replay reaches
 * exactly the state the machine was in.
 */
import type { Cpu } from '../../../src/cpu/cpu.js';
import { History } from '../../../src/debug/history.js';
import type { TargetState } from '../../../src/debug/target.js';
import { capturePages, captureCpu, restoreCpu, restorePages } from '../../../src/snapshot/state.js';
import type { PageConsole } from './console.js';

/** The machine as reverse execution sees it. */
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

/** Bytes of storage pages the history may hold: less than the command line's 256 MiB, as a browser tab shares its memory. */
export const HISTORY_BYTES = 64 * 1024 * 1024;

export class ReverseExecution {
  readonly history: History;
  /** the step the next checkpoint is due at */
  private due = 0;

  constructor(
    private readonly m: Replayable,
    budgetBytes = HISTORY_BYTES,
  ) {
    // The command-line debugger's spacing (Engine): about a quarter of storage in steps, 2^14 to 2^18.
    this.history = new History(Math.min(1 << 18, Math.max(1 << 14, m.cpu.memWords >> 2)), budgetBytes);
  }

  /** The machine was just reset or loaded: it is at its origin, with no past. */
  reset(): void {
    this.history.reset(this.capture());
    this.due = this.history.nextDue();
  }

  /** Steps the machine may run before the next checkpoint is due (a caller running fast stops there and calls checkpoint()). */
  get untilDue(): number {
    return Math.max(0, this.due - this.m.position());
  }

  /** The machine is about to run forward from here: keep this moment if a checkpoint is due. */
  checkpoint(): void {
    if (this.m.position() < this.due) return;
    const now = this.m.position();
    this.history.add(this.capture(this.history.previous(now)));
    this.due = this.history.nextDue();
  }

  /** Bring the machine to exactly `step` steps after its origin (0 ≤ step ≤ now), back or forward. */
  seek(step: number): void {
    const now = this.m.position();
    if (!Number.isInteger(step) || step < this.history.origin || step > now) throw new RangeError(`cannot go to step ${step}: the machine is at step ${now}`);
    const cp = this.history.at(step)!;
    this.restore(cp.state);
    this.m.rewound(cp.time);
    // Checkpoints after this one stay: the machine is deterministic, so that future is the one it will replay.
    this.due = this.history.nextDue();
    if (step > cp.time) this.m.replay(step - cp.time);
    if (this.m.position() !== step) throw new Error(`reverse execution: replay reached step ${this.m.position()}, not ${step}`);
  }

  private capture(previous?: TargetState): TargetState {
    const cpu = this.m.cpu;
    return { time: this.m.position(), cpu: captureCpu(cpu), pages: capturePages(cpu.mem, previous?.pages), consoles: [this.m.console.state()] };
  }

  private restore(s: TargetState): void {
    const cpu = this.m.cpu;
    restorePages(cpu.mem, s.pages);
    restoreCpu(cpu, s.cpu);
    this.m.console.restore(s.consoles[0]!);
  }
}

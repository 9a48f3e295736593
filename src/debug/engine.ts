/**
 * The debugger's engine: breakpoints, watchpoints and catchpoints; stepping
 * forwards (step, next, finish, until, continue) and backwards
 * (reverse-step, reverse-next, reverse-finish, reverse-continue); all on one
 * timeline of steps with checkpoints (history.ts) and exact replay.
 *
 * It imports nothing from Node: the command line (src/cli/debug.ts) and the
 * browser playground drive the same engine.
 *
 * Motions are generators: they yield now and then (about every 50 ms of
 * work) so that a user interface can stay responsive and interrupt them;
 * `drive()` runs one to its end. Every motion ends in a Stop that says why,
 * and which step was done (or undone) last.
 *
 * Call depth (for next, finish, until, reverse-next) is counted per motion,
 * from the instructions themselves: a `jal`/`jalr` that links, or a trap
 * delivered, goes one deeper; `jr lr` or `lpsw` comes back one.
 */
import type { StepEffect } from '../cpu/effect.js';
import { fetchVirtual, type Observed, type VtObserved } from '../cpu/effect.js';
import { FIELDS, LOW, OPCODE } from '../isa/table.js';
import type { MonitorEvent } from '../vmm/events.js';
import { evaluate, type ExprContext } from './expr.js';
import { History } from './history.js';
import type { MachineInfo, StepRecord, Target, TargetState } from './target.js';

export type BreakKind = 'break' | 'tbreak' | 'watch' | 'rwatch' | 'awatch' | 'catch';
export type CatchWhat = 'trap' | 'exit' | 'emulate' | 'reflect' | 'monitor' | 'translate' | 'hypercall' | 'interpret';

export interface Breakpoint {
  readonly id: number;
  readonly kind: BreakKind;
  enabled: boolean;
  /** the machine (VM) it belongs to; the bare machine is 0 */
  readonly machine: number;
  /** break/tbreak: the storage address of the instruction; watch: of the word (−1 for a register watch) */
  readonly addr: number;
  /** a register watch: which register */
  readonly reg?: number;
  readonly what?: CatchWhat;
  /** catch trap / reflect / exit: the cause or exit code; hypercall: the call */
  readonly code?: number;
  /** catch emulate: the routine (mnemonic) */
  readonly routine?: string;
  /** how the user named it (a label, file:line, an address) */
  readonly where: string;
  /** stop only when this expression is non-zero */
  condition?: string;
  hits: number;
}

export type StopKind =
  | 'step'
  | 'breakpoint'
  | 'watchpoint'
  | 'catchpoint'
  | 'finish'
  | 'until'
  | 'halt'
  | 'checkstop'
  | 'vm-limit'
  | 'limit'
  | 'origin'
  | 'interrupted';

export interface WatchHit {
  readonly access: 'read' | 'write';
  readonly old: number;
  readonly value: number;
}

export interface Stop {
  readonly kind: StopKind;
  readonly reverse: boolean;
  /** the machine the stop is about (the focus afterwards) */
  readonly machine: number;
  readonly time: number;
  readonly breakpoint?: Breakpoint;
  readonly watch?: WatchHit;
  /** the monitor events that triggered a catchpoint */
  readonly events?: readonly MonitorEvent[];
  /** the step done last (forward) or undone (reverse), for the display */
  readonly last?: StepRecord;
  /** a condition that could not be evaluated, a tbreak deleted, and the like */
  readonly note?: string;
}

export interface EngineOptions {
  /** the run's step limit (bare machine; under the VMM each VM has it) */
  readonly maxSteps: number;
  /** steps between checkpoints (default: a quarter of the storage words, 16K to 256K) */
  readonly interval?: number;
  /** bytes of storage pages the history may hold (default 256 MiB) */
  readonly historyBytes?: number;
}

/** a motion: yields to let a user interface breathe, returns its stop */
export type Motion = Generator<void, Stop, void>;

const OP = FIELDS.op[1];
const A = FIELDS.a[1];
const B = FIELDS.b[1];
const LR = 14;
/** wall time between yields of a motion, ms */
const SLICE_MS = 50;

/** How a step changes the call depth: +1 a call or a trap, −1 a return, 0 otherwise. */
export function depthChange(word: number | undefined, trapped: boolean, completed: boolean): number {
  if (trapped) return 1;
  if (!completed || word === undefined) return 0;
  const op = word >>> OP;
  if ((op === OPCODE.jal || op === OPCODE.jalr) && ((word >> A) & 15) !== 0) return 1;
  if (op === OPCODE.jr && ((word >> B) & 15) === LR) return -1;
  if (op === OPCODE.lpsw) return -1;
  return 0;
}

/** The guest processor of a machine in guest mode (vt), or null. */
function guestOf(m: MachineInfo): Observed | null {
  return (m.view as VtObserved).guest?.cpu ?? null;
}

/**
 * Call depth across guest mode: `vmrun` is a call into the guest, and its
 * exit returns to the host at the depth of the vmrun, however deep the
 * guest's own calls went.
 */
class GuestCalls {
  /** the host's depth, while the machine is in guest mode: one above where a count started in guest mode */
  private hostDepth: number | undefined;
  constructor(startsInGuest: boolean) {
    if (startsInGuest) this.hostDepth = -1;
  }
  /** the depth after a step, given the guest mode before and after it and the step's own change */
  step(depth: number, before: boolean, after: boolean, change: number): number {
    if (!before && after) {
      this.hostDepth = depth;
      return depth + 1;
    }
    if (before && !after) {
      const d = this.hostDepth ?? depth - 1;
      this.hostDepth = undefined;
      return d;
    }
    return depth + change;
  }
}

export class Engine {
  readonly history: History;
  /** the machine commands are about (`vm N`) */
  focus = 0;
  readonly breakpoints: Breakpoint[] = [];
  private nextId = 1;
  private interruptRequested = false;
  /** per machine: storage address → enabled code breakpoints there */
  private codeIndex: Map<number, Breakpoint[]>[] = [];
  private watches: Breakpoint[] = [];
  private catches: Breakpoint[] = [];
  /** the next checkpoint is taken at this time (only ever past the last one) */
  private nextDue = 0;
  readonly maxSteps: number;

  constructor(
    readonly target: Target,
    opts: EngineOptions,
  ) {
    this.maxSteps = opts.maxSteps;
    const interval = opts.interval ?? Math.min(1 << 18, Math.max(1 << 14, target.memWords >> 2));
    this.history = new History(interval, opts.historyBytes ?? 256 * 1024 * 1024);
    this.resetHistory();
    this.reindex();
  }

  get time(): number {
    return this.target.time;
  }

  get machine(): MachineInfo {
    return this.target.machines[this.focus]!;
  }

  /** Forget the history: now is its origin (after loading a snapshot). */
  resetHistory(): void {
    this.history.reset(this.target.capture());
    this.nextDue = this.history.nextDue();
  }

  /** Ask a running motion to stop at its next yield. */
  interrupt(): void {
    this.interruptRequested = true;
  }

  // ------------------------------------------------------------ breakpoints

  add(bp: Omit<Breakpoint, 'id' | 'hits' | 'enabled'>): Breakpoint {
    const b: Breakpoint = { ...bp, id: this.nextId++, enabled: true, hits: 0 };
    this.breakpoints.push(b);
    this.reindex();
    return b;
  }

  delete(id: number): boolean {
    const i = this.breakpoints.findIndex((b) => b.id === id);
    if (i < 0) return false;
    this.breakpoints.splice(i, 1);
    this.reindex();
    return true;
  }

  setEnabled(id: number, on: boolean): boolean {
    const b = this.breakpoints.find((x) => x.id === id);
    if (!b) return false;
    b.enabled = on;
    this.reindex();
    return true;
  }

  private reindex(): void {
    this.codeIndex = this.target.machines.map(() => new Map());
    this.watches = [];
    this.catches = [];
    for (const b of this.breakpoints) {
      if (!b.enabled) continue;
      if (b.kind === 'break' || b.kind === 'tbreak') {
        const m = this.codeIndex[b.machine]!;
        const l = m.get(b.addr);
        if (l) l.push(b);
        else m.set(b.addr, [b]);
      } else if (b.kind === 'catch') this.catches.push(b);
      else this.watches.push(b);
    }
  }

  /** whether steps must be observed (watchpoints, catchpoints) */
  private get observing(): boolean {
    return this.watches.length > 0 || this.catches.length > 0;
  }

  private get checking(): boolean {
    return this.observing || this.codeIndex.some((m) => m.size > 0);
  }

  /** Storage address of machine m's next instruction, or −1 if it cannot be fetched. */
  nextPhys(m: number): number {
    const v = this.target.machines[m]!.view;
    return fetchVirtual(v, v.pc) === undefined ? -1 : v.base + v.pc;
  }

  /** The breakpoint that stops machine m before its next instruction, if any (conditions evaluated). */
  private breakHere(m: number): { bp: Breakpoint; note?: string } | undefined {
    const list = this.codeIndex[m]!.get(this.nextPhys(m));
    if (!list) return undefined;
    for (const bp of list) {
      if (!bp.condition) return { bp };
      const r = evaluate(bp.condition, this.exprContext(m));
      if ('error' in r) return { bp, note: `the condition of breakpoint ${bp.id} could not be evaluated: ${r.error}` };
      if (r.value !== 0) return { bp };
    }
    return undefined;
  }

  /** The watchpoint or catchpoint a just-observed step triggers. */
  private triggered(rec: StepRecord, watched: Map<Breakpoint, number>): { bp: Breakpoint; watch?: WatchHit; events?: readonly MonitorEvent[] } | undefined {
    const e = rec.effect;
    const mach = this.target.machines[rec.machine]!;
    for (const bp of this.watches) {
      if (bp.machine !== rec.machine) continue;
      const old = watched.get(bp) ?? 0;
      if (bp.reg !== undefined) {
        const w = e.writes.find((x) => x.reg === bp.reg);
        if (w) return { bp, watch: { access: 'write', old, value: w.value } };
        continue;
      }
      const now = mach.view.mem[bp.addr] ?? 0;
      const wrote = now !== old || e.stores.some((s) => s.phys === bp.addr) || (e.trap !== undefined && bp.addr >= LOW.OLD_PSW && bp.addr <= LOW.INFO);
      const read = e.loads.some((l) => l.phys === bp.addr) || (e.trap !== undefined && bp.addr >= LOW.NEW_PSW && bp.addr < LOW.NEW_PSW + 4);
      if ((bp.kind === 'watch' || bp.kind === 'awatch') && wrote) return { bp, watch: { access: 'write', old, value: now } };
      if ((bp.kind === 'rwatch' || bp.kind === 'awatch') && read) return { bp, watch: { access: 'read', old, value: now } };
    }
    for (const bp of this.catches) {
      if (bp.machine !== rec.machine && this.target.kind === 'vmm' && bp.machine >= 0) continue;
      const events = rec.events.filter((ev) => catchMatches(bp, ev));
      if (bp.what === 'trap' && this.target.kind === 'bare' && e.trap && (bp.code === undefined || bp.code === e.trap.cause)) return { bp };
      // a guest's exit seen from its host: the machine ran vmrun (bare, or a VM whose guest mode the monitor emulates)
      if (bp.what === 'exit' && e.exit && (bp.code === undefined || bp.code === e.exit.code)) return { bp };
      if (events.length) return { bp, events: rec.events };
    }
    return undefined;
  }

  /** the current value of every watched word or register of machine m */
  private watchedValues(): Map<Breakpoint, number> {
    const m = new Map<Breakpoint, number>();
    for (const bp of this.watches) {
      const v = this.target.machines[bp.machine]!.view;
      m.set(bp, bp.reg !== undefined ? v.regs[bp.reg]! : (v.mem[bp.addr] ?? 0));
    }
    return m;
  }

  // ------------------------------------------------------------ checkpoints and going to a moment

  private checkpoint(): void {
    const prev = this.history.previous(this.time);
    this.history.add(this.target.capture(prev));
    this.nextDue = this.history.nextDue();
  }

  /** After going back: the next checkpoint is due one interval past the last one (history before it is covered). */
  private afterRestore(): void {
    this.nextDue = this.history.nextDue();
  }

  /** Run forward fast by n steps (n may be cut short by the end of the run), taking checkpoints past the last one. */
  private forwardFast(n: number): void {
    const t = this.target;
    const end = t.time + n;
    while (t.time < end && !t.finished) {
      if (t.time >= this.nextDue) this.checkpoint();
      const before = t.time;
      t.run(Math.min(end, this.nextDue) - t.time);
      if (t.time === before) break;
    }
  }

  /** Go to moment `time` (back or forward) exactly. */
  goTo(time: number): void {
    const t = this.target;
    if (time < this.history.origin) throw new RangeError(`step ${time} is before the start of the history (step ${this.history.origin})`);
    const cp = this.history.at(time)!;
    if (time < t.time || cp.time > t.time) {
      t.restore(cp.state);
      this.afterRestore();
    }
    this.forwardFast(time - t.time);
  }

  /**
   * Go to the moment just before machine m's own step number `own` + 1 (it
   * is then the next to step): back from here, to a checkpoint, then forward.
   */
  private goToOwnStep(m: number, own: number): boolean {
    const t = this.target;
    const now = t.time;
    let cp = this.history.at(now);
    while (cp && this.ownStepsAt(cp.state, m) > own) cp = this.history.before(cp);
    if (!cp) return false;
    t.restore(cp.state);
    this.afterRestore();
    return t.runToOwnStep(m, own);
  }

  private ownStepsAt(s: TargetState, m: number): number {
    if (!s.vms) return s.time;
    return s.vms[s.vms.length - this.target.machines.length + m]!.steps;
  }

  /** The step machine m took last, observed: go back before it, step it, come back. */
  lastStep(m: number): StepRecord | undefined {
    const t = this.target;
    const now = t.time;
    const own = t.machines[m]!.steps();
    if (own === 0 || !this.goToOwnStep(m, own - 1)) {
      this.goTo(now);
      return undefined;
    }
    const rec = t.step();
    this.goTo(now);
    return rec;
  }

  // ------------------------------------------------------------ forward

  /** Run a motion to its end, without yielding (batch use, tests). */
  static drive(m: Motion): Stop {
    for (;;) {
      const r = m.next();
      if (r.done) return r.value;
    }
  }

  /** `step [n]`: n steps of the machine in focus. */
  step(n = 1): Motion {
    return this.forward({ kind: 'step', count: n });
  }

  /** `next [n]`: like step, but a call (or a trap) runs until it returns. */
  next(n = 1): Motion {
    return this.forward({ kind: 'next', count: n });
  }

  /** `finish`: until the current routine returns. */
  finish(): Motion {
    return this.forward({ kind: 'finish' });
  }

  /** `until` (no address): next, but never back up a loop; `until ADDR` / `advance ADDR`: to that address in this routine. */
  until(addr?: number): Motion {
    return this.forward({ kind: 'until', ...(addr !== undefined ? { addr } : {}) });
  }

  /** `continue`: until a breakpoint, watchpoint, catchpoint or the end. */
  continue(): Motion {
    return this.forward({ kind: 'continue' });
  }

  private *forward(goal: Goal): Motion {
    this.interruptRequested = false;
    const t = this.target;
    const f = this.focus;
    const fm = t.machines[f]!;
    const stopped = fm.stopped();
    if ((stopped !== undefined && goal.kind !== 'continue') || t.finished) {
      const s = this.endStop(f, false, undefined);
      return { ...s, note: `Nothing to run: ${t.kind === 'vmm' ? (t.finished ? 'every VM has stopped' : 'this VM has stopped (vm N follows another)') : 'the program has stopped'}; reverse-step, reverse-continue or restart go back.` };
    }
    const pc0 = this.nextPhys(f);
    let depth = 0;
    let count = 'count' in goal ? goal.count : 0;
    let first = true;
    const last: (StepRecord | undefined)[] = t.machines.map(() => undefined);
    let deadline = now() + SLICE_MS;
    const wasStopped = t.machines.map((m) => m.stopped() !== undefined);

    // continue with nothing to check: full speed, in chunks between checkpoints
    if (goal.kind === 'continue' && !this.checking) {
      for (;;) {
        if (t.finished) return this.endStop(this.firstNewlyStopped(wasStopped) ?? f, false, undefined);
        const stop = this.firstNewlyStopped(wasStopped);
        if (stop !== undefined) return this.endStop(stop, false, undefined);
        if (t.kind === 'bare' && t.time >= this.maxSteps) return this.limitStop(f);
        if (t.time >= this.nextDue) this.checkpoint();
        const chunk = Math.min(this.nextDue - t.time, t.kind === 'bare' ? this.maxSteps - t.time : Infinity, 1 << 20);
        t.run(chunk, true);
        if (now() > deadline) {
          yield;
          deadline = now() + SLICE_MS;
          if (this.interruptRequested) return this.stopAt('interrupted', f, false, {});
        }
      }
    }

    let watched = this.watches.length ? this.watchedValues() : undefined;
    const calls = new GuestCalls(guestOf(fm) !== null);
    for (let n = 0; ; n++) {
      if (t.finished) return this.endStop(this.firstNewlyStopped(wasStopped) ?? f, false, last);
      if (t.kind === 'bare' && t.time >= this.maxSteps) return this.limitStop(f, last);
      if ((n & 0xfff) === 0 && n > 0 && now() > deadline) {
        yield;
        deadline = now() + SLICE_MS;
        if (this.interruptRequested) return this.stopAt('interrupted', f, false, { last: last[f] });
      }
      if (t.time >= this.nextDue) this.checkpoint();
      const i = t.next()!;
      if (!first) {
        const hit = this.breakHere(i);
        if (hit) return this.breakStop(hit.bp, i, last, hit.note);
      }
      first = false;

      const m = t.machines[i]!;
      // Observe a step when a watchpoint or catchpoint needs it, or when it is the last of `step N`; any
      // other last step is observed afterwards (lastStep), so a long `next` or `finish` runs at stepping speed.
      if (this.observing || (goal.kind === 'step' && count === 1 && i === f)) {
        const inGuest = i === f && guestOf(m) !== null;
        const rec = t.step();
        last[i] = rec;
        if (i === f) depth = calls.step(depth, inGuest, guestOf(m) !== null, depthChange(rec.effect.word, rec.effect.trap !== undefined, rec.effect.completed));
        if (this.observing) {
          const hit = this.triggered(rec, watched!);
          if (hit) {
            hit.bp.hits++;
            this.focus = rec.machine;
            return {
              kind: hit.bp.kind === 'catch' ? 'catchpoint' : 'watchpoint',
              reverse: false,
              machine: rec.machine,
              time: t.time,
              breakpoint: hit.bp,
              ...(hit.watch ? { watch: hit.watch } : {}),
              ...(hit.events ? { events: hit.events } : {}),
              last: rec,
            };
          }
          if (watched) watched = this.watchedValues();
        }
      } else {
        last[i] = undefined;
        if (i === f && goal.kind !== 'continue') {
          const inGuest = guestOf(m) !== null;
          const v = guestOf(m) ?? m.view;
          const word = fetchVirtual(v, v.pc);
          const d0 = m.delivered();
          const ret0 = m.steps();
          t.stepQuick();
          depth = calls.step(depth, inGuest, guestOf(m) !== null, depthChange(word, m.delivered() !== d0, m.delivered() === d0 && m.steps() > ret0 && v.checkStop === null));
        } else t.stepQuick();
      }
      if (m.stopped() !== undefined && !wasStopped[i]) return this.endStop(i, false, last);

      if (i !== f) continue;
      switch (goal.kind) {
        case 'step':
          if (--count <= 0) return this.stopAt('step', f, false, { last: last[f] });
          break;
        case 'next':
          if (depth <= 0) {
            depth = 0;
            if (--count <= 0) return this.stopAt('step', f, false, { last: last[f] });
          }
          break;
        case 'finish':
          if (depth < 0) return this.stopAt('finish', f, false, { last: last[f] });
          break;
        case 'until': {
          const pc = this.nextPhys(f);
          if (depth < 0 || (depth <= 0 && (goal.addr === undefined ? pc > pc0 : pc === goal.addr))) return this.stopAt('until', f, false, { last: last[f] });
          break;
        }
        case 'continue':
          break;
      }
    }
  }

  private firstNewlyStopped(was: readonly boolean[]): number | undefined {
    const i = this.target.machines.findIndex((m, k) => !was[k] && m.stopped() !== undefined);
    return i < 0 ? undefined : i;
  }

  private stopAt(kind: StopKind, machine: number, reverse: boolean, more: Partial<Stop>, keepFocus = false): Stop {
    if (!keepFocus) this.focus = machine;
    const last = more.last ?? (reverse ? undefined : this.lastStep(machine));
    return { kind, reverse, machine, time: this.time, ...more, ...(last ? { last } : {}) };
  }

  private breakStop(bp: Breakpoint, m: number, last: readonly (StepRecord | undefined)[], note?: string): Stop {
    bp.hits++;
    let n = note;
    if (bp.kind === 'tbreak') {
      this.delete(bp.id);
      n = n ?? `temporary breakpoint ${bp.id} deleted`;
    }
    return this.stopAt('breakpoint', m, false, { breakpoint: bp, ...(last[m] ? { last: last[m] } : {}), ...(n ? { note: n } : {}) });
  }

  /** A machine stopped (halt, check-stop, its step limit) or the whole run is over. */
  private endStop(m: number, reverse: boolean, last: readonly (StepRecord | undefined)[] | undefined): Stop {
    const why = this.target.machines[m]!.stopped();
    const kind: StopKind = why === 'halt' ? 'halt' : why === 'checkstop' ? 'checkstop' : why === 'budget' ? 'vm-limit' : 'halt';
    // another VM stopping is reported, but the focus stays where the user put it (unless that VM has stopped too)
    const keep = this.target.machines[this.focus]!.stopped() === undefined;
    return this.stopAt(kind, m, reverse, last?.[m] ? { last: last[m] } : {}, keep);
  }

  private limitStop(m: number, last?: readonly (StepRecord | undefined)[]): Stop {
    return this.stopAt('limit', m, false, last?.[m] ? { last: last[m] } : {});
  }

  // ------------------------------------------------------------ backward

  /** `reverse-step [n]`: undo the focus machine's last n steps. */
  *reverseStep(n = 1): Motion {
    const f = this.focus;
    const own = this.target.machines[f]!.steps();
    const originOwn = this.ownStepsAt(this.history.at(this.history.origin)!.state, f);
    if (own <= originOwn) return this.originStop(f);
    const to = Math.max(originOwn, own - n);
    yield;
    if (!this.goToOwnStep(f, to)) return this.originStop(f);
    const here = this.time;
    const undone = this.target.step();
    this.goTo(here);
    return { kind: to === originOwn && own - n < originOwn ? 'origin' : 'step', reverse: true, machine: f, time: this.time, last: undone };
  }

  /** `reverse-continue`: back to the last moment a breakpoint, watchpoint or catchpoint would have stopped. */
  *reverseContinue(): Motion {
    this.interruptRequested = false;
    const t = this.target;
    const end = t.time;
    let limit = end;
    let cp = this.history.at(end - 1);
    let deadline = now() + SLICE_MS;
    while (cp) {
      t.restore(cp.state);
      this.afterRestore();
      let hit: { time: number; bp: Breakpoint; machine: number; watch?: WatchHit; events?: readonly MonitorEvent[] } | undefined;
      let watched = this.watches.length ? this.watchedValues() : undefined;
      for (let n = 1; t.time < limit && !t.finished; n++) {
        const s = t.time;
        const i = t.next()!;
        const b = this.breakHere(i);
        if (b) hit = { time: s, bp: b.bp, machine: i };
        if (this.observing) {
          const rec = t.step();
          const h = this.triggered(rec, watched!);
          if (h) hit = { time: s, bp: h.bp, machine: i, ...(h.watch ? { watch: h.watch } : {}), ...(h.events ? { events: h.events } : {}) };
          if (watched) watched = this.watchedValues();
        } else t.stepQuick();
        if ((n & 0xfff) === 0 && now() > deadline) {
          yield;
          deadline = now() + SLICE_MS;
          if (this.interruptRequested) {
            this.goTo(end);
            return this.stopAt('interrupted', this.focus, true, {});
          }
        }
      }
      if (hit) {
        this.goTo(hit.time);
        const undone = t.step();
        this.goTo(hit.time);
        hit.bp.hits++;
        this.focus = hit.machine;
        const kind: StopKind = hit.bp.kind === 'catch' ? 'catchpoint' : hit.bp.kind === 'break' || hit.bp.kind === 'tbreak' ? 'breakpoint' : 'watchpoint';
        if (hit.bp.kind === 'tbreak') this.delete(hit.bp.id);
        return { kind, reverse: true, machine: hit.machine, time: this.time, breakpoint: hit.bp, last: undone, ...(hit.watch ? { watch: hit.watch } : {}), ...(hit.events ? { events: hit.events } : {}) };
      }
      limit = cp.time;
      cp = this.history.before(cp);
    }
    this.goTo(this.history.origin);
    return this.originStop(this.focus);
  }

  /** `reverse-next`: back to the focus machine's previous step at this call depth (over a call it returned from). */
  reverseNext(): Motion {
    return this.reverseDepth((d, here) => d <= here);
  }

  /** `reverse-finish`: back to the call of the current routine. */
  reverseFinish(): Motion {
    return this.reverseDepth((d, here) => d < here);
  }

  /**
   * Back to the latest step of the focus machine whose call depth satisfies
   * `ok(depth, depth now)`. Depths are counted by replaying each checkpoint
   * interval, newest first.
   */
  private *reverseDepth(ok: (d: number, here: number) => boolean): Motion {
    const t = this.target;
    const f = this.focus;
    const end = t.time;
    let limit = end;
    let cp = this.history.at(end - 1);
    /** the depth now, in the frame of the interval being scanned (its start is 0) */
    let here: number | undefined;
    while (cp) {
      t.restore(cp.state);
      this.afterRestore();
      const times: number[] = [];
      const depths: number[] = [];
      let d = 0;
      const m = t.machines[f]!;
      const calls = new GuestCalls(guestOf(m) !== null);
      while (t.time < limit && !t.finished) {
        const i = t.next()!;
        if (i !== f) {
          t.stepQuick();
          continue;
        }
        times.push(t.time);
        depths.push(d);
        const inGuest = guestOf(m) !== null;
        const v = guestOf(m) ?? m.view;
        const word = fetchVirtual(v, v.pc);
        const d0 = m.delivered();
        const s0 = m.steps();
        t.stepQuick();
        d = calls.step(d, inGuest, guestOf(m) !== null, depthChange(word, m.delivered() !== d0, m.delivered() === d0 && m.steps() > s0 && v.checkStop === null));
      }
      yield;
      // d is the depth at `limit` in this interval's frame
      here = here === undefined ? d : here + d;
      for (let k = times.length - 1; k >= 0; k--) {
        if (ok(depths[k]!, here)) {
          this.goTo(times[k]!);
          const undone = t.step();
          this.goTo(times[k]!);
          return { kind: 'step', reverse: true, machine: f, time: this.time, last: undone };
        }
      }
      limit = cp.time;
      cp = this.history.before(cp);
    }
    this.goTo(this.history.origin);
    return this.originStop(f);
  }

  private originStop(m: number): Stop {
    this.goTo(this.history.origin);
    return { kind: 'origin', reverse: true, machine: m, time: this.time };
  }

  /** Back to the start of the history (the program's start, or the snapshot the session began from). */
  restart(): void {
    this.goTo(this.history.origin);
  }

  // ------------------------------------------------------------ expressions

  exprContext(m = this.focus): ExprContext {
    const mi = this.target.machines[m]!;
    const v = mi.view;
    return {
      reg: (n) => v.regs[n]!,
      special: (name) => (name === 'pc' ? v.pc : name === 'flags' ? v.flags : name === 'base' ? v.base : name === 'bound' ? v.bound : name === 'timer' ? v.timer : undefined),
      symbol: (name) => mi.image.symbols.get(name),
      load: (a) => {
        const w = fetchVirtual(v, a);
        return w === undefined ? `address ${hex(a)} is outside the relocation bounds (base ${hex(v.base)}, bound ${hex(v.bound)})` : w;
      },
      symbolNames: () => mi.image.symbols.keys(),
    };
  }
}

type Goal =
  | { readonly kind: 'step'; readonly count: number }
  | { readonly kind: 'next'; readonly count: number }
  | { readonly kind: 'finish' }
  | { readonly kind: 'until'; readonly addr?: number }
  | { readonly kind: 'continue' };

function catchMatches(bp: Breakpoint, ev: MonitorEvent): boolean {
  switch (bp.what) {
    case 'trap':
      return (ev.kind === 'trap' || ev.kind === 'reflect') && (bp.code === undefined || ev.cause === bp.code);
    case 'reflect':
      return ev.kind === 'reflect' && (bp.code === undefined || ev.cause === bp.code);
    case 'emulate':
      return ev.kind === 'emulate' && (bp.routine === undefined || ev.routine === bp.routine);
    case 'exit':
      return ev.kind === 'exit' && (bp.code === undefined || ev.code === bp.code);
    case 'translate':
      return ev.kind === 'translate';
    case 'hypercall':
      return ev.kind === 'hypercall' && (bp.code === undefined || ev.call === bp.code);
    case 'interpret':
      return ev.kind === 'interpret';
    case 'monitor':
      return ev.kind !== 'interpret';
    default:
      return false;
  }
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export type { StepEffect };

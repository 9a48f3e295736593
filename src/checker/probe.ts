/**
 * Running one instruction in one chosen state: the checker's only way of
 * learning what an instruction does. Nothing here knows what any instruction
 * means; it sets up a machine, executes one step and records the outcome —
 * registers, pc, the state's relocation window, every word of storage
 * outside it that changed, and the control state.
 *
 * The machine runs with its trap hook set, so a trap stops the step and
 * leaves storage untouched: the trap is the hardware's act, not the
 * instruction's, and a trapping instruction is judged by nothing (ISA.md
 * "Classification").
 *
 * What is probed is a Target: the fast CPU by default, or the reference
 * interpreter (with its semantics table, so tests can plant a semantic bug
 * into a copy of the machine without editing source). States come in two
 * storage sizes (states.ts): a small machine whose storage is compared word
 * for word after every step, and a machine of the largest storage PG32
 * allows (2³⁰ words, allocated lazily by the host) for bases across the
 * whole range; there the words a state sets, and the low and top words of
 * storage, are compared.
 */
import { Cpu, type StopReason } from '../cpu/cpu.js';
import { Console, type Devices } from '../cpu/devices.js';
import * as guest from '../cpu/guest.js';
import * as psw from '../cpu/psw.js';
import type { Segment } from '../image.js';
import { causeName, FLAGS, FLAGS_MASK, type Isa, type Mnemonic } from '../isa/table.js';
import { decode } from '../ref/decode.js';
import { Reference } from '../ref/interp.js';
import { SEMANTICS, UNMODELLED, type Semantics } from '../ref/semantics.js';
import type { Machine } from '../vmm/machine.js';

/**
 * What the checker needs from a machine: what a monitor needs (its state and
 * the trap hook), its devices and one step. Guest mode is optional: the
 * reference interpreter does not model it yet.
 */
export interface ProbeMachine extends Omit<Machine, 'guest' | 'exitHook' | 'enterGuest'> {
  devices: Devices;
  step(): StopReason;
  /** `vt` (a machine that has it): the guest a `vmrun` is running, and whether an exit stops run() */
  guest?: unknown;
  exitHook?: boolean;
}

/** A machine to probe, and the code that gives its instructions their meaning. */
export interface Target {
  readonly name: string;
  /** a machine on the given storage */
  create(isa: Isa, mem: Int32Array): ProbeMachine;
  /** the code that executes instructions (classes, functions, tables of functions, generated source text): its literals are among the values tried */
  readonly code: readonly (object | string)[];
  /** does it give this instruction a meaning? (an oracle is not asked about one it does not) */
  models(mnemonic: string): boolean;
}

/** The fast CPU, interpreted (every probe runs one instruction in fresh storage: nothing to translate). */
export const CPU: Target = {
  name: 'the CPU (src/cpu)',
  create: (isa, mem) => new Cpu({ isa, mem, translate: false }),
  code: [Cpu, Console, ...Object.values(psw), ...Object.values(guest)],
  models: () => true,
};

/** The reference interpreter, with the given meaning for each instruction. */
export function reference(semantics: Semantics = SEMANTICS): Target {
  return {
    name: 'the reference interpreter (src/ref)',
    create: (isa, mem) => new Reference({ isa, mem, semantics }),
    code: [Reference, decode, Console, semantics],
    models: (m) => !UNMODELLED.has(m as Mnemonic),
  };
}

/** A machine state, as the checker chooses it. */
export interface State {
  /** true = supervisor */
  readonly s: boolean;
  readonly ie: boolean;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly regs: Int32Array;
  /** storage size of the machine the state is on */
  readonly memWords: number;
  /** storage: these segments; every other word is 0. The instruction is at physical base + pc. */
  readonly storage: readonly Segment[];
  /** console input available to `in` */
  readonly input: Uint8Array;
}

export interface Outcome {
  /** the trap cause, or 0 if the instruction completed */
  readonly trap: number;
  readonly info: number;
  readonly regs: Int32Array;
  readonly pc: number;
  /** words of the state's relocation window that the step changed, by virtual address (the rest are as the state set them) */
  readonly window: readonly WindowChange[];
  /** words outside the window that the step changed */
  readonly outside: readonly StorageChange[];
  /** the control state after: M, R, IE, TIMER, pending, halted, devices */
  readonly control: Control;
}

export interface WindowChange {
  /** virtual address */
  readonly at: number;
  readonly after: number;
}

export interface StorageChange {
  /** physical address */
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

export interface Control {
  readonly s: boolean;
  readonly ie: boolean;
  /** the flags word's other bits (ISA.md: they read 0; a machine that keeps one is in another state) */
  readonly otherFlags: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly halted: boolean;
  /** console: input bytes consumed, output bytes written */
  readonly inPos: number;
  readonly output: Uint8Array;
}

/** Guest steps a probed `vmrun` may take before the probe gives up on it. */
const GUEST_STEPS = 4096;
const GUEST_CHUNK = 256;
/** Outcome.trap of a `vmrun` whose guest had not exited after GUEST_STEPS: no conclusion is drawn from it. */
export const INCOMPLETE = -1;

/** How many words of a state's window are reachable: a < bound and base + a < storage. */
export function windowSize(st: Pick<State, 'base' | 'bound' | 'memWords'>): number {
  return st.base >= st.memWords ? 0 : Math.min(st.bound, st.memWords - st.base);
}

/** The word a state puts at physical `p` (0 where it sets none). */
export function wordAt(st: State, p: number): number {
  for (const seg of st.storage) if (p >= seg.origin && p < seg.origin + seg.words.length) return seg.words[p - seg.origin]!;
  return 0;
}

const ZERO = new Int32Array(1);

type Found = { window: WindowChange[]; outside: StorageChange[] };

/** Words words[k0..k1) that storage from physical `from` no longer holds: inside the window [lo, hi) by virtual address, else outside (the first 8). */
function diffWords(E: Int32Array, from: number, words: Int32Array, k0: number, k1: number, lo: number, hi: number, found: Found): void {
  for (let k = k0; k < k1; k++) {
    const p = from + k;
    const after = E[p]!;
    if (after === words[k]) continue;
    if (p >= lo && p < hi) found.window.push({ at: p - lo, after });
    else if (found.outside.length < 8) found.outside.push({ at: p, before: words[k]!, after });
  }
}

const PAIRS = new WeakMap<Int32Array, Float64Array>();
function pairs(w: Int32Array): Float64Array {
  let v = PAIRS.get(w);
  if (!v) PAIRS.set(w, (v = new Float64Array(w.buffer, w.byteOffset, w.length / 2)));
  return v;
}

/**
 * All of storage against what the state set, two words at a time (through
 * 64-bit views; a pair that differs, or only looks different because it
 * reads as a NaN, is compared word by word).
 */
function diffAll(E: Int32Array, words: Int32Array, lo: number, hi: number, found: Found): void {
  if (E.byteOffset % 8 !== 0 || words.byteOffset % 8 !== 0 || E.length % 2 !== 0) return diffWords(E, 0, words, 0, words.length, lo, hi, found);
  const a = pairs(E);
  const b = pairs(words);
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) diffWords(E, 0, words, 2 * k, 2 * k + 2, lo, hi, found);
}

/** A state's registers and PSW, TIMER and pending interrupt into a machine, running, not in guest mode (storage apart). */
export function loadState(m: ProbeMachine, st: State): void {
  m.regs.set(st.regs);
  m.flags = (st.s ? FLAGS.S : 0) | (st.ie ? FLAGS.IE : 0);
  m.pc = st.pc;
  m.base = st.base;
  m.bound = st.bound;
  m.timer = st.timer;
  m.pending = st.pending;
  m.halted = false;
  m.checkStop = null;
  if ('guest' in m) m.guest = null;
}

/** Does the state set every word of its machine's storage? */
function coversAll(st: State): boolean {
  return st.storage.length === 1 && st.storage[0]!.words.length === st.memWords;
}

/** The instruction word of a state: the word at physical base + pc. */
export function instructionOf(st: State): number {
  return wordAt(st, (st.base + st.pc) % 2 ** 32);
}

/** Words of storage outside the window compared after each step (besides the state's own segments): the low and the top words. */
export const EDGE_WORDS = 16;

/**
 * Probe storage, one array per size for the whole process, shared by every
 * probe machine: a probe sets the words its state sets and clears them
 * again, so between probes the storage is all zero outside what a state
 * covers. (A host charges a 2³⁰-word array to the collector as it is made;
 * making it once keeps that cost out of every classification.)
 */
const STORAGE = new Map<number, Int32Array>();
function storage(memWords: number): Int32Array {
  let mem = STORAGE.get(memWords);
  if (!mem) STORAGE.set(memWords, (mem = new Int32Array(memWords)));
  return mem;
}

let largest: number | undefined;
/** The largest probe storage this host allocates, from 2³⁰ words down (a browser may refuse 4 GB). */
export function largeStorageWords(): number {
  if (largest !== undefined) return largest;
  for (let words = 2 ** 30; words >= 2 ** 16; words /= 2) {
    try {
      storage(words);
      return (largest = words);
    } catch {
      // RangeError: this host will not give that much; try half
    }
  }
  return (largest = 2 ** 16);
}

/** Runs one step of one state on a Target: one machine per storage size, made on first use and reused. */
export class Prober {
  private readonly machines = new Map<number, ProbeMachine>();
  private readonly console = new Console();
  /** probes run (for the report and the benchmark) */
  probes = 0;

  constructor(
    readonly isa: Isa,
    readonly target: Target = CPU,
  ) {}

  private machine(memWords: number): ProbeMachine {
    let m = this.machines.get(memWords);
    if (!m) {
      m = this.target.create(this.isa, storage(memWords));
      m.trapHook = true;
      if ('exitHook' in m) m.exitHook = true; // a probed vmrun ends at its guest's exit
      this.machines.set(memWords, m);
    }
    return m;
  }

  /**
   * One step of `st`. `scope` 'window' compares only the state's relocation
   * window afterwards (Outcome.outside stays empty): enough for the second
   * state of a pair, whose results are compared, and it spares a pass over
   * all of storage.
   */
  run(st: State, scope: 'all' | 'window' = 'all'): Outcome {
    this.probes++;
    const m = this.machine(st.memWords);
    for (const seg of st.storage) m.mem.set(seg.words, seg.origin);
    const console = this.console;
    console.reset(st.input);
    m.devices = console;
    loadState(m, st);
    let reason = m.step();
    // `vmrun` is one instruction however long its guest runs: follow the
    // guest to its exit (random guest code exits or check-stops quickly).
    for (let k = 0; m.guest && reason === 'budget' && k < GUEST_STEPS; k += GUEST_CHUNK) reason = m.run(GUEST_CHUNK);
    if (reason === 'exit') reason = 'budget'; // vmrun completed
    const changes = this.changes(st, m.mem, scope);
    const outcome: Outcome = {
      trap: m.guest ? INCOMPLETE : reason === 'trap' ? m.trapCause : 0,
      info: reason === 'trap' ? m.trapInfo : 0,
      regs: m.regs.slice(),
      pc: m.pc,
      window: changes.window,
      outside: changes.outside,
      control: {
        s: (m.flags & FLAGS.S) !== 0,
        ie: (m.flags & FLAGS.IE) !== 0,
        otherFlags: m.flags & ~FLAGS_MASK,
        base: m.base,
        bound: m.bound,
        timer: m.timer,
        pending: m.pending,
        halted: m.halted,
        inPos: console.inputPosition(),
        output: console.output().length ? console.output().slice() : NO_BYTES,
      },
    };
    this.clear(st, m.mem);
    return outcome;
  }

  /**
   * Storage that differs from what the state put there, inside the window
   * (by virtual address) and outside it. A machine whose storage the state
   * covers entirely is compared word for word; on a larger one, the state's
   * segments and the edges of storage.
   */
  private changes(st: State, E: Int32Array, scope: 'all' | 'window'): { window: WindowChange[]; outside: StorageChange[] } {
    const found = { window: [] as WindowChange[], outside: [] as StorageChange[] };
    const lo = st.base;
    const hi = st.base + windowSize(st);
    if (scope === 'window') {
      for (const seg of st.storage) {
        const from = Math.max(lo, seg.origin);
        const to = Math.min(hi, seg.origin + seg.words.length);
        if (from < to) diffWords(E, seg.origin, seg.words, from - seg.origin, to - seg.origin, lo, hi, found);
      }
      return found;
    }
    if (coversAll(st)) {
      diffAll(E, st.storage[0]!.words, lo, hi, found);
      return found;
    }
    for (const seg of st.storage) diffWords(E, seg.origin, seg.words, 0, seg.words.length, lo, hi, found);
    // the edges of storage, where the state set nothing: still 0?
    const first = st.storage[0]!;
    const last = st.storage[st.storage.length - 1]!;
    if (first.origin === 0 && first.words.length >= EDGE_WORDS && last.origin + last.words.length === st.memWords && last.words.length >= EDGE_WORDS) return found;
    for (const from of [0, st.memWords - EDGE_WORDS]) {
      for (let p = from; p < from + EDGE_WORDS; p++) {
        if (E[p] !== 0 && wordAt(st, p) === 0 && !st.storage.some((seg) => p >= seg.origin && p < seg.origin + seg.words.length)) diffWords(E, p, ZERO, 0, 1, lo, hi, found);
      }
    }
    return found;
  }

  /** Back to a zero background for the next state (a state covering all of storage rewrites it anyway). */
  private clear(st: State, E: Int32Array): void {
    if (coversAll(st)) return;
    for (const seg of st.storage) E.fill(0, seg.origin, seg.origin + seg.words.length);
    E.fill(0, 0, EDGE_WORDS);
    E.fill(0, st.memWords - EDGE_WORDS, st.memWords);
  }
}

/** The control state a state starts with, advanced by the hardware's own timer tick for one completed instruction. */
export function controlAfterTick(st: State): Control {
  return {
    s: st.s,
    ie: st.ie,
    otherFlags: 0,
    base: st.base,
    bound: st.bound,
    timer: st.timer > 0 ? st.timer - 1 : 0,
    pending: st.pending || st.timer === 1,
    halted: false,
    inPos: 0,
    output: NO_BYTES,
  };
}
const NO_BYTES = new Uint8Array(0);

const hexBytes = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

const sameBytes = (a: Uint8Array, b: Uint8Array) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};
const modeName = (x: boolean) => (x ? 'S' : 'U');

/** Which parts of the control state differ, e.g. ["M: S → U"]. */
export function controlDiff(a: Control, b: Control): string[] {
  const d: string[] = [];
  if (a.s === b.s && a.ie === b.ie && a.otherFlags === b.otherFlags && a.base === b.base && a.bound === b.bound && a.timer === b.timer && a.pending === b.pending && a.halted === b.halted && a.inPos === b.inPos && sameBytes(a.output, b.output)) return d;
  if (a.s !== b.s) d.push(`M: ${modeName(a.s)} → ${modeName(b.s)}`);
  if (a.ie !== b.ie) d.push(`IE: ${+a.ie} → ${+b.ie}`);
  if (a.otherFlags !== b.otherFlags) d.push(`flag bits other than S and IE: 0x${(a.otherFlags >>> 0).toString(16)} → 0x${(b.otherFlags >>> 0).toString(16)}`);
  if (a.base !== b.base) d.push(`base: ${a.base} → ${b.base}`);
  if (a.bound !== b.bound) d.push(`bound: ${a.bound} → ${b.bound}`);
  if (a.timer !== b.timer) d.push(`TIMER: ${a.timer} → ${b.timer}`);
  if (a.pending !== b.pending) d.push(`pending: ${+a.pending} → ${+b.pending}`);
  if (a.halted !== b.halted) d.push(`running → halted`);
  if (a.inPos !== b.inPos) d.push(`console input: ${a.inPos} → ${b.inPos} bytes read`);
  if (!sameBytes(a.output, b.output)) d.push(`console output: [${hexBytes(a.output)}] → [${hexBytes(b.output)}]`);
  return d;
}

/** The control state after a step, including storage outside the window (not the program's own: ISA.md "Classification"). */
export function controlChanges(st: State, o: Outcome): string[] {
  const d = controlDiff(controlAfterTick(st), o.control);
  for (const c of o.outside) d.push(`storage outside the window: E[${c.at}] ${c.before} → ${c.after}`);
  return d;
}

export function trapName(o: Outcome): string {
  return o.trap === 0 ? 'completes' : `traps ${causeName(o.trap)}`;
}

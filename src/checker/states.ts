/**
 * Choosing the states an instruction is tried in. Every field is drawn from
 * the corners of its whole range, not from a comfortable middle:
 *
 *   relocation  bases 0, 1–3, small, mid-storage, memWords − bound,
 *               memWords − 1, and past storage (memWords, 2³¹, 2³²−1); bounds
 *               1 to all of storage and beyond; on a small machine (every
 *               word compared) and on one of the largest storage PG32 allows
 *               (2³⁰ words), so that a base's high bits are reached too
 *   TIMER       0 (off), 1 (expires now), 2, 3, small, large, 2³²−1; with and
 *               without a pending interrupt (never pending with IE on: the
 *               interrupt, not the instruction, would run)
 *   registers   edge values (0, ±1, INT_MIN, INT_MAX, the 16-bit edges),
 *               addresses just inside and outside the bound, the
 *               instruction's own word and fields, the semantics' constants
 *               (constants.ts), random words; often equal pairs
 *   instruction register fields (r0 and equal fields too), immediates at
 *               their edges and near the bound, the semantics' constants
 *   storage     words that read as plausible PSWs, edges, constants, random
 *
 * The first states sweep every field through its corner values (the pools
 * have different lengths, so pairs of corners meet); the rest draw at random
 * with a fixed seed, so a finding is found again on every run.
 */
import type { Segment } from '../image.js';
import { FIELDS, FORMATS, getField, getSigned, MIN_PARTITION, opcodeWord, setField, VMCB, type Spec } from '../isa/table.js';
import { largeStorageWords, windowSize, type State } from './probe.js';

/** Storage of the small probe machine, compared word for word after every step. */
export const SMALL_MEM = 256;
/** Storage of the large probe machine: the most PG32 allows, so bases reach their whole range. */
export const LARGE_MEM = 2 ** 30;

/**
 * The large machine's storage as this host can give it: 2³⁰ words where it
 * can (Node maps it lazily), else the most it can (a browser may refuse
 * 4 GB); the report's storage line says which.
 */
export function largeMem(): number {
  return largeStorageWords();
}
/** Every how many states one is on the large machine. */
const LARGE_EVERY = 4;
/** A large state's window is at most this many words, and its storage is set on either side of it too. */
const LARGE_WINDOW = 48;
const MARGIN = 16;
const EDGE = 16;

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;
const U32_MAX = 0xffffffff;

/** How many states, after the constants', sweep every field through its corners. */
export const SWEEP = 64;

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
/** an integer in lo..hi (inclusive; may exceed 2³¹) */
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** How a field's value is chosen in state i: in the sweep, the corners in turn; afterwards at random. */
class Chooser {
  constructor(
    private readonly r: Rand,
    private readonly i: number,
    private readonly sweep: boolean,
  ) {}
  /** `salt` keeps fields of equal pool length from moving in step */
  corner<T>(pool: readonly T[], salt: number): T {
    return this.sweep ? pool[(this.i + salt) % pool.length]! : pick(this.r, pool);
  }
}

/** The two register edges of the signed and unsigned ranges, of the 16-bit immediates and of small shifts. */
const EDGES = [0, 1, 2, 3, -1, -2, INT_MIN, INT_MIN + 1, INT_MAX, INT_MAX - 1, 0x7fff, 0x8000, 0xffff, 0x10000, -0x8000, -0x8001, 31, 32] as const;

/** The TIMER corners (k: the state's constant). */
function timerPool(r: Rand, k: number): number[] {
  return [0, 1, 2, 3, int(r, 4, 16), int(r, 17, 1000), int(r, 1001, 0x7fffffff), 0x80000000, U32_MAX - 1, U32_MAX, k >>> 0];
}

function pickConstant(r: Rand, constants: readonly number[]): number {
  return constants.length ? pick(r, constants) : int(r, INT_MIN, INT_MAX);
}

/** Console input: none, a 0 byte, the top byte then a letter, a byte with the high bit set. */
const INPUTS = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(255, 65), Uint8Array.of(0x80)] as const;

/** (IE, pending): never pending with IE on. */
const IE_PENDING = [
  [false, false],
  [true, false],
  [false, true],
] as const;

/** A register field: r0, r1, r15 or another. */
function registerField(c: Chooser, r: Rand): number {
  return c.corner(REGISTER_FIELDS, 3) ?? int(r, 1, 15);
}
const REGISTER_FIELDS = [0, 1, 15, undefined, undefined, undefined] as const;

/**
 * Storage words, drawn once per seed, ISA and constants into a background
 * longer than the small machine; each small state copies a slice of it at a
 * random offset and then sets the words its registers point at, its
 * constant and its instruction. A quarter of the words are instructions of
 * the ISA: storage holds code too (a `vmrun` guest runs it).
 */
const BACKGROUNDS = new Map<string, Int32Array>();
function background(seed: number, code: readonly Spec[], constants: readonly number[]): Int32Array {
  const key = `${seed} ${code.map((s) => s.opcode).join(',')} ${constants.join(',')}`;
  let bg = BACKGROUNDS.get(key);
  if (bg) return bg;
  const r = rng(seed ^ 0xb6);
  const any = new Chooser(r, 0, false);
  bg = new Int32Array(SMALL_MEM + 256);
  for (let p = 0; p < bg.length; p++) {
    const k = pickConstant(r, constants);
    bg[p] = code.length && r() < 0.25 ? instructionWord(pick(r, code), any, r, int(r, 1, SMALL_MEM), k) : storageWord(r, { bound: SMALL_MEM, memWords: SMALL_MEM }, code.length ? opcodeWord(pick(r, code)) : 0, k);
  }
  if (BACKGROUNDS.size > 16) BACKGROUNDS.clear();
  BACKGROUNDS.set(key, bg);
  return bg;
}

/** One encoding of `spec`, its operands chosen from the corners of each operand kind. */
function instructionWord(spec: Spec, c: Chooser, r: Rand, bound: number, k: number, nonZero = false): number {
  let w = opcodeWord(spec);
  // every register field the same, sometimes; never r0 where the registers must hold the state's constant
  const same = nonZero ? int(r, 1, 15) : r() < 0.2 ? int(r, 0, 15) : -1;
  for (const o of FORMATS[spec.format]) {
    switch (o.kind) {
      case 'reg':
        w = setField(w, o.field, same >= 0 ? same : registerField(c, r));
        break;
      case 'simm16':
      case 'mem':
        w = setField(w, o.field, c.corner([0, 1, -1, 2, 3, -32768, 32767, bound - 1, bound, -bound, int(r, -bound - 4, bound + 4), int(r, -32768, 32767), k], 5));
        if ('baseField' in o && o.baseField) w = setField(w, o.baseField, same >= 0 ? same : registerField(c, r));
        break;
      case 'uimm16':
        w = setField(w, o.field, c.corner([0, 1, 2, 3, 4, 0x7fff, 0x8000, 0xffff, int(r, 0, 0xffff), k & 0xffff], 7));
        break;
      case 'shamt':
        w = setField(w, o.field, c.corner([0, 1, 16, 31, int(r, 0, 31), k & 31], 2));
        break;
      case 'target':
        w = setField(w, o.field, c.corner([-1, 0, 1, -2, int(r, -bound, bound), int(r, -(1 << 15), 1 << 15), k], 4));
        break;
    }
  }
  return w;
}

/** The fields of an instruction word: their values are among those a register takes (the encoding's own constants). */
const FIELD_LIST = Object.keys(FIELDS) as (keyof typeof FIELDS)[];

/** The relocation of a state: base, bound and pc, on the small or the large machine. */
function relocation(c: Chooser, r: Rand, large: boolean, reachable = false): { memWords: number; base: number; bound: number; pc: number } {
  const M = large ? largeMem() : SMALL_MEM;
  let bound: number;
  let base: number;
  if (large) {
    // small windows at bases whose high bits vary: one set bit, its neighbours, mid-storage, the top
    bound = c.corner([1, 2, 3, 4, 5, int(r, 6, LARGE_WINDOW), LARGE_WINDOW], 1);
    const high = 2 ** int(r, 9, 29);
    base = c.corner([high, high - 1, high + int(r, 1, 1000), M / 2, M - bound, M - 1, int(r, SMALL_MEM, M - bound), M, 0x80000000, U32_MAX], 6);
    if (reachable && base >= M) base = M - bound;
  } else {
    bound = c.corner([1, 2, 3, 4, 5, 16, int(r, 1, M), M / 2, M - 1, M, M + 1, U32_MAX], 8);
    base = c.corner([0, 0, 1, 2, 3, int(r, 4, 32), M / 2, int(r, 0, M - 1), M - Math.min(bound, M), M - 1, M, M + 1, 0x80000000, U32_MAX], 9);
    if (reachable && base >= M) base = M - Math.min(bound, M);
  }
  const n = windowSize({ base, bound, memWords: M });
  const pc = n === 0 ? c.corner([0, 1, int(r, 0, 64)], 2) : c.corner([0, 1, n - 1, Math.max(0, n - 2), int(r, 0, n - 1)], 3);
  return { memWords: M, base, bound, pc };
}

/** A register value: edges, addresses near the bound, the instruction's own fields, constants, random. */
const NEAR = 15;
const POOL = EDGES.length + NEAR + 2 + 2 * 8 + 4;
/** filled per state (a state's pool lives only while its registers are drawn) */
const pool = new Array<number>(POOL).fill(0);
function fillRegisterPool(st: { base: number; bound: number; pc: number; memWords: number }, word: number, imm: number, r: Rand, k: number): void {
  const { base, bound, pc, memWords } = st;
  let n = 0;
  // the first NEAR: addresses at the edges of the window
  for (const v of [bound - 1, bound, bound + 1, bound - 4, bound - 3, memWords - base - 1, memWords - base, pc, pc + 1, base, base + pc, -imm, bound - 1 - imm, bound - imm, bound - 4 - imm]) pool[n++] = v;
  for (const v of EDGES) pool[n++] = v;
  // the instruction word and each of its fields, signed and unsigned
  pool[n++] = word;
  pool[n++] = word >>> 0;
  for (const f of FIELD_LIST) {
    pool[n++] = getField(word, f);
    pool[n++] = getSigned(word, f);
  }
  pool[n++] = k;
  pool[n++] = k;
  pool[n++] = int(r, INT_MIN, INT_MAX);
  pool[n++] = int(r, 0, 64);
}
const anyValue = (r: Rand) => pool[Math.floor(r() * POOL)]!;
const nearValue = (r: Rand) => pool[Math.floor(r() * NEAR)]!;

/** A storage word: often a plausible PSW field or an instruction-like word. */
function storageWord(r: Rand, st: { bound: number; memWords: number }, word: number, k: number): number {
  switch (int(r, 0, 9)) {
    case 0:
      return int(r, 0, 3); // flags
    case 1:
      return int(r, 0, st.bound); // a pc or a bound
    case 2:
      return int(r, 0, Math.min(st.memWords, 0x7fffffff)); // a base
    case 3:
      return pick(r, EDGES);
    case 4:
      return k;
    case 5:
      return word ^ (1 << int(r, 0, 23)); // a neighbouring encoding
    default:
      return int(r, INT_MIN, INT_MAX);
  }
}

/** The immediate of a word as the instruction will use it (signed 16 for memory and simm16, else 0). */
function immOf(spec: Spec, w: number): number {
  for (const o of FORMATS[spec.format]) if (o.kind === 'mem' || o.kind === 'simm16') return getSigned(w, o.field);
  return 0;
}

/**
 * `count` states for `spec`. The first ones try each of the semantics'
 * constants in turn (every register, TIMER and immediate holding it); then
 * every field sweeps through its corners; the rest are random. The mode in
 * each is arbitrary: the classifier tries both.
 *
 * A small state's storage is a buffer the next state reuses: a state is
 * valid until the next one is drawn (cloneState keeps one).
 */
export interface StateOptions {
  /** the semantics' constants (constants.ts), tried in every field */
  readonly constants?: readonly number[];
  /** instructions storage may hold as code (a `vmrun` guest runs it) */
  readonly code?: readonly Spec[];
}

export function* statesFor(spec: Spec, count: number, seed: number, opts: StateOptions = {}): Generator<State> {
  const constants = opts.constants ?? [];
  const code = opts.code ?? [];
  const r = rng(seed ^ Math.imul(spec.opcode, 0x9e3779b1));
  const bg = background(seed, code, constants);
  const buffer = new Int32Array(SMALL_MEM);
  const given = Math.min(count, constants.length);
  const sweep = Math.min(count, given + SWEEP);
  for (let i = 0; i < count; i++) {
    const c = new Chooser(r, i, i < sweep);
    const k = i < given ? constants[i]! : pickConstant(r, constants); // the state's constant
    const large = i % LARGE_EVERY === LARGE_EVERY - 1;
    const rel = relocation(c, r, large, i < given); // a constant's state can run its instruction
    const [ie, pending] = i < given ? IE_PENDING[0] : c.corner(IE_PENDING, 0);
    const timer = i < given ? k >>> 0 : c.corner(timerPool(r, k), 5);
    const word = instructionWord(spec, c, r, rel.bound, k, i < given);

    fillRegisterPool(rel, word, immOf(spec, word), r, k);
    const regs = new Int32Array(16);
    const equal = i < given ? k : r() < 0.25 ? anyValue(r) : undefined; // an equal pair: every register the same
    for (let j = 1; j < 16; j++) regs[j] = equal ?? anyValue(r);
    // the registers the instruction names are often addresses at the edges of the window (where a fault, or its absence, shows)
    if (equal === undefined) for (const j of operandRegisterNumbers(spec, word)) if (j !== 0 && r() < 0.4) regs[j] = nearValue(r);

    const n = Math.min(windowSize(rel), large ? LARGE_WINDOW : SMALL_MEM);
    const storage = large ? largeStorage(rel, n, r, word, k) : smallStorage(buffer, r, bg, k);
    pointedAt(storage, rel, regs, word, spec, r);
    // The instruction at physical base + pc (32-bit: a relocation that wrapped would find it there too).
    const at = (rel.base + rel.pc) % 2 ** 32;
    for (const seg of storage) if (at >= seg.origin && at < seg.origin + seg.words.length) seg.words[at - seg.origin] = word;
    if (!large && i >= given && code.length && (r() < 0.35 || spec.mnemonic === 'vmrun')) plantControlBlock(r, storage[0]!.words, regs, rel.base, rel.bound, at, spec, code);

    yield {
      s: r() < 0.5,
      ie,
      pending,
      timer,
      ...rel,
      regs,
      storage,
      input: c.corner(INPUTS, 1),
    };
  }
}

/**
 * Sometimes (for `vmrun`, in every state past the constants) storage holds a plausible `vt` control block (layout VMCB, from
 * isa/) at an address the instruction's register operands point to, with a
 * partition that fits in storage and a few instructions at the guest's
 * entry, so that a `vmrun` is seen entering a guest and not only refusing a
 * random block. The probed instruction's own word is kept.
 */
function plantControlBlock(r: Rand, mem: Int32Array, regs: Int32Array, base: number, bound: number, keep: number, spec: Spec, code: readonly Spec[]): void {
  const M = mem.length;
  if (bound < VMCB.SIZE || base + VMCB.SIZE > M) return;
  const at = int(r, 0, Math.min(bound, M - base) - VMCB.SIZE);
  const w = mem[keep]!;
  for (const o of FORMATS[spec.format]) if (o.kind === 'reg' && getField(w, o.field) !== 0) regs[getField(w, o.field)] = at;
  const size = int(r, MIN_PARTITION, M - MIN_PARTITION);
  const block = new Int32Array(VMCB.SIZE);
  block[VMCB.PSW] = int(r, 0, 3);
  block[VMCB.PSW + 1] = int(r, 0, size - 1);
  block[VMCB.PSW + 2] = pick(r, [0, int(r, 0, size)]);
  block[VMCB.PSW + 3] = pick(r, [size, int(r, 0, size)]);
  block[VMCB.TIMER] = pick(r, [0, 1, 3]);
  block[VMCB.PENDING] = pick(r, [0, 1]);
  block[VMCB.PART_BASE] = int(r, 0, M - size);
  block[VMCB.PART_SIZE] = size;
  block[VMCB.INTERCEPTS] = pick(r, [0, int(r, 0, 127)]);
  block[VMCB.INJECT] = pick(r, [0, 0, int(r, 1, 6)]);
  for (let k = VMCB.REGS; k < VMCB.SIZE; k++) block[k] = pick(r, EDGES);
  // Half the blocks (by the address drawn, so no extra draw shifts the other states) hold a guest that can run:
  // relocation 0..size, its entry inside, IO and HALT intercepted as the assist probe does. Random PSW fields
  // alone nearly always exit before a guest instruction completes, and then vmrun's effect on the host's TIMER
  // and on storage outside the host's window (a partition is anywhere in storage) is rarely seen.
  if ((at & 1) === 1) {
    block[VMCB.PSW + 1] = Math.min(block[VMCB.PSW + 1]!, size - 5);
    block[VMCB.PSW + 2] = 0;
    block[VMCB.PSW + 3] = size;
    block[VMCB.INTERCEPTS] = 3;
    block[VMCB.INJECT] = 0;
  }
  // the guest's entry holds a few instructions, so the guest runs before it exits
  const any = new Chooser(r, 0, false);
  const entry = block[VMCB.PART_BASE]! + block[VMCB.PSW + 2]! + block[VMCB.PSW + 1]!;
  for (let k = 0; k < 4; k++) if (entry + k < M && entry + k !== keep) mem[entry + k] = instructionWord(pick(r, code), any, r, bound, 0);
  for (let k = 0; k < VMCB.SIZE; k++) if (base + at + k !== keep) mem[base + at + k] = block[k]!;
}

function smallStorage(words: Int32Array, r: Rand, background: Int32Array, k: number): Segment[] {
  const from = int(r, 0, background.length - SMALL_MEM);
  words.set(background.subarray(from, from + SMALL_MEM));
  for (let j = 0; j < 4; j++) words[int(r, 0, SMALL_MEM - 1)] = k;
  return [{ origin: 0, words }];
}

/** The four words an operand register (plus the offset) points at read as a PSW: flags, a pc and a bound inside the window, a base. */
function pointedAt(storage: readonly Segment[], rel: { base: number; bound: number; memWords: number }, regs: Int32Array, word: number, spec: Spec, r: Rand): void {
  const imm = immOf(spec, word);
  for (const reg of new Set(operandRegisterNumbers(spec, word))) {
    const a = ((reg === 0 ? 0 : regs[reg]!) + imm) >>> 0;
    const psw = [int(r, 0, 3), int(r, 0, rel.bound), int(r, 0, rel.memWords), int(r, 1, rel.bound)];
    for (let j = 0; j < 4; j++) {
      const p = rel.base + a + j;
      for (const seg of storage) if (p >= seg.origin && p < seg.origin + seg.words.length) seg.words[p - seg.origin] = psw[j]!;
    }
  }
}

function operandRegisterNumbers(spec: Spec, w: number): number[] {
  const rs: number[] = [];
  for (const o of FORMATS[spec.format]) {
    if (o.kind === 'reg') rs.push(getField(w, o.field));
    if (o.kind === 'mem' && o.baseField) rs.push(getField(w, o.baseField));
  }
  return rs;
}

/** On the large machine: the window and a margin either side, low storage, the top of storage. */
function largeStorage(rel: { base: number; bound: number; memWords: number }, n: number, r: Rand, word: number, k: number): Segment[] {
  const M = rel.memWords;
  const fill = (origin: number, end: number): Segment => {
    const words = new Int32Array(Math.max(0, end - origin));
    for (let j = 0; j < words.length; j++) words[j] = storageWord(r, rel, word, k);
    return { origin, words };
  };
  const segs: Segment[] = [fill(0, EDGE)];
  if (n > 0) segs.push(fill(Math.max(EDGE, rel.base - MARGIN), Math.min(M - EDGE, rel.base + n + MARGIN)));
  segs.push(fill(M - EDGE, M));
  // segments must not overlap: a window touching low storage or the top extends that edge instead
  return mergeSegments(segs);
}

/** Sorted, non-overlapping segments (later ones win where they overlap). */
function mergeSegments(segs: Segment[]): Segment[] {
  const sorted = segs.filter((s) => s.words.length > 0).sort((a, b) => a.origin - b.origin);
  const out: Segment[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.origin <= last.origin + last.words.length) {
      const end = Math.max(last.origin + last.words.length, s.origin + s.words.length);
      const words = new Int32Array(end - last.origin);
      words.set(last.words);
      words.set(s.words, s.origin - last.origin);
      out[out.length - 1] = { origin: last.origin, words };
    } else out.push(s);
  }
  return out;
}

/** A copy of a state that owns its storage, registers and input (to keep it as a witness). */
export function cloneState(st: State): State {
  return { ...st, regs: st.regs.slice(), input: st.input.slice(), storage: st.storage.map((seg) => ({ origin: seg.origin, words: seg.words.slice() })) };
}

/** Scratch storage for the states derived from one state (pairs), reused: clone one to keep it. */
export class Scratch {
  private readonly buffers: Int32Array[] = [new Int32Array(SMALL_MEM), new Int32Array(SMALL_MEM)];
  private next = 0;
  /** a buffer for a state that covers the small machine (the two most recent stay valid) */
  take(): Int32Array {
    this.next ^= 1;
    return this.buffers[this.next]!;
  }
}

/** The same state in the other (or a given) mode. */
export function withMode(st: State, s: boolean): State {
  return { ...st, s };
}

/**
 * The state with base moved by x and all of storage moved with it, as a
 * rotation, so nothing the state set is lost (ISA.md: a pair that differs
 * only by a shift of base, with storage shifted to match).
 */
export function shifted(st: State, x: number, scratch?: Scratch): State {
  const M = st.memWords;
  const rot = ((x % M) + M) % M; // a shift down is a rotation up by M − |x|
  const only = st.storage[0]!;
  if (scratch && st.storage.length === 1 && only.words.length === M && M === SMALL_MEM) {
    // the whole of a small machine's storage, rotated
    const words = scratch.take();
    words.set(only.words.subarray(M - rot), 0);
    words.set(only.words.subarray(0, M - rot), rot);
    return { ...st, base: st.base + x, storage: [{ origin: 0, words }] };
  }
  const storage: Segment[] = [];
  for (const seg of st.storage) {
    const to = (seg.origin + rot) % M;
    const first = Math.min(seg.words.length, M - to);
    storage.push({ origin: to, words: seg.words.subarray(0, first) });
    if (first < seg.words.length) storage.push({ origin: 0, words: seg.words.subarray(first) });
  }
  return { ...st, base: st.base + x, storage: mergeSegments(storage) };
}

/** The shift a state's location pair uses — small (1–3) or large (up to storage), up or down — keeping the window in storage; 0 if none fits. */
export function shiftFor(st: State, r: Rand, large: boolean): number {
  const n = windowSize(st);
  if (n === 0) return 0;
  const up = st.memWords - st.base - n; // how far the window can move up and stay in storage
  const down = st.base; // … or down
  if (up >= 1 && (down < 1 || r() < 0.5)) return large ? Math.min(up, pick(r, [st.memWords / 2, up, 2 ** int(r, 6, 29), int(r, 1, up)])) : Math.min(up, int(r, 1, 3));
  if (down >= 1) return -(large ? Math.min(down, pick(r, [down, Math.ceil(down / 2), 2 ** int(r, 6, 29), int(r, 1, down)])) : Math.min(down, int(r, 1, 3)));
  return 0;
}

/** The state with every word of storage outside its window changed (and the window as it was). */
export function outsideChanged(st: State, scratch?: Scratch): State {
  const lo = st.base;
  const hi = st.base + windowSize(st);
  const storage = st.storage.map((seg) => {
    const n = seg.words.length;
    const words = scratch && n === SMALL_MEM ? scratch.take() : new Int32Array(n);
    // outside the window: other words (random ones, copied natively); inside: the same
    words.set(noise(n));
    const from = Math.max(0, lo - seg.origin);
    const to = Math.min(n, hi - seg.origin);
    if (from < to) words.set(seg.words.subarray(from, to), from);
    return { origin: seg.origin, words };
  });
  return { ...st, storage };
}

let NOISE = new Int32Array(0);
/** n random words (the same ones every time: seeded), for storage that must differ from a state's */
function noise(n: number): Int32Array {
  if (NOISE.length < n) {
    const r = rng(0x0dd);
    NOISE = new Int32Array(Math.max(n, SMALL_MEM));
    for (let k = 0; k < NOISE.length; k++) NOISE[k] = int(r, INT_MIN, INT_MAX);
  }
  return NOISE.subarray(0, n);
}

/** The state with a different TIMER (and nothing else changed). */
export function withTimer(st: State, timer: number): State {
  return { ...st, timer };
}

/** A TIMER value for the time pair: another corner. */
export function otherTimer(st: State, r: Rand): number {
  const pool = [0, 1, 2, 3, 7, 1000, U32_MAX].filter((t) => t !== st.timer);
  return pick(r, pool);
}

/**
 * The region translator: the CPU's fast path for hot code.
 *
 * When a branch target becomes hot, the translator takes it and the code
 * statically reachable from it — both sides of every branch, jump and call
 * targets, the return address after each call — up to MAX_REGION words, and
 * turns the whole region into one JavaScript function (the way v86 compiles
 * whole regions, and TraceMonkey trees, not single blocks):
 *
 *   - the region is cut at its heads: the entry, every loop header (the
 *     target of a back edge), every function (call target) and every return
 *     address. From each head grows a tree: straight code with the registers
 *     in JS locals, both sides of each branch as a nested `if`, unconditional
 *     jumps followed, until a path reaches a head. A path back to its own
 *     head is a JS loop (`continue`); to another head, a jump (`continue
 *     main` through a `switch` on the head's number);
 *   - so a branch, a call (`jal`) or a return (`jr`, looked up in a table
 *     from address to head: the return-address check) that lands in the
 *     region goes on there without returning to the dispatcher;
 *   - anything else (a target outside the region, svc, a control
 *     instruction, an undefined word) leaves the function with the next pc,
 *     and the CPU's run loop continues there: another region or the
 *     interpreter.
 *
 * The translation is exact, instruction for instruction:
 *   - every path's instruction count is known when it is generated: a tree
 *     runs only if the remaining budget (the step limit, or the timer's
 *     burst) covers its longest path, and a loop stops going round when the
 *     next pass might not fit, so steps and the timer count exactly as in the
 *     interpreter;
 *   - every load and store checks relocation and leaves with the trap at the
 *     right instruction, having completed exactly the instructions before it;
 *   - a store that hits translated code (a bitmap kept by the CPU) leaves
 *     right after the store, and the CPU drops the translations it hit;
 *   - storage can also change while the CPU is not running (a monitor, a
 *     loader, a debugger, a test): each tree compares its words with the
 *     ones it was translated from on its first entry in every run() call
 *     (the CPU's epoch), and leaves if they differ;
 *   - a word that the program keeps rewriting in one field only (the
 *     immediate of an addi, say: self-modifying code) is translated with
 *     that field read from storage each time it runs, after a check that the
 *     rest of the word is unchanged; a word rewritten in any other way is
 *     left to the interpreter (codecache.ts decides which).
 *
 * The generated code does not depend on where the region lies: addresses
 * are offsets from the region's first word (p0, a parameter). One function
 * serves the same code at any address, in any CPU of this process (1000
 * VMs running one program share it, and a new machine starts with code that
 * V8 has already optimized): `templateFor` keeps them by content.
 *
 * Opcodes and fields come from isa/, as in the interpreter.
 */
import { BY_OPCODE, CAUSES, FIELDS, FORMATS, OPCODE, fieldMask, getField, getSigned } from '../isa/table.js';

/**
 * (R, E, C, base, limit, p0, k, n, X, V, ep) → instructions completed.
 * R registers, E storage, C code bitmap, base/limit relocation, p0 the
 * physical address of the region's first word, k the head to enter, n the
 * budget, V the epoch each tree was last checked in, ep the CPU's epoch.
 * X[0] ← next pc (virtual); X[1] ← 0, a trap cause, CODE_HIT or CODE_CHANGED; X[2] ← trap info, or the word hit.
 */
export type RegionFn = (
  R: Int32Array,
  E: Int32Array,
  C: Int32Array,
  base: number,
  limit: number,
  p0: number,
  k: number,
  n: number,
  X: Int32Array,
  V: Int32Array,
  ep: number,
) => number;

/** X[1] when translated code was written (X[2] = the physical word): by a store (X[0] = the next instruction), or a word read at run time changed beyond its field (X[0] = that word) */
export const CODE_HIT = -1;
/** X[1] when a tree's words were changed while the CPU was not running; X[0] = the tree's head */
export const CODE_CHANGED = -2;

/** A translated region, independent of where it lies (shared by every placement of the same code). */
export interface Region {
  readonly fn: RegionFn;
  /** each head (entry), as an offset from p0; heads[0] is the entry it was made for */
  readonly heads: Int32Array;
  /** the words it covers (offsets, ascending), and of those, the ones stores must not hit (all but the ones read at run time) */
  readonly words: Int32Array;
  readonly marked: Int32Array;
  /** the words it was made from, by offset (0 where not covered), and the bits of each it depends on (all but a field read at run time) */
  readonly W: Int32Array;
  readonly M: Int32Array;
  /** offsets 0 .. span-1 */
  readonly span: number;
  /** calls so far, while it is young (see WARM_CALLS) */
  calls: number;
}

/**
 * A new region's first calls get a short budget. V8 allocates a function's
 * type-feedback vector only after it has run for a while, so the code a
 * first call runs before that (here: the prologue, loading registers) has
 * no feedback, and optimized code would deoptimize on it at every later
 * call. A few short calls give every part of the function its feedback
 * before V8 optimizes it.
 */
export const WARM_CALLS = 4;
export const WARM_BUDGET = 4096;

/** The most words one region covers. */
export const MAX_REGION = 512;
/** The most instructions one tree generates (paths share a prefix, joins are repeated: this bounds the repetition). */
export const MAX_TREE = 192;

const O = OPCODE;
const OP = FIELDS.op[1];
const UIMM = (1 << (FIELDS.imm16[0] - FIELDS.imm16[1] + 1)) - 1;
const IMM16 = fieldMask('imm16');
const SH5 = fieldMask('sh5');

const STRAIGHT = 0;
const BRANCH = 1;
const END = 2;
const STOP = 3;

/** How the translator treats each opcode (by opcode, from the table). */
const KIND = (() => {
  const k = new Uint8Array(256).fill(STOP);
  for (const m of ['add', 'sub', 'mul', 'div', 'rem', 'and', 'or', 'xor', 'shl', 'shr', 'sra', 'slt', 'sltu',
    'addi', 'slti', 'andi', 'ori', 'xori', 'shli', 'shri', 'srai', 'lui', 'ld', 'st', 'nop'] as const) k[O[m]] = STRAIGHT;
  for (const m of ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'] as const) k[O[m]] = BRANCH;
  for (const m of ['jmp', 'jal', 'jr', 'jalr'] as const) k[O[m]] = END;
  return k;
})();

/**
 * The field a translation may read at run time, by opcode: the immediate of
 * the immediate-ALU instructions and of loads and stores, the shift amount
 * of the immediate shifts; 0 for the rest (a branch's offset is its
 * target: not a field to read late).
 */
const RUNTIME_FIELD = (() => {
  const f = new Int32Array(256);
  for (const m of ['addi', 'slti', 'andi', 'ori', 'xori', 'lui', 'ld', 'st'] as const) f[O[m]] = IMM16;
  for (const m of ['shli', 'shri', 'srai'] as const) f[O[m]] = SH5;
  return f;
})();

/** The field of `op` a translation can read at run time (0: none). */
export function runtimeField(op: number): number {
  return RUNTIME_FIELD[op]!;
}

/** What region formation needs to know about the CPU's storage and its other translations. */
export interface Surroundings {
  readonly E: Int32Array;
  /** reserved-bit mask per opcode (−1 for opcodes the ISA does not define) */
  readonly reserved: Int32Array;
  /**
   * How word p is translated: 0 as it is; a field mask: that field is read at
   * run time (the program keeps rewriting it); −1 not at all (it keeps being
   * rewritten in other ways).
   */
  rewritten(p: number): number;
  /** a head another translation already has: this region leaves to it instead of repeating it */
  covered(p: number): boolean;
}

/** A region's shape before translation: physical addresses. */
export interface Layout {
  readonly p0: number;
  readonly span: number;
  /** heads, heads[0] the entry */
  readonly heads: readonly number[];
  /** covered words, ascending, and the field each reads at run time (0: none) */
  readonly words: readonly number[];
  readonly fields: readonly number[];
}

/** Can word p be translated (as it stands, or with a field read at run time)? */
function translatable(env: Surroundings, p: number): boolean {
  if (p < 0 || p >= env.E.length) return false;
  const f = env.rewritten(p);
  if (f === -1) return false;
  const w = env.E[p]!;
  const op = w >>> OP;
  // The reserved bits must be clear in the part that is not read at run time (and they lie outside the field).
  return (w & ~f & env.reserved[op]!) === 0 && KIND[op] !== STOP;
}

/**
 * Static successors of the word at p within one function: a call's return
 * address, but its callee only if that is the region's own entry (a
 * recursive call). Each function becomes a region of its own: V8 compiles
 * several small functions much faster than one large one, and a call
 * between regions costs one pass through the CPU's run loop.
 */
function successors(w: number, p: number, entry: number, out: number[]): void {
  const op = w >>> OP;
  const next = p + 1;
  switch (KIND[op]) {
    case STRAIGHT: out.push(next); break;
    case BRANCH: out.push(next, next + getSigned(w, 'imm16')); break;
    default:
      if (op === O.jmp) out.push(next + getSigned(w, 'off24'));
      else if (op === O.jal) {
        const callee = next + getSigned(w, 'off20');
        out.push(next);
        if (callee === entry) out.push(callee);
      } else if (op === O.jalr) out.push(next);
  }
}

/** Successors by control flow alone (a call goes to its callee; the return comes back dynamically). */
function flow(w: number, p: number, out: number[]): void {
  const op = w >>> OP;
  const next = p + 1;
  switch (KIND[op]) {
    case STRAIGHT: out.push(next); break;
    case BRANCH: out.push(next, next + getSigned(w, 'imm16')); break;
    default:
      if (op === O.jmp) out.push(next + getSigned(w, 'off24'));
      else if (op === O.jal) out.push(next + getSigned(w, 'off20'));
  }
}

/**
 * The shape of the region entered at `entry`: its words (breadth first from
 * the entry, up to MAX_REGION) and its heads. Undefined if the entry cannot
 * be translated.
 */
export function layout(env: Surroundings, entry: number): Layout | undefined {
  if (!translatable(env, entry)) return undefined;
  const E = env.E;
  const inRegion = new Set<number>();
  const order: number[] = [];
  const queue = [entry];
  const seen = new Set<number>([entry]);
  const next: number[] = [];
  for (let q = 0; q < queue.length; q++) {
    const p = queue[q]!;
    if (inRegion.size >= MAX_REGION) break;
    if (p !== entry && env.covered(p)) continue;
    if (!translatable(env, p)) continue;
    inRegion.add(p);
    order.push(p);
    next.length = 0;
    successors(E[p]!, p, entry, next);
    for (const t of next) if (!seen.has(t)) (seen.add(t), queue.push(t));
  }

  // Heads: the entry, call targets, return addresses, then loop headers (depth first from each).
  const heads: number[] = [entry];
  const isHead = new Set<number>(heads);
  const addHead = (p: number) => {
    if (inRegion.has(p) && !isHead.has(p)) (isHead.add(p), heads.push(p));
  };
  for (const p of order) {
    const w = E[p]!;
    const op = w >>> OP;
    if (op === O.jal) addHead(p + 1 + getSigned(w, 'off20'));
    if (op === O.jal || op === O.jalr) addHead(p + 1);
  }
  backEdgeTargets(E, inRegion, heads, addHead);

  // Grow every tree once without code, to find where trees must be cut (new heads) and what they cover.
  const covered = new Set<number>();
  for (let h = 0; h < heads.length; h++) walk(env, inRegion, isHead, heads[h]!, null, (p) => addHead(p), covered);
  const words = [...covered].sort((a, b) => a - b);
  const p0 = words[0]!;
  return {
    p0,
    span: words[words.length - 1]! - p0 + 1,
    heads,
    words,
    fields: words.map((p) => Math.max(0, env.rewritten(p))),
  };
}

/** Targets of back edges found depth first from every head (each closes a cycle, so every loop has a head). */
function backEdgeTargets(E: Int32Array, inRegion: Set<number>, roots: number[], addHead: (p: number) => void): void {
  const state = new Map<number, number>(); // 1 on the stack, 2 done
  const succ: number[] = [];
  for (let r = 0; r < roots.length; r++) {
    const root = roots[r]!;
    if (state.has(root)) continue;
    const stack: { p: number; next: number[]; i: number }[] = [];
    const push = (p: number) => {
      state.set(p, 1);
      succ.length = 0;
      flow(E[p]!, p, succ);
      stack.push({ p, next: succ.filter((t) => inRegion.has(t)), i: 0 });
    };
    push(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.next.length) {
        const t = top.next[top.i++]!;
        const s = state.get(t);
        if (s === 1) addHead(t);
        else if (s === undefined) push(t);
      } else {
        state.set(top.p, 2);
        stack.pop();
      }
    }
  }
}

/** What a tree's code generator is told as the walk goes. */
interface Emitter {
  /** the instruction at p, with d instructions of this path before it */
  instruction(p: number, w: number, field: number, d: number): void;
  /** `if (cond) {` for the branch w (its taken side follows, then `}`) */
  branch(w: number): void;
  close(): void;
  /** the path ends after d instructions: back to the tree's own head, to another head, or out of the region at p */
  back(d: number): void;
  to(p: number, d: number): void;
  /** a call's link: rd = the address after p */
  link(p: number, w: number): void;
  /** the path ends with jr or jalr at p (d instructions, itself included) */
  dynamic(p: number, w: number, d: number): void;
}

/**
 * Walk the tree of head h: paths through both sides of each branch and
 * through jumps, each ending at a head, outside the region, or at a
 * computed jump. With no emitter it is a dry run that reports, through
 * `cut`, where the tree grew too large (those words become heads).
 * Returns the longest path (instructions).
 */
function walk(
  env: Surroundings,
  inRegion: Set<number>,
  isHead: Set<number>,
  h: number,
  emit: Emitter | null,
  cut: ((p: number) => void) | null,
  covered: Set<number> | null,
): number {
  const E = env.E;
  let size = 0;
  let longest = 0;
  const leaf = (d: number) => {
    if (d > longest) longest = d;
  };
  const path = (start: number, d0: number): void => {
    let p = start;
    let d = d0;
    for (;;) {
      if (d > 0 && isHead.has(p)) {
        leaf(d);
        if (p === h) emit?.back(d);
        else emit?.to(p, d);
        return;
      }
      if (!inRegion.has(p) || size >= MAX_TREE) {
        if (inRegion.has(p)) cut?.(p); // too large: the rest is a tree of its own
        leaf(d);
        emit?.to(p, d);
        return;
      }
      size++;
      covered?.add(p);
      const w = E[p]!;
      const op = w >>> OP;
      switch (KIND[op]) {
        case STRAIGHT:
          emit?.instruction(p, w, Math.max(0, env.rewritten(p)), d);
          p++;
          d++;
          break;
        case BRANCH:
          emit?.branch(w);
          path(p + 1 + getSigned(w, 'imm16'), d + 1);
          emit?.close();
          p++;
          d++;
          break;
        default:
          d++;
          if (op === O.jmp) {
            p = p + 1 + getSigned(w, 'off24');
            break;
          }
          leaf(d);
          if (op === O.jal) {
            emit?.link(p, w);
            emit?.to(p + 1 + getSigned(w, 'off20'), d);
          } else {
            emit?.dynamic(p, w, d); // jr, jalr
          }
          return;
      }
    }
  };
  path(h, 0);
  return longest;
}

/** The key of a layout's code: its shape and words, wherever it lies. */
function keyOf(E: Int32Array, L: Layout): string {
  const parts: string[] = [L.heads.map((p) => p - L.p0).join(' '), '|'];
  for (let i = 0; i < L.words.length; i++) {
    const p = L.words[i]!;
    const f = L.fields[i]!;
    parts.push(`${p - L.p0}:${f ? `${E[p]! & ~f}/${f}` : E[p]}`);
  }
  return parts.join(',');
}

/** Translated regions of this process by content (insertion order: the oldest are dropped first). */
const TEMPLATES = new Map<string, Region>();
const MAX_TEMPLATES = 4096;
/**
 * The same regions by the word at their entry (heads[0]), the most recent
 * last, at most PER_ENTRY each: how a machine finds, at the first taken
 * branch to a word, that this code was translated before (translatedAt).
 */
const BY_ENTRY = new Map<number, Region[]>();
const PER_ENTRY = 4;

/**
 * The translation of a layout: from the cache if the same code was
 * translated before (anywhere, by any CPU), else generated now.
 */
export function templateFor(env: Surroundings, L: Layout): Region {
  const key = keyOf(env.E, L);
  let t = TEMPLATES.get(key);
  if (t === undefined) {
    t = generate(env, L);
    if (TEMPLATES.size >= MAX_TEMPLATES) {
      const [oldKey, old] = TEMPLATES.entries().next().value!;
      TEMPLATES.delete(oldKey);
      unindex(old);
    }
    TEMPLATES.set(key, t);
    index(t);
  }
  return t;
}

function index(t: Region): void {
  const h = t.heads[0]!;
  if (t.M[h] !== -1) return; // its entry word has a field read at run time: not a key
  const list = BY_ENTRY.get(t.W[h]!);
  if (list === undefined) BY_ENTRY.set(t.W[h]!, [t]);
  else {
    if (list.length >= PER_ENTRY) list.shift();
    list.push(t);
  }
}

function unindex(t: Region): void {
  const h = t.heads[0]!;
  const list = BY_ENTRY.get(t.W[h]!);
  const i = list?.indexOf(t) ?? -1;
  if (i >= 0) list!.splice(i, 1);
  if (list?.length === 0) BY_ENTRY.delete(t.W[h]!);
}

/**
 * A region this process has translated before whose code, entered at p,
 * is exactly what storage holds now: every word it covers equal (but the
 * fields it reads at run time), and each translatable on this CPU (its ISA
 * defines the opcode and the reserved bits are clear). Undefined if none.
 * A machine that runs code another machine (or another partition) already
 * made hot places that translation at its first taken branch there,
 * instead of interpreting until the code is hot again: translation is exact
 * wherever the words match, so where it lies and who found it hot do not matter.
 */
export function translatedAt(env: Surroundings, p: number): Region | undefined {
  const E = env.E;
  const list = BY_ENTRY.get(E[p]!);
  if (list === undefined) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const t = list[i]!;
    const p0 = p - t.heads[0]!;
    if (p0 < 0 || p0 + t.span > E.length) continue;
    if (fits(env, p0, t)) return t;
  }
  return undefined;
}

function fits(env: Surroundings, p0: number, t: Region): boolean {
  const E = env.E;
  const RES = env.reserved;
  const L = t.words;
  for (let i = 0; i < L.length; i++) {
    const o = L[i]!;
    const w = E[p0 + o]!;
    const m = t.M[o]!;
    if ((w & m) !== t.W[o] || (w & m & RES[w >>> OP]!) !== 0) return false;
  }
  return true;
}

/** Translated regions in this process's cache (for tests and reports). */
export function templateCount(): number {
  return TEMPLATES.size;
}

/** Do the words at offsets L (from p0) still hold the region's words W (in the bits M)? */
function same(E: Int32Array, p0: number, W: Int32Array, M: Int32Array, L: Int32Array): boolean {
  for (let i = 0; i < L.length; i++) {
    const o = L[i]!;
    if ((E[p0 + o]! & M[o]!) !== W[o]) return false;
  }
  return true;
}

/** Registers an instruction names (from its format, as the table says). */
function registersOf(w: number): number[] {
  const spec = BY_OPCODE[w >>> OP]!;
  const rs: number[] = [];
  for (const o of FORMATS[spec.format]) {
    if (o.kind === 'reg') rs.push(getField(w, o.field));
    if (o.kind === 'mem' && o.baseField) rs.push(getField(w, o.baseField));
  }
  return rs;
}

/** A conditional branch's condition as JS (also binary translation's, src/vmm/bt/translate.ts). */
export function branchCondition(op: number, x: string, y: string): string {
  switch (op) {
    case O.beq: return `${x} === ${y}`;
    case O.bne: return `${x} !== ${y}`;
    case O.blt: return `${x} < ${y}`;
    case O.bge: return `${x} >= ${y}`;
    case O.bltu: return `(${x} >>> 0) < (${y} >>> 0)`;
    default: return `(${x} >>> 0) >= (${y} >>> 0)`; // bgeu
  }
}

/** Generate the region's function. Offsets in the code are from p0. */
function generate(env: Surroundings, L: Layout): Region {
  const E = env.E;
  const p0 = L.p0;
  const heads = Int32Array.from(L.heads, (p) => p - p0);
  const IX = new Int32Array(L.span).fill(-1);
  heads.forEach((o, j) => (IX[o] = j));
  const W = new Int32Array(L.span);
  const M = new Int32Array(L.span);
  const inRegion = new Set(L.words);
  const isHead = new Set(L.heads);
  const fieldOf = new Map<number, number>();
  const used = new Set<number>();
  L.words.forEach((p, i) => {
    const f = L.fields[i]!;
    W[p - p0] = E[p]! & ~f;
    M[p - p0] = ~f;
    if (f) fieldOf.set(p, f);
    for (const r of registersOf(E[p]!)) if (r !== 0) used.add(r);
  });
  const written = new Set<number>();
  const reg = (r: number) => (r === 0 ? '0' : `r${r}`);
  const set = (r: number, expr: string) => {
    if (r === 0) return ''; // r0 ignores writes (every expression here is free of side effects)
    written.add(r);
    return `r${r} = ${expr};`;
  };

  // Every way out of the function goes through one epilogue, by an exit
  // number: the exit points themselves then do no arithmetic and no stores
  // (V8 turns a path it has never run into a deoptimization; these are the
  // rarely taken ones), and the epilogue, taken on every call, has all its
  // type feedback after the first. Per exit: the pc to leave at (an offset
  // from p0), the instructions of the current pass completed, the cause.
  const exPc: number[] = [0];
  const exDid: number[] = [0];
  const exCause: number[] = [0];
  const exDyn: number[] = [0];
  const exit = (pcOff: number, did: number, cause: number, info = '', dynamic = '') => {
    const id = exPc.length;
    exPc.push(pcOff);
    exDid.push(did);
    exCause.push(cause);
    exDyn.push(dynamic ? 1 : 0);
    return `{ ex = ${id};${info ? ` xi = ${info};` : ''}${dynamic ? ` xp = ${dynamic};` : ''} break main; }`;
  };
  const spend = (d: number) => (d ? `n -= ${d}; ` : '');

  const out: string[] = [];
  const verify: Int32Array[] = [];
  heads.forEach((ho, j) => {
    const h = ho + p0;
    const body: string[] = [];
    const covered = new Set<number>();
    let loops = false;
    const MAXP = '/*LONGEST*/';
    const emitter: Emitter = {
      instruction(p, w, field, d) {
        const o = p - p0;
        const op = w >>> OP;
        const trap = (cause: number, info: string) => exit(o, d, cause, info);
        const dd = getField(w, 'a');
        const s = reg(getField(w, 'b'));
        const t = reg(getField(w, 'c'));
        // A field read at run time: check the rest of the word first (if it changed, leave there: the CPU drops this translation).
        let imm = String(getSigned(w, 'imm16'));
        let uimm = String(w & UIMM);
        let sh = String(getField(w, 'sh5'));
        let open = '';
        if (field) {
          open = `{ const w = E[p0 + ${o}]; if ((w & ${~field}) !== ${w & ~field}) ${exit(o, d, CODE_HIT, `p0 + ${o}`)}`;
          imm = '((w << 16) >> 16)';
          uimm = `(w & ${UIMM})`;
          sh = `(w & ${SH5})`;
        }
        // Fewer JS operations where an operand is constant (r0, a zero offset): V8 runs a new region in its
        // bytecode interpreter first, where every operation counts.
        const plus = (x: string, y: string) => (x === '0' ? (y === '0' ? '0' : `${y} | 0`) : y === '0' ? x : `(${x} + ${y}) | 0`);
        let code: string;
        switch (op) {
          case O.add: code = set(dd, `(${s} + ${t}) | 0`); break;
          case O.sub: code = set(dd, `(${s} - ${t}) | 0`); break;
          case O.mul: code = set(dd, `Math.imul(${s}, ${t})`); break;
          case O.div: code = `if (${t} === 0) ${trap(CAUSES.ARITH, String(w))} ${set(dd, `(${s} / ${t}) | 0`)}`; break;
          case O.rem: code = `if (${t} === 0) ${trap(CAUSES.ARITH, String(w))} ${set(dd, `(${s} % ${t}) | 0`)}`; break;
          case O.and: code = set(dd, `${s} & ${t}`); break;
          case O.or: code = set(dd, `${s} | ${t}`); break;
          case O.xor: code = set(dd, `${s} ^ ${t}`); break;
          case O.shl: code = set(dd, `${s} << ${t}`); break;
          case O.shr: code = set(dd, `(${s} >>> ${t}) | 0`); break;
          case O.sra: code = set(dd, `${s} >> ${t}`); break;
          case O.slt: code = set(dd, `${s} < ${t} ? 1 : 0`); break;
          case O.sltu: code = set(dd, `(${s} >>> 0) < (${t} >>> 0) ? 1 : 0`); break;
          case O.addi: code = set(dd, field ? `(${s} + ${imm}) | 0` : plus(s, imm)); break;
          case O.slti: code = set(dd, `${s} < ${imm} ? 1 : 0`); break;
          case O.andi: code = set(dd, `${s} & ${uimm}`); break;
          case O.ori: code = set(dd, s === '0' ? uimm : `${s} | ${uimm}`); break;
          case O.xori: code = set(dd, `${s} ^ ${uimm}`); break;
          case O.shli: code = set(dd, `${s} << ${sh}`); break;
          case O.shri: code = set(dd, `(${s} >>> ${sh}) | 0`); break;
          case O.srai: code = set(dd, `${s} >> ${sh}`); break;
          case O.lui: code = set(dd, field ? `${uimm} << 16` : String(((w & UIMM) << 16) | 0)); break;
          case O.ld:
            code = `{ const a = ${field ? `(${s} + ${imm}) | 0` : plus(s, imm)}; if ((a >>> 0) >= limit) ${trap(CAUSES.MEMORY, 'a')} ${set(dd, 'E[base + a]')} }`;
            break;
          case O.st:
            // A store into translated code (this region's or another's) leaves right after it: the CPU drops what it hit.
            code =
              `{ const a = ${field ? `(${s} + ${imm}) | 0` : plus(s, imm)}; if ((a >>> 0) >= limit) ${trap(CAUSES.MEMORY, 'a')} ` +
              `const p = base + a; E[p] = ${reg(dd)}; if ((C[p >>> 5] & (1 << p)) !== 0) ${exit(o + 1, d + 1, CODE_HIT, 'p')} }`;
            break;
          case O.nop:
            code = '';
            break;
          default:
            throw new Error(`translator: opcode ${op} has no translation`);
        }
        body.push(open ? `${open} ${code} }` : code);
      },
      branch(w) {
        body.push(`if (${branchCondition(w >>> OP, reg(getField(w, 'a')), reg(getField(w, 'b')))}) {`);
      },
      close() {
        body.push('}');
      },
      back(d) {
        loops = true;
        body.push(`${spend(d)}if (n < ${MAXP}) ${exit(ho, 0, 0)} continue t${j};`);
      },
      to(p, d) {
        const k = p - p0 >= 0 && p - p0 < L.span ? IX[p - p0]! : -1;
        if (k >= 0 && isHead.has(p)) body.push(`${spend(d)}k = ${k}; continue main;`);
        else body.push(exit(p - p0, d, 0));
      },
      link(p, w) {
        body.push(set(getField(w, 'a'), `(vb + ${p + 1 - p0}) | 0`));
      },
      dynamic(p, w, d) {
        // rs is read before jalr writes rd; a target in this region is looked up (the return-address check)
        const link = w >>> OP === O.jalr ? set(getField(w, 'a'), `(vb + ${p + 1 - p0}) | 0`) : '';
        body.push(
          `{ const t = ${reg(getField(w, 'b'))}; ${link} if ((t >>> 0) < limit) { const o = t - vb; if (o >= 0 && o < ${L.span}) { const j = IX[o]; if (j >= 0) { ${spend(d)}k = j; continue main; } } } ${exit(0, d, 0, '', 't')} }`,
        );
      },
    };
    const longest = walk(env, inRegion, isHead, h, emitter, null, covered);
    verify.push(Int32Array.from([...covered].sort((a, b) => a - b), (p) => p - p0));
    const text = body.join('\n').split(MAXP).join(String(longest));
    out.push(
      `case ${j}: {`,
      `if (n < ${longest}) ${exit(ho, 0, 0)}`,
      `if (V[${j}] !== ep) { if (!same(E, p0, W, M, L${j})) ${exit(ho, 0, CODE_CHANGED)} V[${j}] = ep; }`,
      loops ? `t${j}: for (;;) {\n${text}\n}` : text,
      '}',
    );
  });

  const regs = [...used].sort((x, y) => x - y);
  const src = [
    'return function region(R, E, C, base, limit, p0, k, n, X, V, ep) {',
    'const vb = (p0 - base) | 0; // the virtual address of offset 0',
    'const n0 = n;',
    regs.length ? `let ${regs.map((r) => `r${r} = R[${r}]`).join(', ')};` : '',
    'let ex = 0, xi = 0, xp = 0;',
    'main: for (;;) {',
    'switch (k) {',
    ...out,
    'default: break main;', // unreachable: the CPU enters at a head (exit 0: leave at offset 0, nothing done)
    '}',
    '}',
    [...written].sort((x, y) => x - y).map((r) => `R[${r}] = r${r};`).join(' '),
    'n -= ED[ex];',
    'X[0] = EY[ex] !== 0 ? xp : (vb + EP[ex]) | 0;',
    'X[1] = EC[ex];',
    'X[2] = xi;',
    'return n0 - n;',
    '};',
  ].join('\n');
  const lists = verify.map((_, j) => `L${j}`);
  const table = (a: number[]) => Int32Array.from(a);
  const fn = new Function('W', 'M', 'IX', 'same', 'EP', 'ED', 'EC', 'EY', ...lists, src)(
    W, M, IX, same, table(exPc), table(exDid), table(exCause), table(exDyn), ...verify,
  ) as RegionFn;
  const words = Int32Array.from(L.words, (p) => p - p0);
  const marked = Int32Array.from(L.words.filter((_, i) => !L.fields[i]), (p) => p - p0);
  return { fn, heads, words, marked, W, M, span: L.span, calls: 0 };
}

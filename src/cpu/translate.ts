/**
 * The region translator: the CPU's fast path for hot code.
 *
 * When a branch target becomes hot, the translator takes it and every block
 * statically reachable from it — branch targets, jump and call targets, the
 * return address after each call, fall-through — up to MAX_REGION
 * instructions, and turns the whole region into one JavaScript function
 * (the way v86 compiles whole regions, not single blocks):
 *
 *   - each block is a superblock of innocuous instructions with its
 *     registers in JS locals; a forward branch inside it is a nested `if`,
 *     a branch back to its own start is a JS loop;
 *   - blocks are the cases of a `switch` inside one loop, so a branch, a
 *     jump, a call (`jal`) or a return (`jr`, through a table from address
 *     to block: the return-address check) that lands on another block of
 *     the region goes there directly, without returning to the dispatcher;
 *   - anything else (a target outside the region, svc, a control
 *     instruction, an undefined word) leaves the function with the next pc,
 *     and the CPU's run loop continues there: another region or the
 *     interpreter.
 *
 * The translation is exact, instruction for instruction:
 *   - a block runs only if the remaining budget (the step limit, or the
 *     timer's burst) covers all of it, and a loop stops going round when the
 *     next pass would not fit, so steps and the timer count exactly as in
 *     the interpreter;
 *   - every load and store checks relocation and leaves with the trap at the
 *     right instruction, having completed exactly the instructions before it;
 *   - a store that hits translated code (a bitmap kept by the CPU) leaves
 *     right after the store, and the CPU drops the translations it hit;
 *   - storage can also change while the CPU is not running (a monitor, a
 *     loader, a debugger, a test): each block compares its words with the
 *     ones it was translated from on its first entry in every run() call
 *     (the CPU's epoch), and leaves if they differ.
 *
 * The generated code does not depend on where the region lies: addresses
 * are offsets from the region's first word (p0, a parameter). One function
 * serves the same code at any address, in any CPU of this process (1000
 * VMs running one program share it, and a new machine starts with code that
 * V8 has already optimized): `templateFor` keeps them by content.
 *
 * Opcodes and fields come from isa/, as in the interpreter.
 */
import { BY_OPCODE, CAUSES, FIELDS, FORMATS, OPCODE, getField, getSigned } from '../isa/table.js';

/**
 * (R, E, C, base, limit, p0, k, n, X, V, ep) → instructions completed.
 * R registers, E storage, C code bitmap, base/limit relocation, p0 the
 * physical address of the region's first word, k the block to enter, n the
 * budget, V the epoch each block was last checked in, ep the CPU's epoch.
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

/** X[1] after a store into translated code (X[2] = the physical word); execution goes on at X[0] */
export const CODE_HIT = -1;
/** X[1] when a block's words were changed while the CPU was not running; X[0] = the block's start */
export const CODE_CHANGED = -2;

/** A translated region, independent of where it lies (shared by every placement of the same code). */
export interface Region {
  readonly fn: RegionFn;
  /** each block's first word, as an offset from p0 */
  readonly starts: Int32Array;
  /** each block's length in words */
  readonly lens: Int32Array;
  /** words covered: offsets 0 .. span-1 */
  readonly span: number;
  /** calls so far, while it is young (see WARM_CALLS) */
  calls: number;
}

/**
 * A new region's first calls get a short budget. V8 allocates a function's
 * type-feedback vector only after it has run for a while, so the code a first
 * call runs before that (here: the prologue, loading registers) has no feedback, and the
 * optimized code would deoptimize on it at every later call. A few short
 * calls give every part of the function its feedback before V8 optimizes it.
 */
export const WARM_CALLS = 4;
export const WARM_BUDGET = 4096;

/** The longest block (superblock) translated. */
export const MAX_BLOCK = 64;
/** The most instructions one region holds (V8 optimizes a function up to ~60 KB of bytecode; smaller compiles faster). */
export const MAX_REGION = 768;

const O = OPCODE;
const OP = FIELDS.op[1];
const UIMM = (1 << (FIELDS.imm16[0] - FIELDS.imm16[1] + 1)) - 1;

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

/** What region formation needs to know about the CPU's storage and its other translations. */
export interface Surroundings {
  readonly E: Int32Array;
  /** reserved-bit mask per opcode (−1 for opcodes the ISA does not define) */
  readonly reserved: Int32Array;
  /** a word that keeps being rewritten: never translated */
  volatile(p: number): boolean;
  /** a block start another translation already covers: this region leaves to it instead of repeating it */
  covered(p: number): boolean;
}

/** A region's blocks before translation: physical starts and lengths. */
interface Plan {
  readonly p0: number;
  readonly starts: number[];
  readonly lens: number[];
  readonly span: number;
}

/** Instructions from `s` that one block takes (0 if the first is not translatable). */
function blockLength(env: Surroundings, s: number): number {
  const E = env.E;
  let i = 0;
  while (i < MAX_BLOCK && s + i < E.length) {
    const w = E[s + i]!;
    const op = w >>> OP;
    if ((w & env.reserved[op]!) !== 0 || KIND[op] === STOP || env.volatile(s + i)) break;
    i++;
    if (KIND[op] === END) break;
  }
  return i;
}

/** Static successors of the block at s (physical addresses; may lie outside storage). */
function successors(E: Int32Array, s: number, len: number, out: number[]): void {
  for (let i = 0; i < len; i++) {
    const w = E[s + i]!;
    const op = w >>> OP;
    const next = s + i + 1;
    if (KIND[op] === BRANCH) out.push(next + getSigned(w, 'imm16'));
    else if (op === O.jmp) out.push(next + getSigned(w, 'off24'));
    else if (op === O.jal) out.push(next + getSigned(w, 'off20'), next); // the callee, and the return address
    else if (op === O.jalr) out.push(next); // the return address
  }
  const last = E[s + len - 1]! >>> OP;
  if (KIND[last] !== END) out.push(s + len); // falls through
}

/** The blocks of the region entered at `entry`, breadth first; undefined if `entry` is not translatable. */
export function plan(env: Surroundings, entry: number): Plan | undefined {
  const E = env.E;
  const starts: number[] = [];
  const lens: number[] = [];
  const seen = new Set<number>();
  const queue = [entry];
  let total = 0;
  for (let q = 0; q < queue.length && total < MAX_REGION; q++) {
    const s = queue[q]!;
    if (seen.has(s)) continue;
    seen.add(s);
    if (s !== entry && env.covered(s)) continue;
    const len = Math.min(blockLength(env, s), MAX_REGION - total);
    if (len === 0) continue;
    starts.push(s);
    lens.push(len);
    total += len;
    const next: number[] = [];
    successors(E, s, len, next);
    for (const t of next) if (t >= 0 && t < E.length && !seen.has(t)) queue.push(t);
  }
  if (starts.length === 0 || starts[0] !== entry) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < starts.length; j++) {
    lo = Math.min(lo, starts[j]!);
    hi = Math.max(hi, starts[j]! + lens[j]!);
  }
  return { p0: lo, starts, lens, span: hi - lo };
}

/** The key of a plan's code: block layout and words, wherever it lies. */
function keyOf(E: Int32Array, p: Plan): string {
  const parts: string[] = [];
  for (let j = 0; j < p.starts.length; j++) parts.push(`${p.starts[j]! - p.p0}+${p.lens[j]}`);
  parts.push('|');
  for (let j = 0; j < p.starts.length; j++) {
    const s = p.starts[j]!;
    for (let i = 0; i < p.lens[j]!; i++) parts.push(String(E[s + i]));
  }
  return parts.join(',');
}

/** Translated regions of this process by content (insertion order: the oldest are dropped first). */
const TEMPLATES = new Map<string, Region>();
const MAX_TEMPLATES = 4096;

/**
 * The translation of a plan: from the cache if the same code was translated
 * before (anywhere, by any CPU), else generated now.
 */
export function templateFor(E: Int32Array, p: Plan): Region {
  const key = keyOf(E, p);
  let t = TEMPLATES.get(key);
  if (t === undefined) {
    t = generate(E, p);
    if (TEMPLATES.size >= MAX_TEMPLATES) TEMPLATES.delete(TEMPLATES.keys().next().value!);
    TEMPLATES.set(key, t);
  }
  return t;
}

/** Translated regions in this process's cache (for tests and reports). */
export function templateCount(): number {
  return TEMPLATES.size;
}

/** Do the `len` words at physical p still hold the region's words at offset `off`? */
function same(E: Int32Array, p: number, W: Int32Array, off: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (E[p + i] !== W[off + i]) return false;
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

function branchCondition(op: number, x: string, y: string): string {
  switch (op) {
    case O.beq: return `${x} === ${y}`;
    case O.bne: return `${x} !== ${y}`;
    case O.blt: return `${x} < ${y}`;
    case O.bge: return `${x} >= ${y}`;
    case O.bltu: return `(${x} >>> 0) < (${y} >>> 0)`;
    default: return `(${x} >>> 0) >= (${y} >>> 0)`; // bgeu
  }
}

/** Generate the region's function. Offsets below are from p0. */
function generate(E: Int32Array, p: Plan): Region {
  const nb = p.starts.length;
  const starts = new Int32Array(nb);
  const lens = new Int32Array(nb);
  const W = new Int32Array(p.span);
  const IX = new Int32Array(p.span).fill(-1);
  for (let j = 0; j < nb; j++) {
    starts[j] = p.starts[j]! - p.p0;
    lens[j] = p.lens[j]!;
    for (let i = 0; i < lens[j]!; i++) W[starts[j]! + i] = E[p.starts[j]! + i]!;
    IX[starts[j]!] = j;
  }

  const used = new Set<number>();
  const written = new Set<number>();
  for (let j = 0; j < nb; j++) for (let i = 0; i < lens[j]!; i++) for (const r of registersOf(W[starts[j]! + i]!)) if (r !== 0) used.add(r);
  const reg = (r: number) => (r === 0 ? '0' : `r${r}`);
  const set = (r: number, expr: string) => {
    if (r === 0) return ''; // r0 ignores writes (every expression here is free of side effects)
    written.add(r);
    return `r${r} = ${expr};`;
  };

  // Every way out of the function goes through one epilogue, by an exit
  // number: the exit points themselves then do no arithmetic and no stores
  // (V8 optimizes a path it has never run into a deoptimization; these are
  // the rarely taken ones), and the epilogue, taken on every call, has all
  // its type feedback after the first. Per exit: the pc to leave at (an
  // offset from p0), the instructions of the current pass completed
  // (less those skipped, if the block skips), and the cause.
  const exPc: number[] = [0];
  const exDid: number[] = [0];
  const exSk: number[] = [0];
  const exCause: number[] = [0];
  const exDyn: number[] = [0];
  const exit = (pcOff: number, did: number, sk: boolean, cause: number, info = '', dynamic = '') => {
    const id = exPc.length;
    exPc.push(pcOff);
    exDid.push(did);
    exSk.push(sk ? -1 : 0);
    exCause.push(cause);
    exDyn.push(dynamic ? 1 : 0);
    return `{ ex = ${id};${info ? ` xi = ${info};` : ''}${dynamic ? ` xp = ${dynamic};` : ''} break main; }`;
  };

  const out: string[] = [];
  for (let j = 0; j < nb; j++) {
    const S = starts[j]!;
    const L = lens[j]!;
    const word = (i: number) => W[S + i]!;
    const opAt = (i: number) => word(i) >>> OP;
    const last = word(L - 1);
    const lastOp = last >>> OP;
    const lastKind = KIND[lastOp]!;
    /** a branch or jmp at index i whose target is this block's start */
    const backToStart = (i: number) => {
      const w = word(i);
      const op = w >>> OP;
      if (KIND[op] === BRANCH) return getSigned(w, 'imm16') === -(i + 1);
      return op === O.jmp && getSigned(w, 'off24') === -(i + 1);
    };
    let loops = false;
    let skips = false;
    for (let i = 0; i < L; i++) {
      if (backToStart(i)) loops = true;
      const op = opAt(i);
      if (KIND[op] === BRANCH) {
        const t = i + 1 + getSigned(word(i), 'imm16');
        if (t > i + 1 && t <= L) skips = true;
      }
    }
    // Instructions completed after the first i of this pass (less those a forward branch skipped).
    const did = (i: number) => (skips ? `${i} - sk` : String(i));
    const spend = (i: number) => (i === 0 && !skips ? '' : `n -= ${did(i)};`);
    const trap = (i: number, cause: number, info: string) => exit(S + i, i, skips, cause, info);
    /** Go on at offset t after the first i instructions of this pass: the block there, or leave. */
    const goTo = (i: number, t: number) => {
      const b = t >= 0 && t < p.span ? IX[t]! : -1;
      return b >= 0 ? `${spend(i)} k = ${b}; continue main;` : exit(t, i, skips, 0);
    };
    /** The same, to a computed virtual address: a block of this region (the return-address check), or leave. */
    const goToDynamic = (i: number, t: string) =>
      `if ((${t} >>> 0) < limit) { const o = ${t} - vb; if (o >= 0 && o < ${p.span}) { const b = IX[o]; if (b >= 0) { ${spend(i)} k = b; continue main; } } } ${exit(0, i, skips, 0, '', t)}`;
    /** the next pass of this block's loop, if it fits the budget */
    const again = (i: number) => `{ ${spend(i + 1)} if (n < ${L}) ${exit(S, 0, false, 0)} continue b${j}; }`;

    out.push(`case ${j}: {`);
    out.push(`if (n < ${L}) ${exit(S, 0, false, 0)}`);
    out.push(`if (V[${j}] !== ep) { if (!same(E, p0 + ${S}, W, ${S}, ${L})) ${exit(S, 0, false, CODE_CHANGED)} V[${j}] = ep; }`);
    if (loops) out.push(`b${j}: for (;;) {`);
    if (skips) out.push('sk = 0;');

    const bodyEnd = lastKind === END ? L - 1 : L;
    // Forward branches to an instruction inside the block become nested `if`
    // regions: `open` holds the index each open region ends at, innermost last.
    const open: number[] = [];
    for (let i = 0; i < bodyEnd; i++) {
      while (open.length && open[open.length - 1] === i) {
        open.pop();
        out.push('}');
      }
      const w = word(i);
      const op = w >>> OP;
      const d = getField(w, 'a');
      const s = reg(getField(w, 'b'));
      const t = reg(getField(w, 'c'));
      const imm = getSigned(w, 'imm16');
      switch (op) {
        case O.add: out.push(set(d, `(${s} + ${t}) | 0`)); break;
        case O.sub: out.push(set(d, `(${s} - ${t}) | 0`)); break;
        case O.mul: out.push(set(d, `Math.imul(${s}, ${t})`)); break;
        case O.div: out.push(`if (${t} === 0) ${trap(i, CAUSES.ARITH, String(w))}`, set(d, `(${s} / ${t}) | 0`)); break;
        case O.rem: out.push(`if (${t} === 0) ${trap(i, CAUSES.ARITH, String(w))}`, set(d, `(${s} % ${t}) | 0`)); break;
        case O.and: out.push(set(d, `${s} & ${t}`)); break;
        case O.or: out.push(set(d, `${s} | ${t}`)); break;
        case O.xor: out.push(set(d, `${s} ^ ${t}`)); break;
        case O.shl: out.push(set(d, `${s} << ${t}`)); break;
        case O.shr: out.push(set(d, `(${s} >>> ${t}) | 0`)); break;
        case O.sra: out.push(set(d, `${s} >> ${t}`)); break;
        case O.slt: out.push(set(d, `${s} < ${t} ? 1 : 0`)); break;
        case O.sltu: out.push(set(d, `(${s} >>> 0) < (${t} >>> 0) ? 1 : 0`)); break;
        case O.addi: out.push(set(d, `(${s} + ${imm}) | 0`)); break;
        case O.slti: out.push(set(d, `${s} < ${imm} ? 1 : 0`)); break;
        case O.andi: out.push(set(d, `${s} & ${w & UIMM}`)); break;
        case O.ori: out.push(set(d, `${s} | ${w & UIMM}`)); break;
        case O.xori: out.push(set(d, `${s} ^ ${w & UIMM}`)); break;
        case O.shli: out.push(set(d, `${s} << ${getField(w, 'sh5')}`)); break;
        case O.shri: out.push(set(d, `(${s} >>> ${getField(w, 'sh5')}) | 0`)); break;
        case O.srai: out.push(set(d, `${s} >> ${getField(w, 'sh5')}`)); break;
        case O.lui: out.push(set(d, String(((w & UIMM) << 16) | 0))); break;
        case O.ld:
          out.push(`{ const a = (${s} + ${imm}) | 0; if ((a >>> 0) >= limit) ${trap(i, CAUSES.MEMORY, 'a')}`, `${set(d, 'E[base + a]')} }`);
          break;
        case O.st:
          // A store into translated code (this region's or another's) leaves right after it: the CPU drops what it hit.
          out.push(
            `{ const a = (${s} + ${imm}) | 0; if ((a >>> 0) >= limit) ${trap(i, CAUSES.MEMORY, 'a')}`,
            `const p = base + a; E[p] = ${reg(d)};`,
            `if ((C[p >>> 5] & (1 << p)) !== 0) ${exit(S + i + 1, i + 1, skips, CODE_HIT, 'p')} }`,
          );
          break;
        case O.nop:
          break;
        case O.beq: case O.bne: case O.blt: case O.bge: case O.bltu: case O.bgeu: {
          const cond = branchCondition(op, reg(getField(w, 'a')), reg(getField(w, 'b')));
          const to = i + 1 + imm; // target, as an index into the block
          const inner = open.length ? open[open.length - 1]! : bodyEnd;
          if (loops && backToStart(i)) out.push(`if (${cond}) ${again(i)}`);
          else if (to > i + 1 && to <= inner) {
            // skip instructions i+1 .. to-1 when taken, without leaving the block
            out.push(`if (${cond}) sk += ${to - i - 1}; else {`);
            open.push(to);
          } else if (to !== i + 1) out.push(`if (${cond}) { ${goTo(i + 1, S + to)} }`);
          break;
        }
        default:
          throw new Error(`translator: opcode ${op} has no translation`);
      }
    }
    while (open.length) {
      open.pop();
      out.push('}');
    }

    // The block's end: its final jump, or the fall-through.
    const next = S + L;
    if (lastKind === END) {
      const i = L - 1;
      const w = last;
      if (lastOp === O.jmp && loops && backToStart(i)) out.push(again(i));
      else if (lastOp === O.jmp) out.push(goTo(L, next + getSigned(w, 'off24')));
      else if (lastOp === O.jal) out.push(set(getField(w, 'a'), `(vb + ${next}) | 0`), goTo(L, next + getSigned(w, 'off20')));
      else if (lastOp === O.jr) out.push(`{ const t = ${reg(getField(w, 'b'))};`, goToDynamic(L, 't'), '}');
      // jalr: rs is read before rd is written
      else out.push(`{ const t = ${reg(getField(w, 'b'))};`, set(getField(w, 'a'), `(vb + ${next}) | 0`), goToDynamic(L, 't'), '}');
    } else {
      out.push(goTo(L, next));
    }
    if (loops) out.push('}');
    out.push('}');
  }

  const regs = [...used].sort((x, y) => x - y);
  const src = [
    'return function region(R, E, C, base, limit, p0, k, n, X, V, ep) {',
    'const vb = (p0 - base) | 0; // the virtual address of offset 0',
    'const n0 = n;',
    regs.length ? `let ${regs.map((r) => `r${r} = R[${r}]`).join(', ')};` : '',
    'let sk = 0, ex = 0, xi = 0, xp = 0;',
    'main: for (;;) {',
    'switch (k) {',
    ...out,
    'default: break main;', // unreachable: the CPU enters at a block (exit 0: leave at offset 0, nothing done)
    '}',
    '}',
    [...written].sort((x, y) => x - y).map((r) => `R[${r}] = r${r};`).join(' '),
    'n -= ED[ex] - (sk & EK[ex]);',
    'X[0] = EY[ex] !== 0 ? xp : (vb + EP[ex]) | 0;',
    'X[1] = EC[ex];',
    'X[2] = xi;',
    'return n0 - n;',
    '};',
  ].join('\n');
  const table = (a: number[]) => Int32Array.from(a);
  const fn = new Function('W', 'IX', 'same', 'EP', 'ED', 'EK', 'EC', 'EY', src)(W, IX, same, table(exPc), table(exDid), table(exSk), table(exCause), table(exDyn)) as RegionFn;
  return { fn, starts, lens, span: p.span, calls: 0 };
}

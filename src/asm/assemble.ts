/**
 * The PG32 assembler: parse → layout → resolve symbols → encode.
 *
 * - layout gives every statement its address and size. Pseudo-instruction
 *   sizes are decided here (isa/ASSEMBLER.md): `li`/`la` take one word when
 *   their value is already known at that point of the file (only symbols
 *   defined above) and fits a signed 16-bit immediate, else two.
 * - resolve evaluates every `.equ` (forward references allowed; cycles are
 *   errors).
 * - encode range-checks every operand against its field (widths come from
 *   isa/pg32.ts) and writes the words.
 *
 * Errors are data, never exceptions: `file:line:col: error: message`.
 */
import type { Image, Segment } from '../image.js';
import {
  BY_MNEMONIC,
  FIELDS,
  fieldMask,
  LOW,
  fieldWidth,
  opcodeWord,
  operandsOf,
  PG32,
  resolveIsa,
  sameIsa,
  setField,
  VARIANTS,
  type Extension,
  type FieldName,
  type Isa,
  type OperandSpec,
  type Spec,
} from '../isa/table.js';
import { PSEUDO_MNEMONICS, REGISTERS, REGISTER_SPELLINGS } from './lexer.js';
import { didYouMean } from './suggest.js';
import { CompactSourceMap, LazySourceLines, type LineRun } from './sourcemap.js';
import { allErrors, expandIncludes, IncludedSourceMap, mayInclude, type IncludeReader } from './include.js';
import {
  lineStarts,
  lineOf,
  parse,
  unescape,
  OK_EXPR,
  OK_MEM0,
  OK_MEMEXPR,
  OK_MEMNUM,
  OK_NUM,
  OK_REG,
  OK_STR,
  OK_SYM,
  SF_DIRECTIVE,
  SF_LABEL_IS_REG,
  type Expr,
  type Program,
} from './parser.js';

export interface AsmError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface AssembleOptions {
  /**
   * The instruction set the program is assembled for. A `.isa` directive in
   * the source that names another one is an error. Without this option the
   * program's own `.isa` decides, else pg32.
   */
  readonly isa?: Isa;
  /** reads the files named by `.include` (none given: `.include` is an error) */
  readonly include?: IncludeReader;
  /** where `isa` came from, for that error (e.g. `--isa`); default `the isa option` */
  readonly isaFrom?: string;
}

export interface AssembleResult {
  /** present exactly when there are no errors */
  readonly image?: Image;
  readonly errors: AsmError[];
}

export function formatError(e: AsmError): string {
  return `${e.file}:${e.line}:${e.col}: error: ${e.message}`;
}

/** The largest `.space` the assembler accepts (words). */
export const MAX_SPACE = 1 << 24;
const MAX_ADDR = 0xffffffffn;
const LI_MIN = -(2n ** 31n);
const LI_MAX = 2n ** 32n - 1n;
const LI_RANGE: [bigint, bigint] = [LI_MIN, LI_MAX];
const ADDR_RANGE: [bigint, bigint] = [0n, MAX_ADDR];

/** Kinds of operand as the checker sees them (pseudo-instructions included). */
type Shape = 'reg' | 'value' | 'mem' | 'target';
interface PseudoSpec {
  readonly operands: readonly { readonly name: string; readonly shape: Shape }[];
}
const P = (...ops: [string, Shape][]): PseudoSpec => ({ operands: ops.map(([name, shape]) => ({ name, shape })) });
/** Pseudo-instructions: operands; sizes and expansions are in `layoutPseudo` / `encodePseudo`. */
export const PSEUDOS: Readonly<Record<string, PseudoSpec>> = {
  li: P(['rd', 'reg'], ['imm32', 'value']),
  la: P(['rd', 'reg'], ['label', 'value']),
  mov: P(['rd', 'reg'], ['rs', 'reg']),
  not: P(['rd', 'reg'], ['rs', 'reg']),
  neg: P(['rd', 'reg'], ['rs', 'reg']),
  b: P(['label', 'target']),
  beqz: P(['rs', 'reg'], ['label', 'target']),
  bnez: P(['rs', 'reg'], ['label', 'target']),
  call: P(['label', 'target']),
  ret: P(),
  push: P(['rs', 'reg']),
  pop: P(['rd', 'reg']),
};

const SHAPES = new Map<Spec, { name: string; shape: Shape }[]>();
const shapesOf = (s: Spec) => {
  let r = SHAPES.get(s);
  if (!r) SHAPES.set(s, (r = operandsOf(s).map((o) => ({ name: o.name, shape: shapeOf(o) }))));
  return r;
};
const shapeOf = (o: OperandSpec): Shape => (o.kind === 'reg' ? 'reg' : o.kind === 'mem' ? 'mem' : o.kind === 'target' ? 'target' : 'value');

const spec = (m: string): Spec => {
  const s = BY_MNEMONIC.get(m);
  if (!s) throw new Error(`pg32 table lacks '${m}'`);
  return s;
};
const ADDI = spec('addi');
const LUI = spec('lui');
const ORI = spec('ori');
const SUB = spec('sub');

/** Signed range of a field, as bigints. */
const SIGNED = new Map<FieldName, [bigint, bigint]>();
const UNSIGNED = new Map<FieldName, [bigint, bigint]>();
export function signedRange(f: FieldName): [bigint, bigint] {
  let r = SIGNED.get(f);
  if (!r) {
    const h = 1n << BigInt(fieldWidth(f) - 1);
    SIGNED.set(f, (r = [-h, h - 1n]));
  }
  return r;
}
export function unsignedRange(f: FieldName): [bigint, bigint] {
  let r = UNSIGNED.get(f);
  if (!r) UNSIGNED.set(f, (r = [0n, (1n << BigInt(fieldWidth(f))) - 1n]));
  return r;
}
/** The same ranges as numbers (exact: every bound is below 2^33), for operands that are int32 literals. */
const NUM_RANGE = new Map<[bigint, bigint], [number, number]>();
const numRange = (r: [bigint, bigint]): [number, number] => {
  let n = NUM_RANGE.get(r);
  if (!n) NUM_RANGE.set(r, (n = [Number(r[0]), Number(r[1])]));
  return n;
};

/** One operand value for the low-level encoder: a number, or [offset, base register] for `mem`. */
export type Val = number | readonly [number, number];

/** Encode `spec` with already range-checked operand values (in the table's operand order). */
export function encodeFields(s: Spec, vals: readonly Val[]): number {
  let w = opcodeWord(s);
  const ops = operandsOf(s);
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    const v = vals[i]!;
    if (typeof v === 'number') w = setField(w, o.field, v);
    else {
      w = setField(w, o.field, v[0]);
      w = setField(w, o.baseField!, v[1]);
    }
  }
  return w;
}

/** `encodeFields` for operands that are all numbers, without an array per call. */
function enc(s: Spec, a: number, b = 0, c = 0): number {
  let w = opcodeWord(s);
  const ops = operandsOf(s);
  for (let i = 0; i < ops.length; i++) w = put(w, ops[i]!.field, i === 0 ? a : i === 1 ? b : c);
  return w;
}

/** Shift and mask of each field, for `put` (setField without the table lookups). */
const FIELD_LO = new Map<FieldName, number>();
const FIELD_MASK = new Map<FieldName, number>();
for (const f of Object.keys(FIELDS) as FieldName[]) {
  FIELD_LO.set(f, FIELDS[f][1]);
  FIELD_MASK.set(f, fieldMask(f));
}
const put = (w: number, f: FieldName, v: number): number => {
  const m = FIELD_MASK.get(f)!;
  return (w & ~m) | ((v << FIELD_LO.get(f)!) & m) | 0;
};

const LR = REGISTERS.get('lr')!;
const SP = REGISTERS.get('sp')!;
const TARGET_FIELD = new Map<Spec, FieldName>();
const targetField = (s: Spec): FieldName => {
  let f = TARGET_FIELD.get(s);
  if (f === undefined) TARGET_FIELD.set(s, (f = operandsOf(s).find((o) => o.kind === 'target')!.field));
  return f;
};

/** The syntax line of an instruction: `addi rd, rs, imm`. */
export function syntaxOf(mnemonic: string): string {
  const s = BY_MNEMONIC.get(mnemonic);
  const names = s ? operandsOf(s).map((o) => o.name) : ((Object.hasOwn(PSEUDOS, mnemonic) ? PSEUDOS[mnemonic] : undefined)?.operands.map((o) => o.name) ?? []);
  return names.length ? `${mnemonic} ${names.join(', ')}` : mnemonic;
}

interface Sym {
  readonly name: string;
  readonly kind: 'label' | 'equ';
  value: bigint | undefined;
  readonly expr: Expr | undefined;
  /** 0 unresolved, 1 resolving, 2 done, 3 failed (already reported) */
  state: number;
  readonly off: number;
  readonly line: number;
}

interface Chunk {
  origin: number;
  size: number;
  /** order in the source, for overlap messages */
  readonly seq: number;
  words?: Int32Array;
  /** index of the statement that emitted each word */
  owner?: Int32Array;
}

/** what a statement emits (at most one item each; None = nothing) */
const enum ItemKind {
  None,
  Real,
  Pseudo,
  Word,
  Str,
  Space,
}

/**
 * The items of the layout, one slot per statement (struct of arrays): kind,
 * chunk, position in the chunk, address and size; `extra` holds the Spec of
 * a real instruction or the bytes of a string.
 */
class Items {
  readonly kind: Uint8Array;
  readonly chunk: Int32Array;
  readonly at: Float64Array;
  readonly addr: Float64Array;
  readonly size: Int32Array;
  readonly extra: (Spec | Uint8Array | undefined)[];
  constructor(n: number) {
    this.kind = new Uint8Array(n);
    this.chunk = new Int32Array(n);
    this.at = new Float64Array(n);
    this.addr = new Float64Array(n);
    this.size = new Int32Array(n);
    this.extra = [];
    for (let i = 0; i < n; i++) this.extra.push(undefined);
  }
}

type LayoutFail = { name: string; off: number; later?: boolean } | undefined;

/** The directives, as ISA.md lists them. */
export const DIRECTIVES = ['.org', '.word', '.string', '.space', '.equ', '.entry', '.isa', '.include'] as const;

/** Mnemonics of every instruction of every variant, and the pseudo-instructions: what a misspelt mnemonic is compared with. */
const ALL_MNEMONICS: readonly string[] = [...BY_MNEMONIC.keys(), ...PSEUDO_MNEMONICS];

/** A word written where a register belongs that looks like one (`r16`, `R99`): say which registers there are. */
const NOT_A_REGISTER = /^r\d+$/i;
const notARegister = (name: string) => `'${name}' is not a register (registers are r0–r15, lr and sp)`;

/** The ISA names that add `ext`: the named variants that include it, then `pg32+ext`. */
function isasWith(ext: Extension): string {
  const named = Object.entries(VARIANTS)
    .filter(([, exts]) => exts.includes(ext))
    .map(([n]) => n);
  const all = [...named, `pg32+${ext}`];
  return all.length > 1 ? `${all.slice(0, -1).join(', ')} or ${all[all.length - 1]}` : all[0]!;
}

const hex = (n: number | bigint, pad = 4) => '0x' + n.toString(16).padStart(pad, '0');

const utf8 = new TextEncoder();

/** operand kinds that are expressions, memory operands */
const isExprKind = (k: number): boolean => k === OK_NUM || k === OK_SYM || k === OK_EXPR;
const isMemKind = (k: number): boolean => k === OK_MEM0 || k === OK_MEMNUM || k === OK_MEMEXPR;

class Assembler {
  readonly errs: { off: number; message: string }[] = [];
  readonly symbols = new Map<string, Sym>();
  readonly chunks: Chunk[] = [];
  readonly items: Items;
  /** layout mode: only symbols defined so far may be used */
  private layoutMode = false;
  private layoutFail: LayoutFail;
  private resolving: string[] = [];
  private entry: { expr: Expr; off: number; line: number } | undefined;
  /** the line of the `.isa` directive, once seen */
  isaLine = 0;
  /** the line of the first instruction, once seen (`.isa` must come before it) */
  private firstInstruction = 0;

  constructor(
    readonly prog: Program,
    readonly broken: Set<string>,
    /** the ISA instructions are checked against: the caller's, or the program's `.isa`, or pg32 */
    public isa: Isa,
    /** the caller's ISA, if it gave one, and where it came from */
    readonly requested: { isa: Isa; from: string } | undefined,
    readonly source: string,
  ) {
    this.items = new Items(prog.n);
  }

  err(off: number, message: string): void {
    this.errs.push({ off, message });
  }

  // ---------- expressions ----------

  /**
   * Evaluate exactly. In layout mode an unknown symbol makes the result
   * undefined without a message (the caller decides); otherwise every
   * failure is reported here, once, and undefined returned.
   */
  eval(e: Expr): bigint | undefined {
    if (typeof e === 'bigint') return e;
    switch (e.t) {
      case 'sym':
        return this.symValue(e.name, e.off);
      case 'neg': {
        const v = this.eval(e.e);
        return v === undefined ? undefined : -v;
      }
      default: {
        const l = this.eval(e.l);
        if (l === undefined) return undefined;
        const r = this.eval(e.r);
        if (r === undefined) return undefined;
        switch (e.t) {
          case '+':
            return l + r;
          case '-':
            return l - r;
          case '*':
            return l * r;
          case '/':
            if (r === 0n) {
              if (this.layoutMode) this.layoutFail ??= { name: '', off: e.off };
              else this.err(e.off, 'division by zero');
              return undefined;
            }
            return l / r; // BigInt division truncates toward zero
        }
      }
    }
  }

  /** Evaluate operand `o` (an expression or a memory operand's offset) like `eval`. */
  private evalOp(o: number): bigint | undefined {
    const P = this.prog;
    switch (P.kind[o]) {
      case OK_NUM:
      case OK_MEMNUM:
        return BigInt(P.num[o]!);
      case OK_SYM:
        return this.symValue(P.sideOf(o) as string, P.off[o]!);
      default:
        return this.eval(P.sideOf(o) as Expr);
    }
  }

  private symValue(name: string, off: number): bigint | undefined {
    const s = this.symbols.get(name);
    if (!s) {
      if (this.layoutMode) this.layoutFail ??= { name, off };
      else if (!this.broken.has(name)) this.err(off, NOT_A_REGISTER.test(name) ? notARegister(name) : `undefined symbol '${name}'${didYouMean(name, this.symbols.keys())}`);
      return undefined;
    }
    if (s.state === 2) return s.value;
    if (s.state === 3) return undefined;
    if (s.state === 1) {
      if (this.layoutMode) {
        this.layoutFail ??= { name, off };
        return undefined;
      }
      const from = this.resolving.indexOf(name);
      const cycle = [...this.resolving.slice(from), name].join(' → ');
      this.err(s.off, `circular definition of '${name}' (${cycle})`);
      for (const n of this.resolving.slice(from)) this.symbols.get(n)!.state = 3;
      return undefined;
    }
    // an .equ not yet evaluated
    s.state = 1;
    this.resolving.push(name);
    const v = this.eval(s.expr!);
    this.resolving.pop();
    if (s.state === 3) return undefined; // part of a reported cycle
    if (v === undefined) {
      if (this.layoutMode) {
        s.state = 0;
        // name the symbol as written at the outermost use, not the one deep inside
        if (this.layoutFail && this.layoutFail.name !== '') this.layoutFail = { name, off, later: true };
      } else s.state = 3;
      return undefined;
    }
    s.value = v;
    s.state = 2;
    return v;
  }

  /** Evaluate operand `o` with only the symbols defined above; undefined (and layoutFail set) if that is not enough. */
  private evalNowOp(o: number): bigint | undefined {
    this.layoutMode = true;
    this.layoutFail = undefined;
    const v = this.evalOp(o);
    this.layoutMode = false;
    return v;
  }

  // ---------- symbols ----------

  private define(name: string, off: number, line: number, kind: 'label' | 'equ', value: bigint | undefined, expr: Expr | undefined): void {
    if (REGISTER_SPELLINGS.has(name)) {
      // (every spelling in any case: the same test as REGISTERS.has(name.toLowerCase()), without a new string)
      this.err(off, `'${name}' is a register name and cannot be used as a symbol`);
      return;
    }
    const old = this.symbols.get(name);
    if (old) {
      this.err(off, `duplicate symbol '${name}' (first defined on line ${old.line})`);
      return;
    }
    this.symbols.set(name, { name, kind, value, expr, state: kind === 'label' ? 2 : 0, off, line });
  }

  // ---------- operand shapes ----------

  /** How an operand is described in messages. */
  private found(o: number, str = 'a string'): string {
    const k = this.prog.kind[o]!;
    return k === OK_REG ? `register '${this.prog.regText(o)}'` : isMemKind(k) ? 'a memory operand' : k === OK_STR ? str : 'an expression';
  }

  private checkShapes(name: string, shapes: readonly { name: string; shape: Shape }[], st: number): boolean {
    const P = this.prog;
    const count = P.opCount[st]!;
    const base = P.opStart[st]!;
    if (count !== shapes.length) {
      const n = shapes.length;
      this.err(
        count > n ? P.off[base + n]! : P.opOff[st]!,
        `${name} takes ${n === 0 ? 'no operands' : n === 1 ? '1 operand' : `${n} operands`} (${syntaxOf(name)}), found ${count}`,
      );
      return false;
    }
    let ok = true;
    for (let i = 0; i < count; i++) {
      const want = shapes[i]!;
      const o = base + i;
      const got = P.kind[o]!;
      const fits = want.shape === 'reg' ? got === OK_REG : want.shape === 'mem' ? isMemKind(got) : isExprKind(got);
      if (!fits) {
        if (want.shape === 'reg' && got === OK_SYM && NOT_A_REGISTER.test(P.sideOf(o) as string)) {
          this.err(P.off[o]!, `${name}: ${notARegister(P.sideOf(o) as string)}`);
          ok = false;
          continue;
        }
        const expected =
          want.shape === 'reg'
            ? 'a register'
            : want.shape === 'mem'
              ? 'a memory operand imm(rs) or (rs)'
              : want.shape === 'target'
                ? 'a label or address'
                : 'an expression';
        const forWhat = want.shape === 'mem' ? '' : ` for ${want.name}`;
        this.err(P.off[o]!, `${name}: expected ${expected}${forWhat} (${syntaxOf(name)}), found ${this.found(o)}`);
        ok = false;
      }
    }
    return ok;
  }

  // ---------- layout ----------

  layout(): void {
    let chunk: Chunk = { origin: LOW.LOAD_ORIGIN, size: 0, seq: 0 };
    let chunkIdx = 0;
    this.chunks.push(chunk);
    let addr: number = LOW.LOAD_ORIGIN;
    const P = this.prog;
    const it = this.items;
    const emit = (kind: ItemKind, stmt: number, size: number, extra: Spec | Uint8Array | undefined) => {
      if (addr + size > 0x1_0000_0000) {
        this.err(P.opOff[stmt]!, `address ${hex(addr + size - 1, 8)} is beyond the 32-bit address space`);
        return;
      }
      it.kind[stmt] = kind;
      it.chunk[stmt] = chunkIdx;
      it.at[stmt] = chunk.size;
      it.addr[stmt] = addr;
      it.size[stmt] = size;
      it.extra[stmt] = extra;
      chunk.size += size;
      addr += size;
    };
    for (let i = 0; i < P.n; i++) {
      const label = P.label[i];
      if (label !== undefined) {
        if (P.flags[i]! & SF_LABEL_IS_REG) this.err(P.labelOff[i]!, `'${label}' is a register name and cannot be used as a symbol`);
        else this.define(label, P.labelOff[i]!, P.line[i]!, 'label', BigInt(addr), undefined);
      }
      const opText = P.op[i];
      if (opText === undefined) continue;
      const op = opText.toLowerCase();
      const base = P.opStart[i]!;
      const count = P.opCount[i]!;
      if (P.flags[i]! & SF_DIRECTIVE) {
        switch (op) {
          case '.org': {
            if (!this.checkShapes('.org', [{ name: 'address', shape: 'value' }], i)) break;
            const v = this.layoutValue('.org', base);
            if (v === undefined) break;
            if (v < 0n || v > MAX_ADDR) {
              this.err(P.off[base]!, `address ${v} out of range 0..${MAX_ADDR} for .org`);
              break;
            }
            addr = Number(v);
            if (chunk.size === 0) chunk.origin = addr;
            else {
              chunkIdx = this.chunks.length;
              chunk = { origin: addr, size: 0, seq: chunkIdx };
              this.chunks.push(chunk);
            }
            break;
          }
          case '.space': {
            if (!this.checkShapes('.space', [{ name: 'n', shape: 'value' }], i)) break;
            const v = this.layoutValue('.space', base);
            if (v === undefined) break;
            if (v < 0n || v > BigInt(MAX_SPACE)) {
              this.err(P.off[base]!, `size ${v} out of range 0..${MAX_SPACE} for .space`);
              break;
            }
            emit(ItemKind.Space, i, Number(v), undefined);
            break;
          }
          case '.word': {
            if (count === 0) {
              this.err(P.opOff[i]!, '.word takes one or more expressions (.word expr, ...), found none');
              break;
            }
            for (let o = base; o < base + count; o++) if (!isExprKind(P.kind[o]!)) this.err(P.off[o]!, `.word: expected an expression, found ${this.found(o, 'a string (use .string)')}`);
            emit(ItemKind.Word, i, count, undefined);
            break;
          }
          case '.string': {
            if (count !== 1 || P.kind[base] !== OK_STR) {
              this.err(count > 0 && P.kind[base] !== OK_STR ? P.off[base]! : P.opOff[i]!, `.string takes one quoted string (.string "text")${count > 1 ? `, found ${count} operands` : ''}`);
              break;
            }
            const u = unescape((P.sideOf(base) as string).slice(1, -1));
            if (u.error) {
              this.err(P.off[base]!, u.error);
              break;
            }
            const bytes = utf8.encode(u.text);
            emit(ItemKind.Str, i, bytes.length + 1, bytes);
            break;
          }
          case '.equ': {
            if (count !== 2) {
              this.err(P.opOff[i]!, `.equ takes a name and an expression (.equ name, expr), found ${count} operand${count === 1 ? '' : 's'}`);
              break;
            }
            const n = base;
            const e = base + 1;
            if (P.kind[n] === OK_REG) {
              this.err(P.off[n]!, `'${P.regText(n)}' is a register name and cannot be used as a symbol`);
              break;
            }
            const ne = isExprKind(P.kind[n]!) ? P.expr(n) : undefined;
            if (ne === undefined || typeof ne === 'bigint' || ne.t !== 'sym') {
              this.err(P.off[n]!, '.equ: expected a symbol name (.equ name, expr)');
              break;
            }
            if (!isExprKind(P.kind[e]!)) {
              this.err(P.off[e]!, '.equ: expected an expression (.equ name, expr)');
              break;
            }
            this.define(ne.name, P.off[n]!, P.line[i]!, 'equ', undefined, P.expr(e));
            break;
          }
          case '.entry': {
            if (!this.checkShapes('.entry', [{ name: 'label', shape: 'value' }], i)) break;
            if (this.entry) {
              this.err(P.opOff[i]!, `duplicate .entry (the first is on line ${this.entry.line})`);
              break;
            }
            this.entry = { expr: P.expr(base), off: P.off[base]!, line: P.line[i]! };
            break;
          }
          case '.isa':
            this.isaDirective(i);
            break;
          case '.include':
            // expanded before assembly (include.ts); one left here had nothing to read it
            this.err(P.opOff[i]!, '.include needs a file reader (the tool assembling this does not read other files)');
            break;
          default:
            this.err(P.opOff[i]!, `unknown directive '${opText}'${didYouMean(op, DIRECTIVES) || ` (the directives are ${DIRECTIVES.join(' ')})`}`);
        }
        continue;
      }
      // an instruction
      if (this.firstInstruction === 0) this.firstInstruction = P.line[i]!;
      const real = BY_MNEMONIC.get(op);
      if (real) {
        if (!this.isa.has(op)) {
          const ext = real.extension as Extension | undefined;
          const where = ext ? `; it is in ${isasWith(ext)}${this.requested || this.isaLine ? '' : ' (say which with .isa NAME before the first instruction)'}` : '';
          this.err(P.opOff[i]!, `instruction '${op}' is not in ISA ${this.isa.name}${where}`);
        }
        else if (this.checkShapes(op, shapesOf(real), i)) {
          emit(ItemKind.Real, i, 1, real);
          continue;
        }
        emit(ItemKind.Space, i, 1, undefined); // keep the addresses of what follows
        continue;
      }
      const pseudo = Object.hasOwn(PSEUDOS, op) ? PSEUDOS[op] : undefined; // not inherited keys: '__proto__', 'constructor'
      if (!pseudo) {
        this.err(P.opOff[i]!, `unknown mnemonic '${opText}'${didYouMean(op, ALL_MNEMONICS)}`);
        continue;
      }
      if (!this.checkShapes(op, pseudo.operands, i)) {
        emit(ItemKind.Space, i, 1, undefined);
        continue;
      }
      emit(ItemKind.Pseudo, i, this.pseudoSize(op, i), undefined);
    }
  }

  /**
   * `.isa NAME` (ISA.md): the ISA the program is written for, any name
   * `--isa` takes; at most once, before the first instruction. The name is
   * taken as written (`pg32-x86` parses as an expression, `pg32+getr` too),
   * or from a quoted string.
   */
  private isaDirective(i: number): void {
    const P = this.prog;
    const base = P.opStart[i]!;
    const count = P.opCount[i]!;
    const kind = P.kind[base];
    if (count !== 1 || kind === undefined || !(isExprKind(kind) || kind === OK_STR)) {
      this.err(count > 1 ? P.off[base + 1]! : P.opOff[i]!, '.isa takes one ISA name (.isa pg32-x86)');
      return;
    }
    if (this.isaLine) {
      this.err(P.opOff[i]!, `duplicate .isa (the first is on line ${this.isaLine})`);
      return;
    }
    if (this.firstInstruction) {
      this.err(P.opOff[i]!, `.isa must come before the first instruction (line ${this.firstInstruction})`);
      return;
    }
    this.isaLine = P.line[i]!;
    const name = kind === OK_STR ? (P.sideOf(base) as string).slice(1, -1) : this.operandText(base);
    const r = resolveIsa(name);
    if ('error' in r) {
      this.err(P.off[base]!, r.error);
      return;
    }
    if (this.requested && !sameIsa(r, this.requested.isa)) {
      this.err(P.off[base]!, `the program says .isa ${r.name} but ${this.requested.from} says ${this.requested.isa.name}`);
      this.isa = r; // the program's instructions are checked against its own ISA: one error, not one per instruction
      return;
    }
    this.isa = this.requested?.isa ?? r;
  }

  /** The source text of an operand that runs to the end of its line (before any comment). */
  private operandText(o: number): string {
    const from = this.prog.off[o]!;
    let to = from;
    const s = this.source;
    while (to < s.length && s[to] !== '\n' && s[to] !== '\r' && s[to] !== ';') to++;
    return s.slice(from, to).trim();
  }

  /** `.org`/`.space` operands: only symbols defined above. */
  private layoutValue(dir: string, o: number): bigint | undefined {
    const v = this.evalNowOp(o);
    if (v !== undefined) return v;
    const f = this.layoutFail;
    if (f && f.name === '') this.err(f.off, 'division by zero');
    else if (f && !this.broken.has(f.name))
      this.err(
        f.off,
        f.later
          ? `${dir} may only use symbols defined above it: '${f.name}' depends on something defined later`
          : `${dir} may only use symbols defined above it: '${f.name}' is not defined above`,
      );
    return undefined;
  }

  private pseudoSize(op: string, st: number): number {
    switch (op) {
      case 'li':
      case 'la': {
        const o = this.prog.opStart[st]! + 1;
        if (this.prog.kind[o] === OK_NUM) {
          const n = this.prog.num[o]!; // an int32: in range, and its own signed 32-bit reading
          return n >= -32768 && n <= 32767 ? 1 : 2;
        }
        const v = this.evalNowOp(o);
        if (v === undefined || v < LI_MIN || v > LI_MAX) return 2;
        const s = BigInt.asIntN(32, v);
        return s >= -32768n && s <= 32767n ? 1 : 2;
      }
      case 'not':
      case 'push':
      case 'pop':
        return 2;
      default:
        return 1;
    }
  }

  // ---------- resolve ----------

  resolve(): void {
    for (const s of this.symbols.values()) if (s.kind === 'equ' && s.state === 0) this.symValue(s.name, s.off);
  }

  // ---------- encode ----------

  /** Range-check `v` and return it as a number, or report and return undefined. */
  private ranged(v: bigint | undefined, range: [bigint, bigint], what: string, name: string, off: number): number | undefined {
    if (v === undefined) return undefined;
    // (no destructuring on these paths: it would create an iterator per call)
    const lo = range[0];
    const hi = range[1];
    if (v < lo || v > hi) {
      this.err(off, `${what} ${v} out of range ${lo}..${hi} for ${name}`);
      return undefined;
    }
    return Number(v);
  }

  /** `ranged` for operand `o`; an int32 literal is checked as a number (the same message). */
  private rangedOp(o: number, range: [bigint, bigint], what: string, name: string): number | undefined {
    const P = this.prog;
    const k = P.kind[o];
    if (k === OK_NUM || k === OK_MEMNUM) {
      const v = P.num[o]!;
      const r = numRange(range);
      const lo = r[0];
      const hi = r[1];
      if (v < lo || v > hi) {
        this.err(P.off[o]!, `${what} ${v} out of range ${lo}..${hi} for ${name}`);
        return undefined;
      }
      return v;
    }
    return this.ranged(this.evalOp(o), range, what, name, P.off[o]!);
  }

  private target(o: number, field: FieldName, addr: number, name: string): number | undefined {
    const P = this.prog;
    if (P.kind[o] === OK_SYM) {
      // a label: all in numbers (an address is below 2^32)
      const sym = P.sideOf(o) as string;
      const s = this.symbols.get(sym);
      if (s !== undefined && s.kind === 'label' && s.state === 2 && s.value !== undefined) {
        const t = Number(s.value);
        const off = t - (addr + 1);
        const r = numRange(signedRange(field));
        const lo = r[0];
        const hi = r[1];
        if (off < lo || off > hi) {
          this.err(P.off[o]!, `target '${sym}' (${hex(t)}) out of reach for ${name}: offset ${off} from the next instruction is not in ${lo}..${hi}`);
          return undefined;
        }
        return off;
      }
    }
    const e = P.expr(o);
    const t = this.eval(e);
    if (t === undefined) return undefined;
    const off = t - BigInt(addr + 1);
    const [lo, hi] = signedRange(field);
    if (off < lo || off > hi) {
      const what = typeof e !== 'bigint' && e.t === 'sym' ? `'${e.name}' (${hex(t)})` : hex(t);
      this.err(P.off[o]!, `target ${what} out of reach for ${name}: offset ${off} from the next instruction is not in ${lo}..${hi}`);
      return undefined;
    }
    return Number(off);
  }

  private encodeReal(s: Spec, st: number, addr: number, name = s.mnemonic as string): number | undefined {
    const P = this.prog;
    const specs = operandsOf(s);
    const base = P.opStart[st]!;
    let w = opcodeWord(s);
    let ok = true;
    for (let i = 0; i < specs.length; i++) {
      const o = specs[i]!;
      const op = base + i;
      let v: number | undefined;
      switch (o.kind) {
        case 'reg':
          v = P.reg[op]!;
          break;
        case 'simm16':
          v = this.rangedOp(op, signedRange(o.field), 'immediate', name);
          break;
        case 'uimm16':
          v = this.rangedOp(op, unsignedRange(o.field), o.name === 'port' ? 'port' : o.name === 'n' ? 'number' : 'immediate', name);
          break;
        case 'shamt':
          v = this.rangedOp(op, unsignedRange(o.field), 'shift amount', name);
          break;
        case 'mem': {
          v = P.kind[op] === OK_MEM0 ? 0 : this.rangedOp(op, signedRange(o.field), 'offset', name);
          w = put(w, o.baseField!, P.reg[op]!);
          break;
        }
        case 'target':
          v = this.target(op, o.field, addr, name);
          break;
      }
      if (v === undefined) ok = false;
      else w = put(w, o.field, v);
    }
    return ok ? w : undefined;
  }

  /** Write the words of a pseudo-instruction (isa/ASSEMBLER.md) at `words[at]`, or report. */
  private encodePseudo(op: string, st: number, addr: number, size: number, words: Int32Array, at: number): void {
    // no closures here: one is created per call (and named by tsx with defineProperty)
    const P = this.prog;
    const base = P.opStart[st]!;
    const count = P.opCount[st]!;
    const r0 = count > 0 && P.kind[base] === OK_REG ? P.reg[base]! : 0;
    const r1 = count > 1 && P.kind[base + 1] === OK_REG ? P.reg[base + 1]! : 0;
    const R0 = 0;
    switch (op) {
      case 'li':
      case 'la': {
        const v = this.rangedOp(base + 1, LI_RANGE, 'value', op);
        if (v === undefined) return;
        const u = v >>> 0;
        if (size === 1) words[at] = enc(ADDI, r0, R0, u | 0);
        else {
          words[at] = enc(LUI, r0, u >>> 16);
          words[at + 1] = enc(ORI, r0, r0, u & 0xffff);
        }
        return;
      }
      case 'mov':
        words[at] = enc(ADDI, r0, r1, 0);
        return;
      case 'not': // ~x = −x − 1, correct for any rd, rs (rd = rs included)
        words[at] = enc(SUB, r0, R0, r1);
        words[at + 1] = enc(ADDI, r0, r0, -1);
        return;
      case 'neg':
        words[at] = enc(SUB, r0, R0, r1);
        return;
      case 'b': {
        const t = this.target(base, targetField(spec('jmp')), addr, op);
        if (t !== undefined) words[at] = enc(spec('jmp'), t);
        return;
      }
      case 'beqz':
      case 'bnez': {
        const s = spec(op === 'beqz' ? 'beq' : 'bne');
        const t = this.target(base + 1, targetField(s), addr, op);
        if (t !== undefined) words[at] = enc(s, r0, R0, t);
        return;
      }
      case 'call': {
        const t = this.target(base, targetField(spec('jal')), addr, op);
        if (t !== undefined) words[at] = enc(spec('jal'), LR, t);
        return;
      }
      case 'ret':
        words[at] = encodeFields(spec('jr'), [LR]);
        return;
      case 'push':
        words[at] = encodeFields(ADDI, [SP, SP, -1]);
        words[at + 1] = encodeFields(spec('st'), [r0, [0, SP]]);
        return;
      case 'pop':
        words[at] = encodeFields(spec('ld'), [r0, [0, SP]]);
        words[at + 1] = encodeFields(ADDI, [SP, SP, 1]);
        return;
    }
  }

  encode(): void {
    for (const c of this.chunks) {
      c.words = new Int32Array(c.size);
      c.owner = new Int32Array(c.size);
    }
    const P = this.prog;
    const it = this.items;
    for (let i = 0; i < P.n; i++) {
      const kind = it.kind[i]!;
      if (kind === ItemKind.None) continue;
      const chunk = this.chunks[it.chunk[i]!]!;
      const words = chunk.words!;
      const at = it.at[i]!;
      const size = it.size[i]!;
      if (size === 1) chunk.owner![at] = i;
      else chunk.owner!.fill(i, at, at + size);
      switch (kind) {
        case ItemKind.Real: {
          const w = this.encodeReal(it.extra[i] as Spec, i, it.addr[i]!);
          if (w !== undefined) words[at] = w;
          break;
        }
        case ItemKind.Pseudo:
          this.encodePseudo(P.op[i]!.toLowerCase(), i, it.addr[i]!, size, words, at);
          break;
        case ItemKind.Word: {
          const base = P.opStart[i]!;
          const count = P.opCount[i]!;
          for (let k = 0; k < count; k++) {
            const o = base + k;
            const ok = P.kind[o]!;
            if (ok === OK_NUM) words[at + k] = P.num[o]!; // an int32: in range
            else if (ok === OK_SYM || ok === OK_EXPR) {
              const v = this.ranged(this.evalOp(o), LI_RANGE, 'value', '.word', P.off[o]!);
              if (v !== undefined) words[at + k] = v | 0;
            }
          }
          break;
        }
        case ItemKind.Str: {
          const b = it.extra[i] as Uint8Array;
          for (let k = 0; k < b.length; k++) words[at + k] = b[k]!;
          break;
        }
        case ItemKind.Space:
          break;
      }
    }
  }

  // ---------- image ----------

  entryPoint(): number | undefined {
    if (this.entry) {
      const v = this.ranged(this.eval(this.entry.expr), ADDR_RANGE, 'entry point', '.entry', this.entry.off);
      return v;
    }
    const start = this.symbols.get('start');
    if (start && start.kind === 'label' && start.value !== undefined) return Number(start.value);
    let lo: number | undefined;
    for (const c of this.chunks) if (c.size > 0 && (lo === undefined || c.origin < lo)) lo = c.origin;
    return lo ?? LOW.LOAD_ORIGIN;
  }

  /** Two words at one address: report each overlap once, at the later statement. */
  checkOverlaps(): Chunk[] {
    const P = this.prog;
    const cs = this.chunks.filter((c) => c.size > 0).sort((a, b) => a.origin - b.origin || a.seq - b.seq);
    let far: Chunk | undefined;
    for (const c of cs) {
      if (far && c.origin < far.origin + far.size) {
        const a = c.origin;
        const [early, late] = far.seq < c.seq ? [far, c] : [c, far];
        const lateIdx = late.owner![a - late.origin]!;
        const earlyIdx = early.owner![a - early.origin]!;
        this.err(P.op[lateIdx] !== undefined ? P.opOff[lateIdx]! : P.labelOff[lateIdx]!, `two words at address ${hex(a, 8)}: this statement overlaps words emitted by line ${P.line[earlyIdx]!}`);
      }
      if (!far || c.origin + c.size > far.origin + far.size) far = c;
    }
    return cs;
  }
}
/** Assemble `source` (named `file` in messages and the source map). Never throws for bad input. */
export function assemble(source: string, file: string, options: AssembleOptions = {}): AssembleResult {
  if (!mayInclude(source)) return assembleOne(source, file, options);
  // `.include`: assemble the expanded text, then tell every position in the file it came from.
  const x = expandIncludes(source, file, options.include);
  const r = assembleOne(x.source, file, options);
  const errors = allErrors(x, r.errors);
  if (errors.length > 0 || !r.image) return { errors };
  return { image: { ...r.image, sourceMap: new IncludedSourceMap(r.image.sourceMap, x), sources: x.texts }, errors: [] };
}

function assembleOne(source: string, file: string, options: AssembleOptions): AssembleResult {
  const requested = options.isa ? { isa: options.isa, from: options.isaFrom ?? 'the isa option' } : undefined;
  const parsed = parse(source);
  const A = new Assembler(parsed.prog, parsed.broken, options.isa ?? PG32, requested, source);
  for (const e of parsed.errors) A.err(e.off, e.message);
  A.layout();
  A.resolve();
  A.encode();
  const entry = A.entryPoint();
  const chunks = A.checkOverlaps();

  if (A.errs.length > 0) {
    const starts = lineStarts(source);
    const errors = A.errs
      .slice()
      .sort((a, b) => a.off - b.off)
      .map((e) => {
        const line = lineOf(starts, e.off);
        return { file, line, col: e.off - starts[line - 1]! + 1, message: e.message };
      });
    return { errors };
  }

  // segments: merge chunks that touch; the source map holds a line number per word
  const segments: Segment[] = [];
  const runs: LineRun[] = [];
  const stmtLine = A.prog.line;
  let run: Chunk[] = [];
  const flush = () => {
    if (!run.length) return;
    const origin = run[0]!.origin;
    const total = run.reduce((n, c) => n + c.size, 0);
    const words = run.length === 1 ? run[0]!.words! : new Int32Array(total);
    const lines = new Int32Array(total);
    for (const c of run) {
      if (run.length > 1) words.set(c.words!, c.origin - origin);
      const owner = c.owner!;
      const at = c.origin - origin;
      for (let k = 0; k < c.size; k++) lines[at + k] = stmtLine[owner[k]!]!;
    }
    segments.push({ origin, words });
    runs.push({ origin, lines });
    run = [];
  };
  for (const c of chunks) {
    const last = run[run.length - 1];
    if (last && last.origin + last.size !== c.origin) flush();
    run.push(c);
  }
  flush();

  const symbols = new Map<string, number>();
  const labels = new Set<string>();
  for (const s of A.symbols.values()) {
    if (s.value === undefined) continue;
    symbols.set(s.name, Number(s.value));
    if (s.kind === 'label') labels.add(s.name);
  }
  const image: Image = {
    entry: entry ?? LOW.LOAD_ORIGIN,
    segments,
    symbols,
    labels,
    sourceMap: new CompactSourceMap(file, runs),
    sources: new LazySourceLines(file, source),
    // recorded only when stated: a program without `.isa` runs on whatever ISA a tool is asked for
    ...(A.isaLine || requested ? { isa: A.isa.name } : {}),
  };
  return { image, errors: [] };
}

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
  ALL,
  BY_MNEMONIC,
  FIELDS,
  fieldMask,
  LOW,
  fieldWidth,
  opcodeWord,
  operandsOf,
  setField,
  type FieldName,
  type Isa,
  type OperandSpec,
  type Spec,
} from '../isa/table.js';
import { REGISTERS } from './lexer.js';
import { CompactSourceMap, LazySourceLines, type LineRun } from './sourcemap.js';
import { lineStarts, lineOf, parse, unescape, type Expr, type Operand, type Stmt } from './parser.js';

export interface AsmError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface AssembleOptions {
  /** the instruction set programs may use; default ALL (every instruction, variants included) */
  readonly isa?: Isa;
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
  /** index into stmts of the statement that emitted each word */
  owner?: Int32Array;
}

const enum ItemKind {
  Real,
  Pseudo,
  Word,
  Str,
  Space,
}

interface Item {
  readonly kind: ItemKind;
  readonly stmt: number;
  readonly chunk: Chunk;
  readonly at: number;
  readonly addr: number;
  readonly size: number;
  readonly spec?: Spec;
  readonly bytes?: Uint8Array;
}

type LayoutFail = { name: string; off: number; later?: boolean } | undefined;

const hex = (n: number | bigint, pad = 4) => '0x' + n.toString(16).padStart(pad, '0');

const utf8 = new TextEncoder();

class Assembler {
  readonly errs: { off: number; message: string }[] = [];
  readonly symbols = new Map<string, Sym>();
  readonly chunks: Chunk[] = [];
  readonly items: Item[] = [];
  /** layout mode: only symbols defined so far may be used */
  private layoutMode = false;
  private layoutFail: LayoutFail;
  private resolving: string[] = [];
  private entry: { expr: Expr; off: number; line: number } | undefined;

  constructor(
    readonly stmts: Stmt[],
    readonly broken: Set<string>,
    readonly isa: Isa,
  ) {}

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

  private symValue(name: string, off: number): bigint | undefined {
    const s = this.symbols.get(name);
    if (!s) {
      if (this.layoutMode) this.layoutFail ??= { name, off };
      else if (!this.broken.has(name)) this.err(off, `undefined symbol '${name}'`);
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

  /** Evaluate with only the symbols defined above; undefined (and layoutFail set) if that is not enough. */
  private evalNow(e: Expr): bigint | undefined {
    this.layoutMode = true;
    this.layoutFail = undefined;
    const v = this.eval(e);
    this.layoutMode = false;
    return v;
  }

  // ---------- symbols ----------

  private define(name: string, off: number, line: number, kind: 'label' | 'equ', value: bigint | undefined, expr: Expr | undefined): void {
    if (REGISTERS.has(name.toLowerCase())) {
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

  private checkShapes(name: string, shapes: readonly { name: string; shape: Shape }[], st: Stmt): boolean {
    const ops = st.ops;
    if (ops.length !== shapes.length) {
      const n = shapes.length;
      this.err(
        ops.length > n ? ops[n]!.off : st.opOff,
        `${name} takes ${n === 0 ? 'no operands' : n === 1 ? '1 operand' : `${n} operands`} (${syntaxOf(name)}), found ${ops.length}`,
      );
      return false;
    }
    let ok = true;
    for (let i = 0; i < ops.length; i++) {
      const want = shapes[i]!;
      const o = ops[i]!;
      const got = o.k;
      const fits = want.shape === 'reg' ? got === 'reg' : want.shape === 'mem' ? got === 'mem' : got === 'expr';
      if (!fits) {
        const expected =
          want.shape === 'reg'
            ? 'a register'
            : want.shape === 'mem'
              ? 'a memory operand imm(rs) or (rs)'
              : want.shape === 'target'
                ? 'a label or address'
                : 'an expression';
        const found = got === 'reg' ? `register '${o.text}'` : got === 'mem' ? 'a memory operand' : got === 'str' ? 'a string' : 'an expression';
        const forWhat = want.shape === 'mem' ? '' : ` for ${want.name}`;
        this.err(o.off, `${name}: expected ${expected}${forWhat} (${syntaxOf(name)}), found ${found}`);
        ok = false;
      }
    }
    return ok;
  }

  // ---------- layout ----------

  layout(): void {
    let chunk: Chunk = { origin: LOW.LOAD_ORIGIN, size: 0, seq: 0 };
    this.chunks.push(chunk);
    let addr: number = LOW.LOAD_ORIGIN;
    const stmts = this.stmts;
    const emit = (kind: ItemKind, stmt: number, size: number, extra?: { spec?: Spec; bytes?: Uint8Array }) => {
      if (addr + size > 0x1_0000_0000) {
        this.err(stmts[stmt]!.opOff, `address ${hex(addr + size - 1, 8)} is beyond the 32-bit address space`);
        return;
      }
      this.items.push({ kind, stmt, chunk, at: chunk.size, addr, size, spec: extra?.spec, bytes: extra?.bytes });
      chunk.size += size;
      addr += size;
    };
    for (let i = 0; i < stmts.length; i++) {
      const st = stmts[i]!;
      if (st.label !== undefined) {
        if (st.labelIsReg) this.err(st.labelOff, `'${st.label}' is a register name and cannot be used as a symbol`);
        else this.define(st.label, st.labelOff, st.line, 'label', BigInt(addr), undefined);
      }
      if (st.op === undefined) continue;
      const op = st.op.toLowerCase();
      if (st.isDirective) {
        switch (op) {
          case '.org': {
            if (!this.checkShapes('.org', [{ name: 'address', shape: 'value' }], st)) break;
            const v = this.layoutValue('.org', st.ops[0]!);
            if (v === undefined) break;
            if (v < 0n || v > MAX_ADDR) {
              this.err(st.ops[0]!.off, `address ${v} out of range 0..${MAX_ADDR} for .org`);
              break;
            }
            addr = Number(v);
            if (chunk.size === 0) chunk.origin = addr;
            else {
              chunk = { origin: addr, size: 0, seq: this.chunks.length };
              this.chunks.push(chunk);
            }
            break;
          }
          case '.space': {
            if (!this.checkShapes('.space', [{ name: 'n', shape: 'value' }], st)) break;
            const v = this.layoutValue('.space', st.ops[0]!);
            if (v === undefined) break;
            if (v < 0n || v > BigInt(MAX_SPACE)) {
              this.err(st.ops[0]!.off, `size ${v} out of range 0..${MAX_SPACE} for .space`);
              break;
            }
            emit(ItemKind.Space, i, Number(v));
            break;
          }
          case '.word': {
            if (st.ops.length === 0) {
              this.err(st.opOff, '.word takes one or more expressions (.word expr, ...), found none');
              break;
            }
            for (const o of st.ops) if (o.k !== 'expr') this.err(o.off, `.word: expected an expression, found ${o.k === 'reg' ? `register '${o.text}'` : o.k === 'str' ? 'a string (use .string)' : 'a memory operand'}`);
            emit(ItemKind.Word, i, st.ops.length);
            break;
          }
          case '.string': {
            const o = st.ops[0];
            if (st.ops.length !== 1 || !o || o.k !== 'str') {
              this.err(o && o.k !== 'str' ? o.off : st.opOff, `.string takes one quoted string (.string "text")${st.ops.length > 1 ? `, found ${st.ops.length} operands` : ''}`);
              break;
            }
            const u = unescape(o.raw.slice(1, -1));
            if (u.error) {
              this.err(o.off, u.error);
              break;
            }
            const bytes = utf8.encode(u.text);
            emit(ItemKind.Str, i, bytes.length + 1, { bytes });
            break;
          }
          case '.equ': {
            const [n, e] = st.ops;
            if (st.ops.length !== 2) {
              this.err(st.opOff, `.equ takes a name and an expression (.equ name, expr), found ${st.ops.length} operand${st.ops.length === 1 ? '' : 's'}`);
              break;
            }
            if (n!.k === 'reg') {
              this.err(n!.off, `'${n!.text}' is a register name and cannot be used as a symbol`);
              break;
            }
            if (n!.k !== 'expr' || typeof n!.e === 'bigint' || n!.e.t !== 'sym') {
              this.err(n!.off, '.equ: expected a symbol name (.equ name, expr)');
              break;
            }
            if (e!.k !== 'expr') {
              this.err(e!.off, '.equ: expected an expression (.equ name, expr)');
              break;
            }
            this.define(n!.e.name, n!.off, st.line, 'equ', undefined, e!.e);
            break;
          }
          case '.entry': {
            if (!this.checkShapes('.entry', [{ name: 'label', shape: 'value' }], st)) break;
            if (this.entry) {
              this.err(st.opOff, `duplicate .entry (the first is on line ${this.entry.line})`);
              break;
            }
            this.entry = { expr: (st.ops[0] as { e: Expr }).e, off: st.ops[0]!.off, line: st.line };
            break;
          }
          default:
            this.err(st.opOff, `unknown directive '${st.op}' (expected .org, .word, .string, .space, .equ or .entry)`);
        }
        continue;
      }
      // an instruction
      const real = BY_MNEMONIC.get(op);
      if (real) {
        if (!this.isa.has(op)) this.err(st.opOff, `instruction '${op}' is not in ISA ${this.isa.name}`);
        else if (this.checkShapes(op, shapesOf(real), st)) {
          emit(ItemKind.Real, i, 1, { spec: real });
          continue;
        }
        emit(ItemKind.Space, i, 1); // keep the addresses of what follows
        continue;
      }
      const pseudo = Object.hasOwn(PSEUDOS, op) ? PSEUDOS[op] : undefined; // not inherited keys: '__proto__', 'constructor'
      if (!pseudo) {
        this.err(st.opOff, `unknown mnemonic '${st.op}'`);
        continue;
      }
      if (!this.checkShapes(op, pseudo.operands, st)) {
        emit(ItemKind.Space, i, 1);
        continue;
      }
      emit(ItemKind.Pseudo, i, this.pseudoSize(op, st));
    }
  }

  /** `.org`/`.space` operands: only symbols defined above. */
  private layoutValue(dir: string, o: Operand): bigint | undefined {
    const e = (o as { e: Expr }).e;
    const v = this.evalNow(e);
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

  private pseudoSize(op: string, st: Stmt): number {
    switch (op) {
      case 'li':
      case 'la': {
        const v = this.evalNow((st.ops[1] as { e: Expr }).e);
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
  private ranged(v: bigint | undefined, [lo, hi]: [bigint, bigint], what: string, name: string, off: number): number | undefined {
    if (v === undefined) return undefined;
    if (v < lo || v > hi) {
      this.err(off, `${what} ${v} out of range ${lo}..${hi} for ${name}`);
      return undefined;
    }
    return Number(v);
  }

  private target(o: Operand, field: FieldName, addr: number, name: string): number | undefined {
    const e = (o as { e: Expr }).e;
    const t = this.eval(e);
    if (t === undefined) return undefined;
    const off = t - BigInt(addr + 1);
    const [lo, hi] = signedRange(field);
    if (off < lo || off > hi) {
      const what = typeof e !== 'bigint' && e.t === 'sym' ? `'${e.name}' (${hex(t)})` : hex(t);
      this.err(o.off, `target ${what} out of reach for ${name}: offset ${off} from the next instruction is not in ${lo}..${hi}`);
      return undefined;
    }
    return Number(off);
  }

  private encodeReal(s: Spec, st: Stmt, addr: number, name = s.mnemonic as string): number | undefined {
    const specs = operandsOf(s);
    let w = opcodeWord(s);
    let ok = true;
    for (let i = 0; i < specs.length; i++) {
      const o = specs[i]!;
      const op = st.ops[i]!;
      let v: number | undefined;
      switch (o.kind) {
        case 'reg':
          v = (op as { reg: number }).reg;
          break;
        case 'simm16':
          v = this.ranged(this.eval((op as { e: Expr }).e), signedRange(o.field), 'immediate', name, op.off);
          break;
        case 'uimm16':
          v = this.ranged(this.eval((op as { e: Expr }).e), unsignedRange(o.field), o.name === 'port' ? 'port' : o.name === 'n' ? 'number' : 'immediate', name, op.off);
          break;
        case 'shamt':
          v = this.ranged(this.eval((op as { e: Expr }).e), unsignedRange(o.field), 'shift amount', name, op.off);
          break;
        case 'mem': {
          const m = op as { e: Expr | undefined; reg: number };
          v = m.e === undefined ? 0 : this.ranged(this.eval(m.e), signedRange(o.field), 'offset', name, op.off);
          w = put(w, o.baseField!, m.reg);
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

  /** The words of a pseudo-instruction (isa/ASSEMBLER.md), or undefined after reporting. */
  private encodePseudo(op: string, st: Stmt, addr: number, size: number): number[] | undefined {
    // no closures here: one is created per call (and named by tsx with defineProperty)
    const ops = st.ops;
    const o0 = ops[0];
    const o1 = ops[1];
    const r0 = o0 !== undefined && o0.k === 'reg' ? o0.reg : 0;
    const r1 = o1 !== undefined && o1.k === 'reg' ? o1.reg : 0;
    const R0 = 0;
    switch (op) {
      case 'li':
      case 'la': {
        const v = this.ranged(this.eval((ops[1] as { e: Expr }).e), [LI_MIN, LI_MAX], 'value', op, ops[1]!.off);
        if (v === undefined) return undefined;
        const u = v >>> 0;
        if (size === 1) return [encodeFields(spec('addi'), [r0, R0, u | 0])];
        return [encodeFields(spec('lui'), [r0, u >>> 16]), encodeFields(spec('ori'), [r0, r0, u & 0xffff])];
      }
      case 'mov':
        return [encodeFields(spec('addi'), [r0, r1, 0])];
      case 'not': // ~x = −x − 1, correct for any rd, rs (rd = rs included)
        return [encodeFields(spec('sub'), [r0, R0, r1]), encodeFields(spec('addi'), [r0, r0, -1])];
      case 'neg':
        return [encodeFields(spec('sub'), [r0, R0, r1])];
      case 'b': {
        const t = this.target(ops[0]!, targetField(spec('jmp')), addr, op);
        return t === undefined ? undefined : [encodeFields(spec('jmp'), [t])];
      }
      case 'beqz':
      case 'bnez': {
        const s = spec(op === 'beqz' ? 'beq' : 'bne');
        const t = this.target(ops[1]!, targetField(s), addr, op);
        return t === undefined ? undefined : [encodeFields(s, [r0, R0, t])];
      }
      case 'call': {
        const t = this.target(ops[0]!, targetField(spec('jal')), addr, op);
        return t === undefined ? undefined : [encodeFields(spec('jal'), [LR, t])];
      }
      case 'ret':
        return [encodeFields(spec('jr'), [LR])];
      case 'push':
        return [encodeFields(spec('addi'), [SP, SP, -1]), encodeFields(spec('st'), [r0, [0, SP]])];
      case 'pop':
        return [encodeFields(spec('ld'), [r0, [0, SP]]), encodeFields(spec('addi'), [SP, SP, 1])];
    }
    return undefined;
  }

  encode(): void {
    for (const c of this.chunks) {
      c.words = new Int32Array(c.size);
      c.owner = new Int32Array(c.size);
    }
    for (const it of this.items) {
      const st = this.stmts[it.stmt]!;
      const words = it.chunk.words!;
      it.chunk.owner!.fill(it.stmt, it.at, it.at + it.size);
      switch (it.kind) {
        case ItemKind.Real: {
          const w = this.encodeReal(it.spec!, st, it.addr);
          if (w !== undefined) words[it.at] = w;
          break;
        }
        case ItemKind.Pseudo: {
          const ws = this.encodePseudo(st.op!.toLowerCase(), st, it.addr, it.size);
          if (ws) for (let k = 0; k < ws.length; k++) words[it.at + k] = ws[k]!;
          break;
        }
        case ItemKind.Word:
          for (let k = 0; k < st.ops.length; k++) {
            const o = st.ops[k]!;
            if (o.k !== 'expr') continue;
            const v = this.ranged(this.eval(o.e), [LI_MIN, LI_MAX], 'value', '.word', o.off);
            if (v !== undefined) words[it.at + k] = v | 0;
          }
          break;
        case ItemKind.Str: {
          const b = it.bytes!;
          for (let k = 0; k < b.length; k++) words[it.at + k] = b[k]!;
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
      const v = this.ranged(this.eval(this.entry.expr), [0n, MAX_ADDR], 'entry point', '.entry', this.entry.off);
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
    const cs = this.chunks.filter((c) => c.size > 0).sort((a, b) => a.origin - b.origin || a.seq - b.seq);
    let far: Chunk | undefined;
    for (const c of cs) {
      if (far && c.origin < far.origin + far.size) {
        const a = c.origin;
        const [early, late] = far.seq < c.seq ? [far, c] : [c, far];
        const lateIdx = late.owner![a - late.origin]!;
        const earlyIdx = early.owner![a - early.origin]!;
        const ls = this.stmts[lateIdx]!;
        this.err(ls.op !== undefined ? ls.opOff : ls.labelOff, `two words at address ${hex(a, 8)}: this statement overlaps words emitted by line ${this.stmts[earlyIdx]!.line}`);
      }
      if (!far || c.origin + c.size > far.origin + far.size) far = c;
    }
    return cs;
  }
}

/** Assemble `source` (named `file` in messages and the source map). Never throws for bad input. */
export function assemble(source: string, file: string, options: AssembleOptions = {}): AssembleResult {
  const isa = options.isa ?? ALL;
  const parsed = parse(source);
  const A = new Assembler(parsed.stmts, parsed.broken, isa);
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
  const stmts = A.stmts;
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
      for (let k = 0; k < c.size; k++) lines[at + k] = stmts[owner[k]!]!.line;
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
  };
  return { image, errors: [] };
}

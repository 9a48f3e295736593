/**
 * The PG32 assembly grammar (Chevrotain, embedded actions).
 *
 *   program  := line*
 *   line     := [ (Name | Register) ':' ] [ Directive operands | Name operands ] Newline
 *   operands := [ operand { ',' operand } ]
 *   operand  := Register | '(' Register ')' | expr [ '(' Register ')' ] | String
 *   expr     := atom { ('+' | '-' | '*' | '/') atom }   (* and / bind tighter; all left-associative)
 *   atom     := Number | Name | '-' atom | Char | '+' atom | '(' expr ')'
 *
 * The grammar is deliberately generic (any name with any operands): whether
 * a mnemonic exists and whether its operands have the right kinds is decided
 * against the ISA table afterwards, which gives better messages ("addi
 * expects rd, rs, imm") than a grammar error could.
 *
 * One parser instance is reused. A file is first parsed slice by slice with
 * recovery off by `fastProgram`, an LL(1) form of this grammar (fast). If
 * that fails, or the lexer found bad characters, the file is parsed again
 * line by line with `line` (the grammar above) so that every faulty line is
 * reported, each with one message, and the good lines still go on to the
 * later passes.
 */
import { EmbeddedActionsParser, EOF, createTokenInstance, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import {
  ALL_TOKENS,
  CharLit,
  Colon,
  Comma,
  Directive,
  LParen,
  Minus,
  Name,
  Newline,
  NumberLit,
  Plus,
  REGISTER_SPELLINGS,
  RParen,
  Register,
  Slash,
  Star,
  StringLit,
  lex,
  lexInto,
  type LexError,
} from './lexer.js';

export interface SymRef {
  readonly t: 'sym';
  readonly name: string;
  readonly off: number;
}
export interface Neg {
  readonly t: 'neg';
  readonly e: Expr;
  readonly off: number;
}
export interface Bin {
  readonly t: '+' | '-' | '*' | '/';
  readonly l: Expr;
  readonly r: Expr;
  /** offset of the operator */
  readonly off: number;
}
/** An expression: a literal (exact, as bigint) or a tree. */
export type Expr = bigint | SymRef | Neg | Bin;

export type Operand =
  | { readonly k: 'reg'; readonly reg: number; readonly text: string; readonly off: number }
  | { readonly k: 'expr'; readonly e: Expr; readonly off: number }
  | { readonly k: 'mem'; readonly e: Expr | undefined; readonly reg: number; readonly off: number }
  | { readonly k: 'str'; readonly raw: string; readonly off: number };

export interface Stmt {
  /** 1-based source line */
  readonly line: number;
  readonly label: string | undefined;
  readonly labelOff: number;
  /** the label was written as a register name (an error, reported later) */
  readonly labelIsReg: boolean;
  /** the mnemonic or directive as written (directives keep their dot) */
  readonly op: string | undefined;
  readonly opOff: number;
  readonly isDirective: boolean;
  readonly ops: Operand[];
}

export interface ParseError {
  readonly off: number;
  readonly message: string;
}

export interface ParseResult {
  /** the statements, compactly (see `Program`; `toStmts` gives the object form) */
  readonly prog: Program;
  readonly errors: ParseError[];
  /** names defined on lines that failed to parse: references to them are not reported again */
  readonly broken: Set<string>;
}

/*
 * Statements as compact data: a 100,000-line file becomes a few large typed
 * arrays instead of some 400,000 small objects that the garbage collector
 * would copy (twice) while the file is assembled. Statement i has operands
 * opStart[i] .. opStart[i] + opCount[i] - 1 in the operand arrays. An
 * operand is a kind (OK_*), an offset, a register and an int32 (`num`), and
 * `side`: what does not fit (an expression tree, a symbol's name, a
 * register's spelling, a string's raw text).
 */
/** a register: reg; num = its spelling's index in REGISTER_SPELLING_LIST */
export const OK_REG = 1;
/** an expression that is a literal fitting int32: num */
export const OK_NUM = 2;
/** an expression that is just a symbol (at the operand's offset): side = its name */
export const OK_SYM = 3;
/** any other expression: side = the Expr */
export const OK_EXPR = 4;
/** `(rs)`: reg */
export const OK_MEM0 = 5;
/** `imm(rs)` with a literal fitting int32: num, reg */
export const OK_MEMNUM = 6;
/** `expr(rs)`: side = the Expr, reg */
export const OK_MEMEXPR = 7;
/** a string: side = its raw text (quotes included) */
export const OK_STR = 8;

/** statement flags */
export const SF_LABEL_IS_REG = 1;
export const SF_DIRECTIVE = 2;

/** every spelling of every register name (REGISTER_SPELLINGS), numbered */
const REGISTER_SPELLING_LIST: string[] = [...REGISTER_SPELLINGS.keys()];
const REGISTER_SPELLING_REG: number[] = [...REGISTER_SPELLINGS.values()];
const REGISTER_SPELLING_INDEX = new Map<string, number>(REGISTER_SPELLING_LIST.map((w, i) => [w, i]));

const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

export class Program {
  /** statements */
  n = 0;
  line: Int32Array;
  labelOff: Int32Array;
  opOff: Int32Array;
  opStart: Int32Array;
  opCount: Int32Array;
  flags: Uint8Array;
  readonly label: (string | undefined)[] = [];
  readonly op: (string | undefined)[] = [];
  /** operands */
  m = 0;
  /** operands before this one belong to finished statements (the rest are dropped when a line fails) */
  committed = 0;
  kind: Uint8Array;
  off: Int32Array;
  reg: Int8Array;
  num: Int32Array;
  /** side data of SYM, EXPR, MEMEXPR and STR operands (their `num` is its index here) */
  readonly side: unknown[] = [];
  private committedSide = 0;

  constructor(stmtCap = 64) {
    const c = Math.max(16, stmtCap);
    this.line = new Int32Array(c);
    this.labelOff = new Int32Array(c);
    this.opOff = new Int32Array(c);
    this.opStart = new Int32Array(c);
    this.opCount = new Int32Array(c);
    this.flags = new Uint8Array(c);
    const oc = c * 3;
    this.kind = new Uint8Array(oc);
    this.off = new Int32Array(oc);
    this.reg = new Int8Array(oc);
    this.num = new Int32Array(oc);
  }

  /** drop the operands of a statement that was not finished */
  rollback(): void {
    this.m = this.committed;
    if (this.side.length > this.committedSide) this.side.length = this.committedSide;
  }

  addStmt(line: number, label: string | undefined, labelOff: number, flags: number, op: string | undefined, opOff: number): void {
    let i = this.n;
    if (i === this.line.length) this.growStmts();
    this.line[i] = line;
    this.labelOff[i] = labelOff;
    this.opOff[i] = opOff;
    this.flags[i] = flags;
    this.opStart[i] = this.committed;
    this.opCount[i] = this.m - this.committed;
    this.label.push(label);
    this.op.push(op);
    this.n = i + 1;
    this.committed = this.m;
    this.committedSide = this.side.length;
  }

  addOp(kind: number, off: number, reg: number, num: number): void {
    const o = this.m;
    if (o === this.kind.length) this.growOps();
    this.kind[o] = kind;
    this.off[o] = off;
    this.reg[o] = reg;
    this.num[o] = num;
    this.m = o + 1;
  }

  /** an operand with side data */
  addSideOp(kind: number, off: number, reg: number, side: unknown): void {
    this.addOp(kind, off, reg, this.side.length);
    this.side.push(side);
  }

  /** a register operand written `text` */
  addRegOp(off: number, text: string): void {
    const i = REGISTER_SPELLING_INDEX.get(text)!;
    this.addOp(OK_REG, off, REGISTER_SPELLING_REG[i]!, i);
  }

  /** the side data of operand `o` */
  sideOf(o: number): unknown {
    return this.side[this.num[o]!];
  }

  /** how register operand `o` was written */
  regText(o: number): string {
    return REGISTER_SPELLING_LIST[this.num[o]!]!;
  }

  /** an expression operand (`mem` with register `reg` if `memReg`) */
  addExprOp(e: Expr, off: number, mem: boolean, reg: number): void {
    if (typeof e === 'bigint') {
      if (e >= I32_MIN && e <= I32_MAX) this.addOp(mem ? OK_MEMNUM : OK_NUM, off, reg, Number(e));
      else this.addSideOp(mem ? OK_MEMEXPR : OK_EXPR, off, reg, e);
    } else if (!mem && e.t === 'sym' && e.off === off) this.addSideOp(OK_SYM, off, 0, e.name);
    else this.addSideOp(mem ? OK_MEMEXPR : OK_EXPR, off, reg, e);
  }

  private growStmts(): void {
    const c = this.line.length * 2;
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(c);
      b.set(a);
      return b;
    };
    this.line = g32(this.line);
    this.labelOff = g32(this.labelOff);
    this.opOff = g32(this.opOff);
    this.opStart = g32(this.opStart);
    this.opCount = g32(this.opCount);
    const f = new Uint8Array(c);
    f.set(this.flags);
    this.flags = f;
  }

  private growOps(): void {
    const c = this.kind.length * 2;
    const k = new Uint8Array(c);
    k.set(this.kind);
    this.kind = k;
    const o = new Int32Array(c);
    o.set(this.off);
    this.off = o;
    const r = new Int8Array(c);
    r.set(this.reg);
    this.reg = r;
    const n = new Int32Array(c);
    n.set(this.num);
    this.num = n;
  }

  /** Operand `o` as an expression (its kind must be NUM, SYM, EXPR, MEMNUM or MEMEXPR). */
  expr(o: number): Expr {
    switch (this.kind[o]) {
      case OK_NUM:
      case OK_MEMNUM:
        return BigInt(this.num[o]!);
      case OK_SYM:
        return { t: 'sym', name: this.sideOf(o) as string, off: this.off[o]! };
      default:
        return this.sideOf(o) as Expr;
    }
  }

  /** Operand `o` in the object form. */
  operand(o: number): Operand {
    const off = this.off[o]!;
    switch (this.kind[o]) {
      case OK_REG:
        return { k: 'reg', reg: this.reg[o]!, text: this.regText(o), off };
      case OK_MEM0:
        return { k: 'mem', e: undefined, reg: this.reg[o]!, off };
      case OK_MEMNUM:
      case OK_MEMEXPR:
        return { k: 'mem', e: this.expr(o), reg: this.reg[o]!, off };
      case OK_STR:
        return { k: 'str', raw: this.sideOf(o) as string, off };
      default:
        return { k: 'expr', e: this.expr(o), off };
    }
  }

  /** Statement `i` in the object form. */
  stmt(i: number): Stmt {
    const label = this.label[i];
    const op = this.op[i];
    const ops: Operand[] = [];
    for (let o = this.opStart[i]!, e = o + this.opCount[i]!; o < e; o++) ops.push(this.operand(o));
    return {
      line: this.line[i]!,
      label,
      labelOff: this.labelOff[i]!,
      labelIsReg: (this.flags[i]! & SF_LABEL_IS_REG) !== 0,
      op,
      opOff: this.opOff[i]!,
      isDirective: (this.flags[i]! & SF_DIRECTIVE) !== 0,
      ops,
    };
  }
}

/** Every statement in the object form (for tests and tools; the assembler reads `Program` directly). */
export function toStmts(p: Program): Stmt[] {
  const r: Stmt[] = [];
  for (let i = 0; i < p.n; i++) r.push(p.stmt(i));
  return r;
}

const describeTok = (t: IToken | undefined): string => {
  if (!t || t.tokenType === EOF) return 'end of input';
  if (t.tokenType === Newline) return 'end of line';
  return `'${t.image}'`;
};
const labelOf = (t: TokenType): string => t.LABEL ?? t.name;
const uniqueFirsts = (paths: TokenType[][]): string[] => {
  const s = new Set<string>();
  for (const p of paths) if (p[0]) s.add(labelOf(p[0]));
  return [...s];
};
const orList = (xs: string[]): string => (xs.length <= 1 ? (xs[0] ?? 'something else') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual, previous }) =>
    expected === Newline && previous && previous.tokenType !== Colon && previous.tokenType !== Directive && !tokenMatcher(previous, Name)
      ? `expected ',' or end of line but found ${describeTok(actual)}`
      : `expected ${labelOf(expected)} but found ${describeTok(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describeTok(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, customUserDescription }) =>
    `expected ${customUserDescription ?? orList(uniqueFirsts(expectedPathsPerAlt.flat()))} but found ${describeTok(actual[0])}`,
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, customUserDescription }) =>
    `expected ${customUserDescription ?? orList(uniqueFirsts(expectedIterationPaths))} but found ${describeTok(actual[0])}`,
};

/** Decode the escapes of a quoted literal's body; `error` names the first bad escape. */
export function unescape(body: string): { text: string; error?: string } {
  if (body.indexOf('\\') < 0) return { text: body };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
        out += "'";
        break;
      case '"':
        out += '"';
        break;
      default:
        return { text: out, error: `unknown escape '\\${n ?? ''}' (expected one of \\n \\t \\0 \\\\ \\' \\")` };
    }
  }
  return { text: out };
}

/** bigints of small literals are shared (they are immutable): fewer objects to keep while a file is assembled */
const SMALL = 1 << 16;
const SMALL_BIGINTS: (bigint | undefined)[] = new Array(SMALL).fill(undefined);
const NUMBER_FORM = /^(?:0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)$/;

/*
 * Performance note: every closure handed to Chevrotain (ALT, DEF, ACTION) is
 * created once, as an instance field, never per call: creating closures per
 * token (and, under tsx/esbuild, naming each one with Object.defineProperty)
 * made parsing ten times slower. Per-line state lives in fields; the
 * expression rules keep their partial results on a stack.
 */
class AsmParser extends EmbeddedActionsParser {
  prog = new Program();
  litErrors: ParseError[] = [];
  lineNo = 1;

  // state of the line being parsed
  private labelTok: IToken | undefined;
  private opTok: IToken | undefined;
  private isDirective = false;
  private memReg: IToken | undefined;
  private exprStack: Expr[] = [];

  /** clear per-parse state (after an error a rule may have stopped half-way) */
  resetState(): void {
    this.exprStack.length = 0;
  }

  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: false, maxLookahead: 3, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  // ----- line -----
  private readonly consumeName = () => this.CONSUME(Name);
  private readonly consumeRegister = () => this.CONSUME(Register);
  private readonly labelAlts = [{ ALT: this.consumeName }, { ALT: this.consumeRegister }];
  private readonly labelPart = () => {
    this.labelTok = this.OR(this.labelAlts);
    this.CONSUME(Colon);
  };
  private readonly directiveAlt = () => {
    this.opTok = this.CONSUME(Directive);
    this.isDirective = true;
    this.SUBRULE(this.operands);
  };
  private readonly instructionAlt = () => {
    this.opTok = this.CONSUME2(Name);
    this.SUBRULE2(this.operands);
  };
  private readonly statementAlts = [{ ALT: this.directiveAlt }, { ALT: this.instructionAlt }];
  private readonly statementPart = () => {
    this.OR2(this.statementAlts);
  };
  private readonly pushStmt = () => {
    const label = this.labelTok;
    const op = this.opTok;
    if (label || op)
      this.prog.addStmt(
        this.lineNo,
        label?.image,
        label ? label.startOffset : 0,
        (label && label.tokenType === Register ? SF_LABEL_IS_REG : 0) | (this.isDirective ? SF_DIRECTIVE : 0),
        op?.image,
        op ? op.startOffset : 0,
      );
    this.lineNo++;
  };

  /** the body of a line, shared by `program` (inlined: one rule call less per line) and `line` */
  private readonly lineBody = () => {
    this.labelTok = undefined;
    this.opTok = undefined;
    this.isDirective = false;
    this.prog.rollback();
    this.OPTION(this.labelPart);
    this.OPTION2(this.statementPart);
    this.CONSUME(Newline);
    this.ACTION(this.pushStmt);
  };

  program = this.RULE('program', () => {
    this.MANY(this.lineBody);
  });

  line = this.RULE('line', this.lineBody);

  // ----- operands -----
  private readonly regAlt = () => {
    const r = this.CONSUME(Register);
    if (!this.RECORDING_PHASE) this.prog.addRegOp(r.startOffset, r.image);
  };
  private readonly bareMemAlt = () => {
    const lp = this.CONSUME(LParen);
    const r = this.CONSUME2(Register);
    this.CONSUME(RParen);
    if (!this.RECORDING_PHASE) this.prog.addOp(OK_MEM0, lp.startOffset, REGISTER_SPELLINGS.get(r.image)!, 0);
  };
  private readonly memSuffix = () => {
    this.CONSUME2(LParen);
    this.memReg = this.CONSUME3(Register);
    this.CONSUME2(RParen);
  };
  private readonly exprAlt = () => {
    const start = this.LA(1).startOffset;
    const e = this.SUBRULE(this.expr);
    this.memReg = undefined;
    this.OPTION(this.memSuffix);
    if (this.RECORDING_PHASE) return;
    const r = this.memReg as IToken | undefined;
    this.prog.addExprOp(e, start, r !== undefined, r ? REGISTER_SPELLINGS.get(r.image)! : 0);
  };
  private readonly stringAlt = () => {
    const s = this.CONSUME(StringLit);
    if (!this.RECORDING_PHASE) this.prog.addSideOp(OK_STR, s.startOffset, 0, s.image);
  };
  private readonly operandAlts = {
    DEF: [{ ALT: this.regAlt }, { ALT: this.bareMemAlt }, { ALT: this.exprAlt }, { ALT: this.stringAlt }],
    ERR_MSG: 'an operand (a register, an expression, imm(rs) or a string)',
  };
  private readonly pushOperand = () => {
    this.OR(this.operandAlts);
  };
  private readonly operandsOpts = { SEP: Comma, DEF: this.pushOperand };

  operands = this.RULE('operands', () => {
    this.MANY_SEP(this.operandsOpts);
  });

  // ----- expressions: atoms joined by binary operators, folded by precedence -----
  private readonly consumePlus = () => this.CONSUME(Plus);
  private readonly consumeMinus = () => this.CONSUME(Minus);
  private readonly consumeStar = () => this.CONSUME(Star);
  private readonly consumeSlash = () => this.CONSUME(Slash);
  private readonly binOps = [{ ALT: this.consumePlus }, { ALT: this.consumeMinus }, { ALT: this.consumeStar }, { ALT: this.consumeSlash }];
  private readonly binTail = () => {
    const op = this.OR(this.binOps);
    const r = this.SUBRULE2(this.atom);
    if (!this.RECORDING_PHASE) this.exprStack.push(op as unknown as Expr, r);
  };

  expr = this.RULE('expr', (): Expr => {
    const st = this.exprStack;
    const base = st.length;
    st.push(this.SUBRULE(this.atom));
    this.MANY(this.binTail);
    if (this.RECORDING_PHASE) {
      st.length = base;
      return 0n;
    }
    return this.fold(base);
  });

  /** The expression on the stack from `base` ([a, op, b, op, c, ...]), removed from it and folded. */
  private fold(base: number): Expr {
    const st = this.exprStack;
    if (st.length === base + 1) return st.pop()!;
    // fold * and / first, then + and -, left to right
    const items = st.splice(base);
    const sums: (Expr | IToken)[] = [items[0] as Expr];
    for (let i = 1; i < items.length; i += 2) {
      const op = items[i] as unknown as IToken;
      const r = items[i + 1] as Expr;
      if (op.image === '*' || op.image === '/') sums[sums.length - 1] = { t: op.image, l: sums[sums.length - 1] as Expr, r, off: op.startOffset };
      else sums.push(op, r);
    }
    let e = sums[0] as Expr;
    for (let i = 1; i < sums.length; i += 2) {
      const op = sums[i] as IToken;
      e = { t: op.image as '+' | '-', l: e, r: sums[i + 1] as Expr, off: op.startOffset };
    }
    return e;
  }

  private readonly negAlt = (): Expr => {
    const m = this.CONSUME(Minus);
    const e = this.SUBRULE(this.atom);
    if (this.RECORDING_PHASE) return 0n;
    return typeof e === 'bigint' ? -e : { t: 'neg', e, off: m.startOffset };
  };
  private readonly plusAlt = (): Expr => {
    this.CONSUME(Plus);
    return this.SUBRULE2(this.atom);
  };
  private readonly numberAlt = (): Expr => {
    const n = this.CONSUME(NumberLit);
    return this.RECORDING_PHASE ? 0n : this.number(n);
  };
  private readonly charAlt = (): Expr => {
    const c = this.CONSUME(CharLit);
    return this.RECORDING_PHASE ? 0n : this.char(c);
  };
  private readonly symAlt = (): Expr => {
    const s = this.CONSUME3(Name);
    return this.RECORDING_PHASE ? 0n : { t: 'sym', name: s.image, off: s.startOffset };
  };
  private readonly parenAlt = (): Expr => {
    this.CONSUME(LParen);
    const e = this.SUBRULE(this.expr);
    this.CONSUME(RParen);
    return e;
  };
  private readonly atomAlts = {
    DEF: [{ ALT: this.numberAlt }, { ALT: this.symAlt }, { ALT: this.negAlt }, { ALT: this.charAlt }, { ALT: this.plusAlt }, { ALT: this.parenAlt }],
    ERR_MSG: 'an expression (a number, character, name or parenthesis)',
  };

  /** unary minus binds tighter than any binary operator: -a*b = (-a)*b, which is the same exact integer */
  atom = this.RULE('atom', (): Expr => this.OR(this.atomAlts));

  // ----- the fast path's grammar -----
  /*
   * `fastProgram` accepts the same lines as `line` and builds the same
   * statements, but it is one rule: a line, its operands and an operand's
   * first atom cost no rule call (in `line`, an operand needs three tokens of
   * lookahead and an expression operand two rule calls); only the label
   * needs two tokens of lookahead. It is used only on the fast
   * path, where any failure just sends the file to `line`, which gives the
   * messages; so it may reject more (it never accepts more): `fastFail` marks
   * what it reads but `line` would reject (a bare `(rs)` followed by more).
   */
  fastFail = false;
  private bareReg: IToken | undefined;
  private readonly fNameLabel = () => {
    this.labelTok = this.CONSUME7(Name);
  };
  /** `r1: ...` (reported later: a register is no label) */
  private readonly fRegLabel = () => {
    this.labelTok = this.CONSUME5(Register);
  };
  private readonly fLabelAlts = [{ ALT: this.fNameLabel }, { ALT: this.fRegLabel }];
  private readonly fLabel = () => {
    this.OR8(this.fLabelAlts);
    this.CONSUME5(Colon);
  };
  private readonly fDirOp = () => {
    this.opTok = this.CONSUME8(Directive);
    this.isDirective = true;
  };
  private readonly fNameOp = () => {
    this.opTok = this.CONSUME6(Name);
  };
  private readonly fOpAlts = [{ ALT: this.fDirOp }, { ALT: this.fNameOp }];
  /** the statement: its operands are read here, in the same rule (no rule call per line) */
  private readonly fStmt = () => {
    this.OR9(this.fOpAlts);
    this.MANY_SEP5(this.fOperandsOpts);
  };
  private readonly fLine = () => {
    this.labelTok = undefined;
    this.opTok = undefined;
    this.isDirective = false;
    this.prog.rollback();
    this.OPTION7(this.fLabel);
    this.OPTION8(this.fStmt);
    this.CONSUME5(Newline);
    this.ACTION(this.pushStmt);
  };

  // operands: the first atom of an expression is read here, not by `expr` and `atom`
  private readonly fRegOp = () => {
    const r = this.CONSUME6(Register);
    if (!this.RECORDING_PHASE) this.prog.addRegOp(r.startOffset, r.image);
  };
  private readonly fStringOp = () => {
    const s = this.CONSUME5(StringLit);
    if (!this.RECORDING_PHASE) this.prog.addSideOp(OK_STR, s.startOffset, 0, s.image);
  };
  private readonly fNumber = (): Expr => {
    const n = this.CONSUME5(NumberLit);
    return this.RECORDING_PHASE ? 0n : this.number(n);
  };
  private readonly fSym = (): Expr => {
    const s = this.CONSUME9(Name);
    return this.RECORDING_PHASE ? 0n : { t: 'sym', name: s.image, off: s.startOffset };
  };
  private readonly fChar = (): Expr => {
    const c = this.CONSUME5(CharLit);
    return this.RECORDING_PHASE ? 0n : this.char(c);
  };
  private readonly fNeg = (): Expr => {
    const m = this.CONSUME5(Minus);
    const e = this.SUBRULE5(this.atom);
    if (this.RECORDING_PHASE) return 0n;
    return typeof e === 'bigint' ? -e : { t: 'neg', e, off: m.startOffset };
  };
  private readonly fPlus = (): Expr => {
    this.CONSUME6(Plus);
    return this.SUBRULE6(this.atom);
  };
  private readonly fBareReg = (): Expr => {
    this.bareReg = this.CONSUME7(Register);
    this.CONSUME5(RParen);
    return 0n;
  };
  private readonly fParenExpr = (): Expr => {
    const e = this.SUBRULE7(this.expr);
    this.CONSUME6(RParen);
    return e;
  };
  private readonly fInParen = [{ ALT: this.fBareReg }, { ALT: this.fParenExpr }];
  /** `(rs)` (bareReg set) or `(expr)` */
  private readonly fParen = (): Expr => {
    this.CONSUME5(LParen);
    return this.OR5(this.fInParen);
  };
  private readonly fAtomAlts = [
    { ALT: this.fNumber },
    { ALT: this.fSym },
    { ALT: this.fNeg },
    { ALT: this.fChar },
    { ALT: this.fPlus },
    { ALT: this.fParen },
  ];
  private readonly binTails = () => {
    this.AT_LEAST_ONE6(this.binTail);
  };
  private readonly fExprOp = () => {
    const start = this.LA(1).startOffset;
    this.bareReg = undefined;
    const st = this.exprStack;
    const base = st.length;
    st.push(this.OR6(this.fAtomAlts));
    const bare = this.bareReg as IToken | undefined;
    this.OPTION6(this.binTails); // = MANY(binTail), but Chevrotain's MANY allocates on every call
    this.memReg = undefined;
    this.OPTION5(this.memSuffix);
    if (this.RECORDING_PHASE) {
      st.length = base;
      return;
    }
    const r = this.memReg as IToken | undefined;
    if (bare) {
      // `line` reads `(rs)` as a whole operand: nothing may follow it
      if (st.length !== base + 1 || r) this.fastFail = true;
      st.length = base;
      this.prog.addOp(OK_MEM0, start, REGISTER_SPELLINGS.get(bare.image)!, 0);
      return;
    }
    const e = this.fold(base);
    this.prog.addExprOp(e, start, r !== undefined, r ? REGISTER_SPELLINGS.get(r.image)! : 0);
  };
  private readonly fOperandAlts = [{ ALT: this.fRegOp }, { ALT: this.fExprOp }, { ALT: this.fStringOp }];
  private readonly fPushOperand = () => {
    this.OR7(this.fOperandAlts);
  };
  private readonly fOperandsOpts = { SEP: Comma, DEF: this.fPushOperand };

  fastProgram = this.RULE('fastProgram', () => {
    this.MANY5(this.fLine);
  });

  private number(t: IToken): bigint {
    const s = t.image;
    if (s.length < 16 && s.charCodeAt(1) !== 120 && s.charCodeAt(1) !== 98 && s.charCodeAt(1) !== 88 && s.charCodeAt(1) !== 66) {
      // decimal fast path
      let v = 0;
      for (let i = 0; i < s.length; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return this.badNumber(t);
        v = v * 10 + d;
      }
      return v < SMALL ? (SMALL_BIGINTS[v] ??= BigInt(v)) : BigInt(v);
    }
    if (!NUMBER_FORM.test(s)) return this.badNumber(t);
    return BigInt(s.length > 1 && (s[1] === 'X' || s[1] === 'B') ? '0' + s[1]!.toLowerCase() + s.slice(2) : s);
  }

  private badNumber(t: IToken): bigint {
    this.litErrors.push({ off: t.startOffset, message: `invalid number '${t.image}' (expected decimal, 0x hexadecimal or 0b binary digits)` });
    return 0n;
  }

  private char(t: IToken): bigint {
    const u = unescape(t.image.slice(1, -1));
    if (u.error) {
      this.litErrors.push({ off: t.startOffset, message: u.error });
      return 0n;
    }
    const text = u.text;
    // one UTF-16 unit is one code point (no iterator and array per literal)
    if (text.length === 1) {
      const c = text.charCodeAt(0);
      return c < SMALL ? (SMALL_BIGINTS[c] ??= BigInt(c)) : BigInt(c);
    }
    const cps = [...text];
    if (cps.length !== 1) {
      this.litErrors.push({ off: t.startOffset, message: `a character literal holds exactly one character, not ${cps.length}` });
      return 0n;
    }
    return BigInt(cps[0]!.codePointAt(0)!);
  }
}

const EMPTY = new Program(0);
let theParser: AsmParser | undefined;
const parser = () => (theParser ??= new AsmParser());

const isNewline = (t: IToken) => t.tokenType === Newline;

/** Sources are lexed and parsed in slices of about this many characters, so tokens die young (cheap GC). */
const SLICE = 1 << 15;

/** Parse a whole source file. Never throws for bad input. */
export function parse(source: string): ParseResult {
  return parseFast(source) ?? parseEachLine(source);
}

/** Parse line by line with the `line` rule (the path for faulty files; the reference for the fast path). */
export function parseEachLine(source: string): ParseResult {
  const { tokens, errors: lexErrors } = lex(source);
  if (tokens.length === 0 || !isNewline(tokens[tokens.length - 1]!)) tokens.push(createTokenInstance(Newline, '', source.length, source.length, NaN, NaN, NaN, NaN));
  return parseByLine(source, tokens, lexErrors);
}

/** Lines ending in \n (a capacity hint). */
function countLines(s: string): number {
  let n = 1;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** The token objects every slice of the fast path is lexed into (see `lex`). */
const tokenPool: IToken[] = [];
const tokenInput: IToken[] = [];

/** The fast path: slice by slice, no recovery; undefined as soon as anything is wrong. */
function parseFast(source: string): ParseResult | undefined {
  const p = parser();
  const prog = new Program(countLines(source));
  const lexErrors: LexError[] = [];
  p.prog = prog;
  p.litErrors = [];
  p.lineNo = 1;
  try {
    for (let from = 0; from < source.length || from === 0; ) {
      let to = source.length;
      if (source.length - from > SLICE) {
        const nl = source.indexOf('\n', from + SLICE);
        if (nl >= 0) to = nl + 1;
      }
      const n = lexInto(source, from, to, tokenPool, lexErrors);
      if (lexErrors.length) return undefined;
      // the parser's input: exactly this slice's tokens (the pool may hold more)
      const tokens = tokenInput;
      for (let k = 0; k < n; k++) tokens[k] = tokenPool[k]!;
      tokens.length = n;
      if (n === 0 || !isNewline(tokens[n - 1]!)) tokens.push(createTokenInstance(Newline, '', to, to, NaN, NaN, NaN, NaN));
      p.resetState();
      p.fastFail = false;
      p.input = tokens;
      p.fastProgram();
      if (p.errors.length || p.fastFail) return undefined;
      from = to;
      if (to >= source.length) break;
    }
    return { prog, errors: p.litErrors, broken: new Set() };
  } finally {
    p.prog = EMPTY;
    p.litErrors = [];
    p.input = [];
  }
}

/** The slow path: every line on its own, so that each faulty line is reported. */
function parseByLine(source: string, tokens: IToken[], lexErrors: { offset: number; message: string }[]): ParseResult {
  const p = parser();
  const errors: ParseError[] = lexErrors.map((e) => ({ off: e.offset, message: e.message }));
  const broken = new Set<string>();
  const prog = new Program(source.length >> 4);
  const litErrors: ParseError[] = [];
  // which lines the lexer could not read: those are reported once, not parsed
  const badLexLines = new Set<number>();
  if (lexErrors.length) {
    const starts = lineStarts(source);
    for (const e of lexErrors) badLexLines.add(lineOf(starts, e.offset));
  }
  let line = 1;
  let from = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (!isNewline(tokens[i]!)) continue;
    if (i > from) {
      const lineToks = tokens.slice(from, i + 1);
      if (badLexLines.has(line)) noteBroken(lineToks, broken);
      else {
        p.prog = prog;
        p.litErrors = litErrors;
        p.lineNo = line;
        p.resetState();
        p.input = lineToks;
        p.line();
        if (p.errors.length) {
          const e = p.errors[0]!;
          let off = e.token.startOffset;
          if (e.token.tokenType === EOF || Number.isNaN(off)) off = lineToks[lineToks.length - 1]!.startOffset;
          errors.push({ off, message: e.message });
          noteBroken(lineToks, broken);
        }
      }
    }
    from = i + 1;
    line++;
  }
  prog.rollback(); // the last line may have failed half-way
  p.prog = EMPTY;
  p.input = [];
  errors.push(...litErrors);
  errors.sort((a, b) => a.off - b.off);
  return { prog, errors, broken };
}

function noteBroken(toks: IToken[], broken: Set<string>): void {
  const [a, b] = toks;
  if (!a || !b) return;
  if ((tokenMatcher(a, Name) || a.tokenType === Register) && b.tokenType === Colon) broken.add(a.image);
  else if (a.tokenType === Directive && a.image.toLowerCase() === '.equ' && tokenMatcher(b, Name)) broken.add(b.image);
}

/** Offsets where each line starts (index 0 = line 1); the same line breaks as the lexer. */
export function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (source.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** 1-based line of an offset. */
export function lineOf(starts: readonly number[], off: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= off) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

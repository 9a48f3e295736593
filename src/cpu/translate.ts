/**
 * A basic-block translator: the CPU's fast path for hot code.
 *
 * A run of innocuous instructions starting at a physical address is turned
 * into one JavaScript function, with the registers it touches held in
 * locals. Conditional branches inside it are side exits (a superblock); it
 * ends with the first unconditional jump, or before the first instruction it
 * does not translate (svc, the control instructions, undefined words). Any
 * branch back to the block's own start makes it a JS loop.
 *
 * The translation is exact, instruction for instruction:
 * - the CPU runs a block only when its remaining budget (the step limit and
 *   the timer's burst) covers the whole block, and a looping block stops
 *   iterating when the next iteration would not fit, so steps and the timer
 *   count exactly as in the interpreter;
 * - every load and store checks relocation and leaves with the trap at the
 *   right instruction, having completed exactly the instructions before it;
 * - the block re-checks its own words on every entry (so any change to the
 *   code, by the guest, a monitor or a test, is seen), and a store into the
 *   running block leaves right after the store.
 *
 * Opcodes and fields come from isa/, as in the interpreter.
 */
import { CAUSES, FIELDS, FORMATS, OPCODE, getField, getSigned, type Isa } from '../isa/table.js';

/** (R, E, base, limit, pc, budget, X) → instructions completed, or −1 if the code changed. X[0] ← next pc; X[1], X[2] ← trap cause, info. */
export type BlockFn = (R: Int32Array, E: Int32Array, base: number, limit: number, pc: number, budget: number, X: Int32Array) => number;

export interface Block {
  /** instructions in one pass of the block */
  readonly len: number;
  readonly run: BlockFn;
}

/** The longest block translated. */
export const MAX_BLOCK = 64;

const O = OPCODE;
const UIMM = (1 << (FIELDS.imm16[0] - FIELDS.imm16[1] + 1)) - 1;

type Kind = 'straight' | 'branch' | 'end' | 'stop';

/** How the translator treats each opcode. */
function kindOf(op: number): Kind {
  switch (op) {
    case O.add: case O.sub: case O.mul: case O.div: case O.rem: case O.and: case O.or: case O.xor:
    case O.shl: case O.shr: case O.sra: case O.slt: case O.sltu:
    case O.addi: case O.slti: case O.andi: case O.ori: case O.xori: case O.shli: case O.shri: case O.srai: case O.lui:
    case O.ld: case O.st: case O.nop:
      return 'straight';
    case O.beq: case O.bne: case O.blt: case O.bge: case O.bltu: case O.bgeu:
      return 'branch';
    case O.jmp: case O.jal: case O.jr: case O.jalr:
      return 'end';
    default:
      return 'stop';
  }
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

/** Registers an instruction names (from its format, as the table says). */
function registersOf(isa: Isa, w: number): number[] {
  const spec = isa.byOpcode[w >>> FIELDS.op[1]]!;
  const rs: number[] = [];
  for (const o of FORMATS[spec.format]) {
    if (o.kind === 'reg') rs.push(getField(w, o.field));
    if (o.kind === 'mem' && o.baseField) rs.push(getField(w, o.baseField));
  }
  return rs;
}

/**
 * Translate the block at physical address `phys`, or undefined if its first
 * instruction is not one the translator handles.
 */
export function translate(isa: Isa, E: Int32Array, phys: number, reserved: Int32Array): Block | undefined {
  const words: number[] = [];
  for (let i = 0; i < MAX_BLOCK && phys + i < E.length; i++) {
    const w = E[phys + i]!;
    const op = w >>> FIELDS.op[1];
    if ((w & reserved[op]!) !== 0) break;
    const k = kindOf(op);
    if (k === 'stop') break;
    words.push(w);
    if (k === 'end') break;
  }
  const L = words.length;
  if (L === 0) return undefined;

  const used = new Set<number>();
  const written = new Set<number>();
  for (const w of words) for (const r of registersOf(isa, w)) if (r !== 0) used.add(r);
  const reg = (r: number) => (r === 0 ? '0' : `r${r}`);
  const a = (w: number) => getField(w, 'a');
  const b = (w: number) => getField(w, 'b');
  const c = (w: number) => getField(w, 'c');
  const imm = (w: number) => getSigned(w, 'imm16');
  const set = (r: number, expr: string) => {
    if (r === 0) return `${expr};`; // r0 ignores writes (the expression has no side effects)
    written.add(r);
    return `r${r} = ${expr};`;
  };

  const last = words[L - 1]!;
  const lastOp = last >>> FIELDS.op[1];
  const lastKind = kindOf(lastOp);
  /** a branch at index i whose target is the block's own start */
  const backToStart = (w: number, i: number) => {
    const op = w >>> FIELDS.op[1];
    if (kindOf(op) === 'branch') return getSigned(w, 'imm16') === -(i + 1);
    return op === O.jmp && getSigned(w, 'off24') === -(i + 1);
  };
  // A block with a branch back to its own start loops in JS.
  const loops = words.some(backToStart);
  // Instructions completed when leaving after the first i of this pass: i,
  // less those a forward branch inside the block skipped (sk), plus earlier passes (cnt).
  const done = (i: number | string) => (loops ? `cnt + ${i} - sk` : `${i} - sk`);
  /** go round again if a whole pass still fits in the budget; else leave at the start */
  const again = (i: number) => `{ cnt += ${i + 1} - sk; sk = 0; if (budget - cnt < ${L}) { X[0] = pc; ${'/*FLUSH*/'} return cnt; } continue; }`;
  // The flush is filled in after the body is generated, when `written` is complete.
  const FLUSH = '/*FLUSH*/';
  const trap = (i: number, cause: number, info: string) => `{ X[0] = (pc + ${i}) | 0; X[1] = ${cause}; X[2] = ${info}; ${FLUSH} return ${done(i)}; }`;

  const body: string[] = [];
  const bodyEnd = lastKind === 'end' ? L - 1 : L;
  // Forward branches to an instruction inside the block become nested `if`
  // regions: `open` holds the index each open region ends at, innermost last.
  const open: number[] = [];
  for (let i = 0; i < bodyEnd; i++) {
    while (open.length && open[open.length - 1] === i) {
      open.pop();
      body.push('}');
    }
    const w = words[i]!;
    const op = w >>> FIELDS.op[1];
    const d = a(w);
    const s = reg(b(w));
    const t = reg(c(w));
    switch (op) {
      case O.add: body.push(set(d, `(${s} + ${t}) | 0`)); break;
      case O.sub: body.push(set(d, `(${s} - ${t}) | 0`)); break;
      case O.mul: body.push(set(d, `Math.imul(${s}, ${t})`)); break;
      case O.div: body.push(`if (${t} === 0) ${trap(i, CAUSES.ARITH, String(w))}`, set(d, `(${s} / ${t}) | 0`)); break;
      case O.rem: body.push(`if (${t} === 0) ${trap(i, CAUSES.ARITH, String(w))}`, set(d, `(${s} % ${t}) | 0`)); break;
      case O.and: body.push(set(d, `${s} & ${t}`)); break;
      case O.or: body.push(set(d, `${s} | ${t}`)); break;
      case O.xor: body.push(set(d, `${s} ^ ${t}`)); break;
      case O.shl: body.push(set(d, `${s} << ${t}`)); break;
      case O.shr: body.push(set(d, `(${s} >>> ${t}) | 0`)); break;
      case O.sra: body.push(set(d, `${s} >> ${t}`)); break;
      case O.slt: body.push(set(d, `${s} < ${t} ? 1 : 0`)); break;
      case O.sltu: body.push(set(d, `(${s} >>> 0) < (${t} >>> 0) ? 1 : 0`)); break;
      case O.addi: body.push(set(d, `(${s} + ${imm(w)}) | 0`)); break;
      case O.slti: body.push(set(d, `${s} < ${imm(w)} ? 1 : 0`)); break;
      case O.andi: body.push(set(d, `${s} & ${w & UIMM}`)); break;
      case O.ori: body.push(set(d, `${s} | ${w & UIMM}`)); break;
      case O.xori: body.push(set(d, `${s} ^ ${w & UIMM}`)); break;
      case O.shli: body.push(set(d, `${s} << ${getField(w, 'sh5')}`)); break;
      case O.shri: body.push(set(d, `(${s} >>> ${getField(w, 'sh5')}) | 0`)); break;
      case O.srai: body.push(set(d, `${s} >> ${getField(w, 'sh5')}`)); break;
      case O.lui: body.push(set(d, String(((w & UIMM) << 16) | 0))); break;
      case O.ld:
        body.push(`{ const a = (${s} + ${imm(w)}) | 0; if ((a >>> 0) >= limit) ${trap(i, CAUSES.MEMORY, 'a')}`, `${set(d, 'E[base + a]')} }`);
        break;
      case O.st:
        // A store into this very block ends it after the store: the rest may have changed.
        body.push(
          `{ const a = (${s} + ${imm(w)}) | 0; if ((a >>> 0) >= limit) ${trap(i, CAUSES.MEMORY, 'a')}`,
          `const p = base + a; E[p] = ${reg(d)};`,
          `if (p >= ${phys} && p < ${phys + L}) { X[0] = (pc + ${i + 1}) | 0; ${FLUSH} return ${done(i + 1)}; } }`,
        );
        break;
      case O.nop:
        break;
      case O.beq: case O.bne: case O.blt: case O.bge: case O.bltu: case O.bgeu: {
        // a side exit (or, to the start, the loop's back edge)
        const x = reg(a(w));
        const y = reg(b(w));
        const cond = branchCondition(op, x, y);
        const t = i + 1 + imm(w); // target, as an index into the block
        const inner = open.length ? open[open.length - 1]! : bodyEnd;
        if (loops && backToStart(w, i)) body.push(`if (${cond}) ${again(i)}`);
        else if (t > i + 1 && t <= inner) {
          // skip instructions i+1 .. t-1 when taken, without leaving the block
          body.push(`if (${cond}) sk += ${t - i - 1}; else {`);
          open.push(t);
        } else if (t === i + 1) body.push(`${cond};`);
        else body.push(`if (${cond}) { X[0] = (pc + ${t}) | 0; ${FLUSH} return ${done(i + 1)}; }`);
        break;
      }
      default:
        throw new Error(`translator: opcode ${op} has no translation`);
    }
  }

  while (open.length) {
    open.pop();
    body.push('}');
  }

  // The final branch or jump: its target (virtual, pc-relative), or the fall-through.
  const tail: string[] = [];
  const next = `(pc + ${L}) | 0`;
  if (lastKind === 'end') {
    const i = L - 1;
    const w = last;
    const target = (off: number) => `(pc + ${i + 1 + off}) | 0`;
    if (lastOp === O.jmp && loops && backToStart(w, i)) {
      tail.push(again(i));
    } else if (lastOp === O.jmp) {
      tail.push(`X[0] = ${target(getSigned(w, 'off24'))};`);
    } else if (lastOp === O.jal) {
      tail.push(set(a(w), next), `X[0] = ${target(getSigned(w, 'off20'))};`);
    } else if (lastOp === O.jr) {
      tail.push(`X[0] = ${reg(b(w))};`);
    } else {
      // jalr: rs is read before rd is written
      tail.push(`{ const t = ${reg(b(w))};`, set(a(w), next), 'X[0] = t; }');
    }
  } else {
    tail.push(`X[0] = ${next};`);
  }
  if (!(lastOp === O.jmp && loops && backToStart(last, L - 1))) tail.push(`${FLUSH} return ${done(L)};`);

  const flush = [...written].sort((p, q) => p - q).map((r) => `R[${r}] = r${r};`).join(' ');
  const check = words.map((w, k) => `E[${phys + k}] !== ${w}`).join(' || ');
  const src = [
    `if (${check}) return -1;`,
    [...used].sort((p, q) => p - q).map((r) => `let r${r} = R[${r}];`).join(' '),
    loops ? 'let cnt = 0, sk = 0;\nfor (;;) {' : 'let sk = 0;',
    ...body,
    ...tail,
    loops ? '}' : '',
  ]
    .join('\n')
    .split(FLUSH)
    .join(flush);
  const run = new Function('R', 'E', 'base', 'limit', 'pc', 'budget', 'X', src) as BlockFn;
  return { len: L, run };
}

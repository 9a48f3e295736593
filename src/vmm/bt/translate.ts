/**
 * The binary translator proper: one guest basic block in, one JavaScript
 * function out, for one virtual mode.
 *
 * A block runs from a physical address to the first control transfer, or to
 * the first instruction it cannot run inline:
 *
 * - ident instructions (innocuous in this mode, per the checker) are
 *   translated to what the machine below would do running them directly and
 *   deprivileged: ALU, loads and stores under the guest's relocation,
 *   branches and jumps; `svc`, undefined words and division by zero leave the
 *   block with their trap; a privileged instruction (in virtual user mode)
 *   leaves with PRIV; a variant's extra that is innocuous here sees the real,
 *   deprivileged PSW (gpsw: user mode; getr: the partition's base; sflags:
 *   nothing; jrstu: a jump);
 * - a rewritten instruction (sensitive in this mode) ends the block: the
 *   block stops in front of it, and the monitor runs its routine (rewrites.ts)
 *   on the virtual PSW, timer and console, with no trap.
 *
 * Exactness, as in the CPU's own translator (src/cpu/translate.ts): the
 * monitor enters a block only when what is left of the time slice and of the
 * guest's TIMER covers all of it, so virtual time counts every instruction;
 * a block whose last branch returns to its start loops inside the function
 * while a whole pass still fits; every load and store checks relocation; a
 * block checks its own words on entry (code the guest rewrote is invalidated
 * there, whoever wrote it), and a store into the running block leaves right
 * after the store.
 *
 * Registers the block touches live in JS locals; they are written back at
 * every exit.
 */
import { CAUSES, FIELDS, FLAGS, FORMATS, OPCODE, getField, getSigned, reservedMask, type Isa } from '../../isa/table.js';
import { IDENT, type TranslationClasses } from './classes.js';
import type { VirtualMachine } from '../vm.js';

/** How a block left: X[3]. NEXT and TAKEN can be chained (link slots 0 and 1). */
export const EXIT = {
  /** fell through (or stopped at the end of the window): pc = X[0] */
  NEXT: 0,
  /** its final branch or jump was taken, to a static target X[0] */
  TAKEN: 1,
  /** a computed target (jr, jalr, jrstu), or after a store into itself */
  DYNAMIC: 2,
  /** a trap: cause X[1], info X[2], old pc X[0] */
  TRAP: 3,
  /** stopped in front of a rewritten instruction at X[0]: the monitor runs it */
  REWRITE: 4,
  /** stopped in front of an instruction this translator has no translation for: the monitor interprets it */
  INTERPRET: 5,
} as const;

/** (R, E, base, limit, pc, budget, X, vm) → instructions completed, or −1 if the block's code changed. */
export type BlockFn = (R: Int32Array, E: Int32Array, base: number, limit: number, pc: number, budget: number, X: Int32Array, vm: VirtualMachine) => number;

export interface TBlock {
  /** physical address of its first word, in the VM's storage */
  readonly phys: number;
  /** instructions in one pass, a final rewritten or interpreted one included (the budget it needs) */
  readonly len: number;
  readonly run: BlockFn;
  /** instructions translated ident / rewritten (the final one) */
  readonly ident: number;
  readonly rewritten: number;
  /** chained successors: [after NEXT, after TAKEN]; set by the monitor on first use */
  readonly links: [TBlock | null, TBlock | null];
  /** false once invalidated: links to it are not followed */
  alive: boolean;
}

/** The longest block translated. */
export const MAX_BLOCK = 64;

const O = OPCODE;
const OP = FIELDS.op[1];
const UIMM = (1 << (FIELDS.imm16[0] - FIELDS.imm16[1] + 1)) - 1;

type Kind = 'alu' | 'mem' | 'branch' | 'end' | 'trap' | 'illegal' | 'extra' | 'rewrite' | 'interpret';

/** Per-ISA facts the code generator needs: reserved bits, and which opcodes exist. */
interface IsaFacts {
  readonly reserved: Int32Array;
}
const FACTS = new WeakMap<Isa, IsaFacts>();
function facts(isa: Isa): IsaFacts {
  let f = FACTS.get(isa);
  if (!f) {
    const reserved = new Int32Array(256).fill(-1);
    for (const s of isa.instructions) reserved[s.opcode] = reservedMask(s);
    FACTS.set(isa, (f = { reserved }));
  }
  return f;
}

/** How one word is translated in a mode whose classes are `table`. */
function kindOf(w: number, isa: Isa, table: Uint8Array, classes: TranslationClasses): Kind {
  const op = w >>> OP;
  if (!isa.byOpcode[op] || (w & facts(isa).reserved[op]!) !== 0) return 'illegal'; // undefined word
  if (table[op] !== IDENT) return 'rewrite';
  switch (op) {
    case O.add: case O.sub: case O.mul: case O.div: case O.rem: case O.and: case O.or: case O.xor:
    case O.shl: case O.shr: case O.sra: case O.slt: case O.sltu:
    case O.addi: case O.slti: case O.andi: case O.ori: case O.xori: case O.shli: case O.shri: case O.srai: case O.lui:
    case O.nop:
      return 'alu';
    case O.ld: case O.st:
      return 'mem';
    case O.beq: case O.bne: case O.blt: case O.bge: case O.bltu: case O.bgeu:
    case O.jmp: case O.jal: case O.jr: case O.jalr:
      return 'branch';
    case O.svc:
      return 'trap';
    case O.gpsw: case O.getr: case O.sflags:
      return 'extra';
    case O.jrstu:
      return 'end';
    default:
      // Ident and privileged: the deprivileged machine traps PRIV. Anything else: no translation here.
      return classes.privileged[op] ? 'trap' : 'interpret';
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

/** Registers an instruction names (from its format, as the ISA table says). */
function registersOf(isa: Isa, w: number): number[] {
  const spec = isa.byOpcode[w >>> OP];
  if (!spec) return [];
  const rs: number[] = [];
  for (const o of FORMATS[spec.format]) {
    if (o.kind === 'reg') rs.push(getField(w, o.field));
    if (o.kind === 'mem' && o.baseField) rs.push(getField(w, o.baseField));
  }
  return rs;
}

/**
 * Translate the block at physical `phys` of `E` for a mode with `classes`
 * table `table`, at most `max` instructions (the words left in the relocation
 * window, or 1 for a one-instruction block).
 */
export function translateBlock(isa: Isa, classes: TranslationClasses, table: Uint8Array, E: Int32Array, phys: number, max: number): TBlock {
  const words: number[] = [];
  const kinds: Kind[] = [];
  const limit = Math.min(max, MAX_BLOCK, E.length - phys);
  for (let i = 0; i < limit; i++) {
    const w = E[phys + i]!;
    const k = kindOf(w, isa, table, classes);
    words.push(w);
    kinds.push(k);
    if (k !== 'alu' && k !== 'mem' && k !== 'extra') break;
  }
  const L = words.length;
  const lastKind = kinds[L - 1]!;

  const used = new Set<number>();
  const written = new Set<number>();
  words.forEach((w, i) => {
    if (kinds[i] !== 'rewrite' && kinds[i] !== 'interpret') for (const r of registersOf(isa, w)) if (r !== 0) used.add(r);
  });
  const reg = (r: number) => (r === 0 ? '0' : `r${r}`);
  const a = (w: number) => getField(w, 'a');
  const b = (w: number) => getField(w, 'b');
  const c = (w: number) => getField(w, 'c');
  const imm = (w: number) => getSigned(w, 'imm16');
  const set = (r: number, expr: string) => {
    if (r === 0) return `${expr};`;
    written.add(r);
    return `r${r} = ${expr};`;
  };

  /** a final branch or jmp back to the block's own start makes the block a loop */
  const last = words[L - 1]!;
  const lastOp = last >>> OP;
  const conditional = lastOp !== O.jmp && lastOp !== O.jal && lastOp !== O.jr && lastOp !== O.jalr;
  const loops = lastKind === 'branch' && ((conditional && imm(last) === -L) || (lastOp === O.jmp && getSigned(last, 'off24') === -L));
  const FLUSH = '/*FLUSH*/';
  const done = (i: number) => (loops ? `cnt + ${i}` : `${i}`);
  const leave = (pcExpr: string, exit: number, count: number) => `{ X[0] = ${pcExpr}; X[3] = ${exit}; ${FLUSH} return ${done(count)}; }`;
  const trap = (i: number, cause: number, info: string, pcAfter = false) =>
    `{ X[0] = (pc + ${pcAfter ? i + 1 : i}) | 0; X[1] = ${cause}; X[2] = ${info}; X[3] = ${EXIT.TRAP}; ${FLUSH} return ${done(i)}; }`;

  const body: string[] = [];
  for (let i = 0; i < L; i++) {
    const w = words[i]!;
    const op = w >>> OP;
    const d = a(w);
    const s = reg(b(w));
    const t = reg(c(w));
    switch (kinds[i]) {
      case 'rewrite':
        body.push(leave(`(pc + ${i}) | 0`, EXIT.REWRITE, i));
        continue;
      case 'interpret':
        body.push(leave(`(pc + ${i}) | 0`, EXIT.INTERPRET, i));
        continue;
      case 'illegal':
        body.push(trap(i, CAUSES.ILLEGAL, String(w)));
        continue;
      case 'trap':
        if (op === O.svc) body.push(trap(i, CAUSES.SVC, String(w & UIMM), true)); // old pc: the next instruction
        else body.push(trap(i, CAUSES.PRIV, String(w)));
        continue;
      default:
        break;
    }
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
      case O.nop: break;
      case O.ld:
        body.push(`{ const a = (${s} + ${imm(w)}) | 0; if ((a >>> 0) >= limit) ${trap(i, CAUSES.MEMORY, 'a')}`, `${set(d, 'E[base + a]')} }`);
        break;
      case O.st:
        // A store into this very block leaves right after it: the rest may have changed.
        body.push(
          `{ const a = (${s} + ${imm(w)}) | 0; if ((a >>> 0) >= limit) ${trap(i, CAUSES.MEMORY, 'a')}`,
          `const p = base + a; E[p] = ${reg(d)};`,
          `if (p >= ${phys} && p < ${phys + L}) ${leave(`(pc + ${i + 1}) | 0`, EXIT.DYNAMIC, i + 1)} }`,
        );
        break;
      // The variants' extras, ident: what the deprivileged machine below shows.
      case O.gpsw: body.push(set(d, `vm.flags & ${FLAGS.IE}`)); break; // real mode: user, the guest's own IE
      case O.getr: body.push(set(d, '(vm.partition.offset + vm.base) | 0')); break; // the composed, real base
      case O.sflags: break; // real user mode: silently nothing
      case O.jrstu: body.push(leave(s, EXIT.DYNAMIC, i + 1)); break; // real user mode: just a jump
      // The final control transfer: static targets can be chained.
      case O.jmp:
        if (loops) body.push(`cnt += ${L}; if (budget - cnt >= ${L}) continue; X[0] = pc; X[3] = ${EXIT.TAKEN}; ${FLUSH} return cnt;`);
        else body.push(leave(`(pc + ${i + 1 + getSigned(w, 'off24')}) | 0`, EXIT.TAKEN, i + 1));
        break;
      case O.jal:
        body.push(set(d, `(pc + ${i + 1}) | 0`), leave(`(pc + ${i + 1 + getSigned(w, 'off20')}) | 0`, EXIT.TAKEN, i + 1));
        break;
      case O.jr:
        body.push(leave(s, EXIT.DYNAMIC, i + 1));
        break;
      case O.jalr:
        body.push(`{ const t = ${s};`, set(d, `(pc + ${i + 1}) | 0`), `${leave('t', EXIT.DYNAMIC, i + 1)} }`); // rs read before rd is written
        break;
      case O.beq: case O.bne: case O.blt: case O.bge: case O.bltu: case O.bgeu: {
        const cond = branchCondition(op, reg(a(w)), reg(b(w)));
        if (loops) body.push(`if (${cond}) { cnt += ${L}; if (budget - cnt >= ${L}) continue; X[0] = pc; X[3] = ${EXIT.TAKEN}; ${FLUSH} return cnt; }`);
        else body.push(`if (${cond}) ${leave(`(pc + ${i + 1 + imm(w)}) | 0`, EXIT.TAKEN, i + 1)}`);
        body.push(leave(`(pc + ${L}) | 0`, EXIT.NEXT, L));
        break;
      }
      default:
        throw new Error(`bt: opcode ${op} has no ident translation`);
    }
  }
  // A block that ends on an ALU, memory or extra instruction stopped at MAX_BLOCK or the window's end: it falls through.
  if (lastKind === 'alu' || lastKind === 'mem' || lastKind === 'extra') body.push(leave(`(pc + ${L}) | 0`, EXIT.NEXT, L));

  const flush = [...written].sort((p, q) => p - q).map((r) => `R[${r}] = r${r};`).join(' ');
  const check = words.map((w, k) => `E[${phys + k}] !== ${w}`).join(' || ');
  const src = [
    `if (${check}) return -1;`,
    [...used].sort((p, q) => p - q).map((r) => `let r${r} = R[${r}];`).join(' '),
    loops ? 'let cnt = 0;\nfor (;;) {' : '',
    ...body,
    loops ? '}' : '',
  ]
    .join('\n')
    .split(FLUSH)
    .join(flush);
  const run = compile(src);
  const rewritten = lastKind === 'rewrite' ? 1 : 0;
  return { phys, len: L, run, ident: L - rewritten - (lastKind === 'interpret' ? 1 : 0), rewritten, links: [null, null], alive: true };
}

/**
 * Compiled block functions by source. A block's source depends only on its
 * words and physical address, so VMs running the same image share their
 * translations' code (each keeps its own blocks, links and validity); JS
 * compilation is the translator's dominant cost. Bounded: cleared when full.
 */
const COMPILED = new Map<string, BlockFn>();
const COMPILED_MAX = 20_000;

function compile(src: string): BlockFn {
  let f = COMPILED.get(src);
  if (!f) {
    if (COMPILED.size >= COMPILED_MAX) COMPILED.clear();
    f = new Function('R', 'E', 'base', 'limit', 'pc', 'budget', 'X', 'vm', src) as BlockFn;
    COMPILED.set(src, f);
  }
  return f;
}

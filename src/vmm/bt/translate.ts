/**
 * The binary translator proper: guest code in, JavaScript out, for one
 * virtual mode. What each instruction means is written once, below
 * (`meaning`), as JS over its operands; from it come
 *
 * - blocks (`translateBlock`): one guest basic block as one function, its
 *   fields constant and the registers it touches in JS locals;
 * - the stepper (`stepper`): one function per ISA and mode that runs any
 *   single instruction, its fields read from the word at run time. The
 *   monitor steps code the first time it reaches it (compiling JS costs far
 *   more than running cold code once) and wherever a block does not fit what
 *   is left of the slice or of the guest's TIMER.
 *
 * How a word is translated in a mode (`kindOf`), from the checker's classes:
 *
 * - ident (innocuous in this mode): what the machine below would do running
 *   it directly and deprivileged: ALU, loads and stores under the guest's
 *   relocation, branches and jumps; `svc`, undefined words and division by
 *   zero leave with their trap; a privileged instruction (in virtual user
 *   mode) leaves with PRIV; a variant's extra that is innocuous here sees the
 *   real, deprivileged PSW (gpsw: user mode; getr: the partition's base;
 *   sflags: nothing; jrstu: a jump);
 * - rewritten (sensitive in this mode): the block stops in front of it and
 *   the monitor runs its routine (rewrites.ts) on the virtual PSW, timer and
 *   console, with no trap.
 *
 * Exactness, as in the CPU's own translator (src/cpu/translate.ts): a block
 * is entered only when the budget covers all of it; a block whose last
 * branch returns to its start loops inside the function while a whole pass
 * still fits; every load and store checks relocation; a block checks its own
 * words on entry (code the guest rewrote is invalidated there, whoever wrote
 * it), and a store into the running block leaves right after the store.
 */
import { CAUSES, FIELDS, FLAGS, FORMATS, OPCODE, getField, reservedMask, type Isa } from '../../isa/table.js';
import { IDENT, type TranslationClasses } from './classes.js';
import { branchCondition } from '../../cpu/translate.js';
import type { VirtualMachine } from '../vm.js';

/** How a block (or a step) left: X[3]. NEXT and TAKEN can be chained (link slots 0 and 1). */
export const EXIT = {
  /** fell through: pc = X[0] */
  NEXT: 0,
  /** its final branch or jump was taken, to a static target X[0] */
  TAKEN: 1,
  /** a computed target (jr, jalr, jrstu), or after a store into itself */
  DYNAMIC: 2,
  /** a trap: cause X[1], info X[2], old pc X[0] */
  TRAP: 3,
  /** stopped in front of a rewritten instruction at X[0]: the monitor runs it */
  REWRITE: 4,
  /** stopped in front of an instruction with no translation: the monitor interprets it */
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
const A = FIELDS.a[1];
const B = FIELDS.b[1];
const C = FIELDS.c[1];
const UIMM = (1 << (FIELDS.imm16[0] - FIELDS.imm16[1] + 1)) - 1;
const SH5 = (1 << (FIELDS.sh5[0] - FIELDS.sh5[1] + 1)) - 1;
const IMM_L = 31 - FIELDS.imm16[0], IMM_R = IMM_L + FIELDS.imm16[1];
const O20_L = 31 - FIELDS.off20[0], O20_R = O20_L + FIELDS.off20[1];
const O24_L = 31 - FIELDS.off24[0], O24_R = O24_L + FIELDS.off24[1];

export type Kind = 'alu' | 'mem' | 'branch' | 'trap' | 'illegal' | 'extra' | 'rewrite' | 'interpret';

const RESERVED = new WeakMap<Isa, Int32Array>();
function reserved(isa: Isa): Int32Array {
  let r = RESERVED.get(isa);
  if (!r) {
    r = new Int32Array(256).fill(-1);
    for (const s of isa.instructions) r[s.opcode] = reservedMask(s);
    RESERVED.set(isa, r);
  }
  return r;
}

/** How one word is translated in a mode whose classes are `table`. */
export function kindOf(w: number, isa: Isa, table: Uint8Array, classes: TranslationClasses): Kind {
  const op = w >>> OP;
  if (!isa.byOpcode[op] || (w & reserved(isa)[op]!) !== 0) return 'illegal'; // an undefined word
  if (table[op] !== IDENT) return 'rewrite';
  const k = identKind(op);
  // Ident and privileged: the deprivileged machine traps PRIV. Anything else unknown: no translation here.
  return k === 'interpret' && classes.privileged[op] ? 'trap' : k;
}

/** The kind of an opcode that is ident in its mode. */
function identKind(op: number): Kind {
  switch (op) {
    case O.add: case O.sub: case O.mul: case O.div: case O.rem: case O.and: case O.or: case O.xor:
    case O.shl: case O.shr: case O.sra: case O.slt: case O.sltu:
    case O.addi: case O.slti: case O.andi: case O.ori: case O.xori: case O.shli: case O.shri: case O.srai: case O.lui:
    case O.nop:
      return 'alu';
    case O.ld: case O.st:
      return 'mem';
    case O.beq: case O.bne: case O.blt: case O.bge: case O.bltu: case O.bgeu:
    case O.jmp: case O.jal: case O.jr: case O.jalr: case O.jrstu:
      return 'branch';
    case O.svc:
      return 'trap';
    case O.gpsw: case O.getr: case O.sflags:
      return 'extra';
    default:
      return 'interpret';
  }
}

/**
 * How the meaning of an instruction reaches its operands and leaves: a block
 * bakes the fields in as constants; the stepper reads them from `w`.
 */
interface Operands {
  /** the value of register field a / b / c */
  ra: string;
  rb: string;
  rc: string;
  /** rd (field a) ← expr */
  set(expr: string): string;
  imm: string;
  uimm: string;
  sh: string;
  off20: string;
  off24: string;
  /** the word itself */
  word: string;
  /** the address of this instruction + k, as an int32 expression */
  pcPlus(k: string | number): string;
  /** leave with `exit`, next pc `pcExpr`, after `count` instructions of this block (this one included or not) */
  leave(pcExpr: string, exit: number, count: 'before' | 'after'): string;
  /** leave with a trap at this instruction (old pc: this one, or the next for svc) */
  trap(cause: number, info: string, pcAfter?: boolean): string;
  /** what a store to physical `p` must do if it hits this block's own code */
  selfStore(p: string): string;
  /** a conditional branch or jmp back to the block's start: loop (blocks only); null if not one */
  loopBack(cond: string | null): string | null;
}


/** The meaning of an ident instruction (kinds alu, mem, branch, extra), as JS. */
function meaning(op: number, o: Operands): string {
  const s = o.rb;
  const t = o.rc;
  switch (op) {
    case O.add: return o.set(`(${s} + ${t}) | 0`);
    case O.sub: return o.set(`(${s} - ${t}) | 0`);
    case O.mul: return o.set(`Math.imul(${s}, ${t})`);
    case O.div: return `if (${t} === 0) ${o.trap(CAUSES.ARITH, o.word)} ${o.set(`(${s} / ${t}) | 0`)}`;
    case O.rem: return `if (${t} === 0) ${o.trap(CAUSES.ARITH, o.word)} ${o.set(`(${s} % ${t}) | 0`)}`;
    case O.and: return o.set(`${s} & ${t}`);
    case O.or: return o.set(`${s} | ${t}`);
    case O.xor: return o.set(`${s} ^ ${t}`);
    case O.shl: return o.set(`${s} << ${t}`);
    case O.shr: return o.set(`(${s} >>> ${t}) | 0`);
    case O.sra: return o.set(`${s} >> ${t}`);
    case O.slt: return o.set(`${s} < ${t} ? 1 : 0`);
    case O.sltu: return o.set(`(${s} >>> 0) < (${t} >>> 0) ? 1 : 0`);
    case O.addi: return o.set(`(${s} + ${o.imm}) | 0`);
    case O.slti: return o.set(`${s} < ${o.imm} ? 1 : 0`);
    case O.andi: return o.set(`${s} & ${o.uimm}`);
    case O.ori: return o.set(`${s} | ${o.uimm}`);
    case O.xori: return o.set(`${s} ^ ${o.uimm}`);
    case O.shli: return o.set(`${s} << ${o.sh}`);
    case O.shri: return o.set(`(${s} >>> ${o.sh}) | 0`);
    case O.srai: return o.set(`${s} >> ${o.sh}`);
    case O.lui: return o.set(`(${o.uimm} << 16) | 0`);
    case O.nop: return '';
    case O.ld: return `{ const a = (${s} + ${o.imm}) | 0; if ((a >>> 0) >= limit) ${o.trap(CAUSES.MEMORY, 'a')} ${o.set('E[base + a]')} }`;
    // A store into the running block leaves right after it: the rest may have changed.
    case O.st: return `{ const a = (${s} + ${o.imm}) | 0; if ((a >>> 0) >= limit) ${o.trap(CAUSES.MEMORY, 'a')} const p = base + a; E[p] = ${o.ra}; ${o.selfStore('p')} }`;
    // The variants' extras, ident: what the deprivileged machine below shows.
    case O.gpsw: return o.set(`vm.flags & ${FLAGS.IE}`); // real mode: user, with the guest's own IE
    case O.getr: return o.set('(vm.partition.offset + vm.base) | 0'); // the composed, real base
    case O.sflags: return ''; // real user mode: silently nothing
    case O.jrstu: return o.leave(s, EXIT.DYNAMIC, 'after'); // real user mode: just a jump
    // Control transfers end a block; static targets can be chained.
    case O.jmp: return o.loopBack(null) ?? o.leave(o.pcPlus(`1 + ${o.off24}`), EXIT.TAKEN, 'after');
    case O.jal: return `${o.set(o.pcPlus(1))} ${o.leave(o.pcPlus(`1 + ${o.off20}`), EXIT.TAKEN, 'after')}`;
    case O.jr: return o.leave(s, EXIT.DYNAMIC, 'after');
    case O.jalr: return `{ const t = ${s}; ${o.set(o.pcPlus(1))} ${o.leave('t', EXIT.DYNAMIC, 'after')} }`; // rs read before rd is written
    case O.beq: case O.bne: case O.blt: case O.bge: case O.bltu: case O.bgeu: {
      const cond = branchCondition(op, o.ra, o.rb);
      return `${o.loopBack(cond) ?? `if (${cond}) ${o.leave(o.pcPlus(`1 + ${o.imm}`), EXIT.TAKEN, 'after')}`} ${o.leave(o.pcPlus(1), EXIT.NEXT, 'after')}`;
    }
    default:
      throw new Error(`bt: opcode ${op} has no ident meaning`);
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

const FLUSH = '/*FLUSH*/';

/**
 * Translate the block at physical `phys` of `E`, at most `max` instructions
 * (the words left in the relocation window).
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
  const last = words[L - 1]!;
  const lastOp = last >>> OP;
  // A final branch or jmp back to the block's own start makes it a loop.
  const loops =
    lastKind === 'branch' &&
    ((lastOp >= O.beq && lastOp <= O.bgeu && getField(last, 'imm16') << 16 >> 16 === -L) || (lastOp === O.jmp && (getField(last, 'off24') << 8) >> 8 === -L));

  const used = new Set<number>();
  const written = new Set<number>();
  words.forEach((w, i) => {
    if (kinds[i] !== 'rewrite' && kinds[i] !== 'interpret') for (const r of registersOf(isa, w)) if (r !== 0) used.add(r);
  });
  const reg = (r: number) => (r === 0 ? '0' : `r${r}`);
  const done = (n: number) => (loops ? `cnt + ${n}` : `${n}`);

  const body: string[] = [];
  for (let i = 0; i < L; i++) {
    const w = words[i]!;
    const at = (k: string | number) => `(pc + ${i} + ${k}) | 0`;
    const leave = (pcExpr: string, exit: number, count: number) => `{ X[0] = ${pcExpr}; X[3] = ${exit}; ${FLUSH} return ${done(count)}; }`;
    const trap = (cause: number, info: string, pcAfter = false) => `{ X[0] = ${at(pcAfter ? 1 : 0)}; X[1] = ${cause}; X[2] = ${info}; X[3] = ${EXIT.TRAP}; ${FLUSH} return ${done(i)}; }`;
    switch (kinds[i]) {
      case 'rewrite':
        body.push(leave(at(0), EXIT.REWRITE, i));
        continue;
      case 'interpret':
        body.push(leave(at(0), EXIT.INTERPRET, i));
        continue;
      case 'illegal':
        body.push(trap(CAUSES.ILLEGAL, String(w)));
        continue;
      case 'trap':
        body.push((w >>> OP) === O.svc ? trap(CAUSES.SVC, String(w & UIMM), true) : trap(CAUSES.PRIV, String(w))); // svc: old pc is the next instruction
        continue;
      default:
        break;
    }
    const d = getField(w, 'a');
    const o: Operands = {
      ra: reg(d),
      rb: reg(getField(w, 'b')),
      rc: reg(getField(w, 'c')),
      set: (expr) => {
        if (d === 0) return `${expr};`; // r0 ignores writes (the expression has no side effects)
        written.add(d);
        return `r${d} = ${expr};`;
      },
      imm: String((w << IMM_L) >> IMM_R),
      uimm: String(w & UIMM),
      sh: String(w & SH5),
      off20: String((w << O20_L) >> O20_R),
      off24: String((w << O24_L) >> O24_R),
      word: String(w),
      pcPlus: at,
      leave: (pcExpr, exit, count) => leave(pcExpr, exit, count === 'after' ? i + 1 : i),
      trap,
      selfStore: (p) => `if (${p} >= ${phys} && ${p} < ${phys + L}) ${leave(at(1), EXIT.DYNAMIC, i + 1)}`,
      // The loop's back edge: go round again while a whole pass still fits the budget, else leave at the start.
      loopBack: (cond) =>
        loops && i === L - 1 ? `${cond === null ? '' : `if (${cond})`} { cnt += ${L}; if (budget - cnt >= ${L}) continue; X[0] = pc; X[3] = ${EXIT.TAKEN}; ${FLUSH} return cnt; }` : null,
    };
    body.push(meaning(w >>> OP, o));
  }
  // A block that ends on an ALU, memory or extra instruction stopped at MAX_BLOCK or the window's end: it falls through.
  if (lastKind === 'alu' || lastKind === 'mem' || lastKind === 'extra') body.push(`{ X[0] = (pc + ${L}) | 0; X[3] = ${EXIT.NEXT}; ${FLUSH} return ${done(L)}; }`);

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
  const rewritten = lastKind === 'rewrite' ? 1 : 0;
  return { phys, len: L, run: compile(src), ident: L - rewritten - (lastKind === 'interpret' ? 1 : 0), rewritten, links: [null, null], alive: true };
}

/** (R, E, base, limit, pc, X, vm, w, kind) → 0 or 1 instructions completed; X as for a block. */
export type StepFn = (R: Int32Array, E: Int32Array, base: number, limit: number, pc: number, X: Int32Array, vm: VirtualMachine, w: number, kind: number) => number;

/** Kind numbers the stepper switches on. */
const KIND_CODE: Record<Kind, number> = { alu: 0, mem: 0, branch: 0, extra: 0, trap: 1, illegal: 2, rewrite: 3, interpret: 4 };
export const kindCode = (k: Kind): number => KIND_CODE[k];

/**
 * The stepper for one ISA: runs the single instruction `w` at pc (already
 * fetched; its kind in this mode given), with the same meanings as blocks,
 * its fields taken from `w` at run time. Compiled once per ISA.
 */
export function stepper(isa: Isa): StepFn {
  const field = (lo: number) => `((w >> ${lo}) & 15)`;
  const R = (lo: number) => `R[${field(lo)}]`;
  const o: Operands = {
    ra: R(A),
    rb: R(B),
    rc: R(C),
    set: (expr) => `R[${field(A)}] = ${expr}; R[0] = 0;`,
    imm: `((w << ${IMM_L}) >> ${IMM_R})`,
    uimm: `(w & ${UIMM})`,
    sh: `(w & ${SH5})`,
    off20: `((w << ${O20_L}) >> ${O20_R})`,
    off24: `((w << ${O24_L}) >> ${O24_R})`,
    word: 'w',
    pcPlus: (k) => `(pc + ${k}) | 0`,
    leave: (pcExpr, exit, count) => `{ X[0] = ${pcExpr}; X[3] = ${exit}; return ${count === 'after' ? 1 : 0}; }`,
    trap: (cause, info, pcAfter = false) => `{ X[0] = ${pcAfter ? '(pc + 1) | 0' : 'pc'}; X[1] = ${cause}; X[2] = ${info}; X[3] = ${EXIT.TRAP}; return 0; }`,
    selfStore: () => '', // one instruction: it is done anyway
    loopBack: () => null,
  };
  const cases = isa.instructions
    .filter((s) => ['alu', 'mem', 'branch', 'extra'].includes(identKind(s.opcode)))
    .map((s) => `case ${s.opcode}: { ${meaning(s.opcode, o)} break; }`);
  const src = [
    `switch (kind) {`,
    `case ${KIND_CODE.rewrite}: X[0] = pc; X[3] = ${EXIT.REWRITE}; return 0;`,
    `case ${KIND_CODE.interpret}: X[0] = pc; X[3] = ${EXIT.INTERPRET}; return 0;`,
    `case ${KIND_CODE.illegal}: ${o.trap(CAUSES.ILLEGAL, 'w')}`,
    `case ${KIND_CODE.trap}: if ((w >>> ${OP}) === ${O.svc}) ${o.trap(CAUSES.SVC, `(w & ${UIMM})`, true)} ${o.trap(CAUSES.PRIV, 'w')}`,
    `}`,
    `switch (w >>> ${OP}) {`,
    ...cases,
    `default: X[0] = pc; X[3] = ${EXIT.INTERPRET}; return 0;`,
    `}`,
    `X[0] = (pc + 1) | 0; X[3] = ${EXIT.NEXT}; return 1;`,
  ].join('\n');
  return new Function('R', 'E', 'base', 'limit', 'pc', 'X', 'vm', 'w', 'kind', src) as StepFn;
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

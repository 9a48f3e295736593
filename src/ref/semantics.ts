/**
 * What every PG32 instruction does, one line (or a few) each, in the words of
 * ../shared/ISA.md "Instructions". This table is the readable statement of
 * the semantics: the reference interpreter (interp.ts) runs it, and the fast
 * CPU (src/cpu/cpu.ts) is tested against it.
 *
 * A handler gets the machine and the instruction's decoded operands. It
 * raises a trap by throwing one (a trapping instruction has no other effect,
 * so every check comes before the first change), jumps with `m.jump`, and
 * otherwise falls through to the next instruction. `Record<Mnemonic, …>`
 * makes an instruction added to isa/pg32.ts without a meaning here a
 * compile error.
 */
import { CAUSES, FLAGS, FLAGS_MASK, type Mnemonic } from '../isa/table.js';
import type { Operands } from './decode.js';
import type { Reference } from './interp.js';
import { vmrun } from './guest.js';
import { Trap } from './trap.js';

export type Semantic = (m: Reference, o: Operands) => void;
export type Semantics = Readonly<Record<Mnemonic, Semantic>>;

/**
 * Instructions the reference does not model yet (none: `vmrun`'s guest mode
 * is guest.ts). Tests and the checker's oracle leave these out; a name goes
 * here only while its line below is not real.
 */
export const UNMODELLED: ReadonlySet<Mnemonic> = new Set<Mnemonic>([]);

/** Branch taken: pc ← the label. */
const branchIf = (taken: boolean, m: Reference, o: Operands) => {
  if (taken) m.jump(o.target);
};
const unsigned = (v: number) => v >>> 0;

export const SEMANTICS: Semantics = {
  // register ALU: arithmetic is 32-bit two's complement, wrapping (set() keeps the low 32 bits)
  add: (m, o) => m.set(o.rd, m.get(o.rs) + m.get(o.rt)),
  sub: (m, o) => m.set(o.rd, m.get(o.rs) - m.get(o.rt)),
  mul: (m, o) => m.set(o.rd, Math.imul(m.get(o.rs), m.get(o.rt))), // the low 32 bits of the product
  div: (m, o) => {
    if (m.get(o.rt) === 0) throw new Trap(CAUSES.ARITH, o.word);
    m.set(o.rd, Math.trunc(m.get(o.rs) / m.get(o.rt))); // INT_MIN / −1 = 2³¹, which wraps to INT_MIN
  },
  rem: (m, o) => {
    if (m.get(o.rt) === 0) throw new Trap(CAUSES.ARITH, o.word);
    m.set(o.rd, m.get(o.rs) % m.get(o.rt)); // the sign of rs; INT_MIN rem −1 = 0
  },
  and: (m, o) => m.set(o.rd, m.get(o.rs) & m.get(o.rt)),
  or: (m, o) => m.set(o.rd, m.get(o.rs) | m.get(o.rt)),
  xor: (m, o) => m.set(o.rd, m.get(o.rs) ^ m.get(o.rt)),
  shl: (m, o) => m.set(o.rd, m.get(o.rs) << (m.get(o.rt) & 31)), // shifts use the low 5 bits
  shr: (m, o) => m.set(o.rd, m.get(o.rs) >>> (m.get(o.rt) & 31)),
  sra: (m, o) => m.set(o.rd, m.get(o.rs) >> (m.get(o.rt) & 31)),
  slt: (m, o) => m.set(o.rd, m.get(o.rs) < m.get(o.rt) ? 1 : 0),
  sltu: (m, o) => m.set(o.rd, unsigned(m.get(o.rs)) < unsigned(m.get(o.rt)) ? 1 : 0),

  // immediate ALU: o.imm is already sign- or zero-extended as the format says
  addi: (m, o) => m.set(o.rd, m.get(o.rs) + o.imm),
  slti: (m, o) => m.set(o.rd, m.get(o.rs) < o.imm ? 1 : 0),
  andi: (m, o) => m.set(o.rd, m.get(o.rs) & o.imm),
  ori: (m, o) => m.set(o.rd, m.get(o.rs) | o.imm),
  xori: (m, o) => m.set(o.rd, m.get(o.rs) ^ o.imm),
  shli: (m, o) => m.set(o.rd, m.get(o.rs) << o.imm),
  shri: (m, o) => m.set(o.rd, m.get(o.rs) >>> o.imm),
  srai: (m, o) => m.set(o.rd, m.get(o.rs) >> o.imm),
  lui: (m, o) => m.set(o.rd, o.imm << 16),

  // memory: virtual addresses, relocated (loadWord and storeWord raise MEMORY)
  ld: (m, o) => m.set(o.rd, m.loadWord(m.get(o.rs) + o.imm)),
  st: (m, o) => m.storeWord(m.get(o.rs) + o.imm, m.get(o.rt)),

  // branches and jumps: o.target is already next pc + offset
  beq: (m, o) => branchIf(m.get(o.rs) === m.get(o.rt), m, o),
  bne: (m, o) => branchIf(m.get(o.rs) !== m.get(o.rt), m, o),
  blt: (m, o) => branchIf(m.get(o.rs) < m.get(o.rt), m, o),
  bge: (m, o) => branchIf(m.get(o.rs) >= m.get(o.rt), m, o),
  bltu: (m, o) => branchIf(unsigned(m.get(o.rs)) < unsigned(m.get(o.rt)), m, o),
  bgeu: (m, o) => branchIf(unsigned(m.get(o.rs)) >= unsigned(m.get(o.rt)), m, o),
  jmp: (m, o) => m.jump(o.target),
  jal: (m, o) => {
    m.set(o.rd, m.pc + 1);
    m.jump(o.target);
  },
  jr: (m, o) => m.jump(m.get(o.rs)),
  jalr: (m, o) => {
    const target = m.get(o.rs); // rs is read before rd is written
    m.set(o.rd, m.pc + 1);
    m.jump(target);
  },

  // other
  svc: (m, o) => {
    throw new Trap(CAUSES.SVC, o.n, m.pc + 1); // old pc: the next instruction
  },
  nop: () => {},

  // privileged: the privilege check is the first line, before any operand is touched; in guest mode an
  // intercepted one exits where it would complete (m.intercept), after its checks
  lpsw: (m, o) => {
    m.requireSupervisor(o);
    const [flags, pc, base, bound] = m.loadWords(m.get(o.rs), 4); // all four checked before any is used
    m.intercept(o);
    m.flags = flags! & FLAGS_MASK;
    m.base = unsigned(base!);
    m.bound = unsigned(bound!);
    m.jump(pc!);
  },
  spsw: (m, o) => {
    m.requireSupervisor(o);
    m.checkWords(m.get(o.rs), 4);
    m.intercept(o);
    m.storeWords(m.get(o.rs), [m.flags & FLAGS_MASK, m.pc + 1, m.base, m.bound]); // pc = the next instruction
  },
  stimer: (m, o) => {
    m.requireSupervisor(o);
    m.intercept(o);
    m.setTimer(unsigned(m.get(o.rs))); // clears a pending interrupt; the stimer itself is not counted
  },
  in: (m, o) => {
    m.requireSupervisor(o);
    m.intercept(o);
    m.set(o.rd, m.devices.read(o.port));
  },
  out: (m, o) => {
    m.requireSupervisor(o);
    m.intercept(o);
    m.devices.write(o.port, m.get(o.rs));
  },
  halt: (m, o) => {
    m.requireSupervisor(o);
    m.intercept(o);
    m.halted = true; // it completes: counted, timer ticked, pc at the next instruction
  },

  // the vt extension: run a guest until its exit (guest.ts)
  vmrun: (m, o) => {
    m.requireSupervisor(o);
    vmrun(m, o);
  },

  // the variants' extras: none of them is privileged (in guest mode the EXTRAS intercept comes first)
  jrstu: (m, o) => {
    m.intercept(o);
    m.flags &= ~FLAGS.S; // in supervisor mode, also enter user mode (PDP-10 JRST 1)
    m.jump(m.get(o.rs));
  },
  gpsw: (m, o) => (m.intercept(o), m.set(o.rd, m.flags & FLAGS_MASK)),
  sflags: (m, o) => {
    m.intercept(o);
    if (m.supervisor) m.flags = (m.flags & ~FLAGS.IE) | (m.get(o.rs) & FLAGS.IE); // silently nothing in user mode (x86 POPF)
  },
  getr: (m, o) => (m.intercept(o), m.set(o.rd, m.base)),
};

/**
 * Semantic mutants for the checker: each changes what one instruction DOES
 * (not its declared class), planted into a copy of the machine — the
 * reference interpreter with one line of its semantics table replaced — so
 * nothing in src/ is edited. The checker must find each: the mutated
 * instruction's derived class, or the theorems' verdicts, must come out as
 * the mutated semantics imply.
 */
import { FLAGS, type Mnemonic } from '../../src/isa/table.js';
import type { Semantic } from '../../src/ref/semantics.js';

export interface Mutant {
  readonly name: string;
  readonly isa: string;
  readonly mnemonic: Mnemonic;
  readonly semantic: Semantic;
  /** the class the mutated instruction must get, as classOf() prints it */
  readonly class: string;
  /** the theorems that must fail with the mutant (the others hold, as for the clean ISA) */
  readonly fails: readonly ('1' | '2' | '3')[];
}

const IE = FLAGS.IE;
const S = FLAGS.S;

export const MUTANTS: readonly Mutant[] = [
  // The four the adversarial review found missed (issue 11).
  {
    name: 'getr returns base >>> 6',
    isa: 'pg32+getr',
    mnemonic: 'getr',
    semantic: (m, o) => m.set(o.rd, m.base >>> 6),
    class: 'location-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'add sets IE only when TIMER is 2',
    isa: 'pg32',
    mnemonic: 'add',
    semantic: (m, o) => {
      m.set(o.rd, m.get(o.rs) + m.get(o.rt));
      if (m.timer === 2) m.flags |= IE;
    },
    class: 'control-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'add sets IE only when rs == 0x1234',
    isa: 'pg32',
    mnemonic: 'add',
    semantic: (m, o) => {
      if (m.get(o.rs) === 0x1234) m.flags |= IE;
      m.set(o.rd, m.get(o.rs) + m.get(o.rt));
    },
    class: 'control-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'st also writes the last word of storage',
    isa: 'pg32',
    mnemonic: 'st',
    semantic: (m, o) => {
      m.storeWord(m.get(o.rs) + o.imm, m.get(o.rt));
      m.mem[m.memWords - 1] = m.get(o.rt);
    },
    class: 'control+location-sensitive, NOT privileged', // when the window holds the last word, moving base moves where it lands
    fails: ['1', '2', '3'],
  },
  // Corners of relocation.
  {
    name: 'getr returns base >>> 20 (only a large storage reaches it)',
    isa: 'pg32+getr',
    mnemonic: 'getr',
    semantic: (m, o) => m.set(o.rd, m.base >>> 20),
    class: 'location-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'ld ignores base once base reaches 2^24',
    isa: 'pg32',
    mnemonic: 'ld',
    semantic: (m, o) => {
      const a = (m.get(o.rs) + o.imm) >>> 0;
      const v = m.loadWord(a);
      m.set(o.rd, m.base >= 2 ** 24 && a < m.memWords ? m.mem[a]! : v);
    },
    class: 'location-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'ld reads the word just past the bound instead of trapping',
    isa: 'pg32',
    mnemonic: 'ld',
    semantic: (m, o) => {
      const a = (m.get(o.rs) + o.imm) >>> 0;
      if (a === m.bound && m.base + a < m.memWords) m.set(o.rd, m.mem[m.base + a]!);
      else m.set(o.rd, m.loadWord(a));
    },
    class: 'location-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'st writes the word just past the bound instead of trapping',
    isa: 'pg32',
    mnemonic: 'st',
    semantic: (m, o) => {
      const a = (m.get(o.rs) + o.imm) >>> 0;
      if (a === m.bound && m.base + a < m.memWords) m.mem[m.base + a] = m.get(o.rt);
      else m.storeWord(a, m.get(o.rt));
    },
    class: 'control-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'jal links the physical next pc',
    isa: 'pg32',
    mnemonic: 'jal',
    semantic: (m, o) => {
      m.set(o.rd, m.base + m.pc + 1);
      m.jump(o.target);
    },
    class: 'location-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  // Corners of the timer.
  {
    name: 'sub reveals the timer when it is 3',
    isa: 'pg32',
    mnemonic: 'sub',
    semantic: (m, o) => m.set(o.rd, m.get(o.rs) - m.get(o.rt) - (m.timer === 3 ? 1 : 0)),
    class: 'innocuous, reveals TIMER',
    fails: ['2'],
  },
  {
    name: 'nop sets the pending interrupt when TIMER is 2^32 - 1',
    isa: 'pg32',
    mnemonic: 'nop',
    semantic: (m) => {
      if (m.timer === 0xffffffff) m.pending = true;
    },
    class: 'control-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'addi clears a pending interrupt',
    isa: 'pg32',
    mnemonic: 'addi',
    semantic: (m, o) => {
      m.set(o.rd, m.get(o.rs) + o.imm);
      m.pending = false;
    },
    class: 'control-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  // Corners of the operands and modes.
  {
    name: 'xori sets IE when its immediate is 0xffff',
    isa: 'pg32',
    mnemonic: 'xori',
    semantic: (m, o) => {
      m.set(o.rd, m.get(o.rs) ^ o.imm);
      if (o.imm === 0xffff) m.flags |= IE;
    },
    class: 'control-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'bne clears IE when rs and rt are equal and negative',
    isa: 'pg32',
    mnemonic: 'bne',
    semantic: (m, o) => {
      if (m.get(o.rs) === m.get(o.rt) && m.get(o.rs) < 0) m.flags &= ~IE;
      if (m.get(o.rs) !== m.get(o.rt)) m.jump(o.target);
    },
    class: 'control-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
  {
    name: 'lui ORs in the mode bit',
    isa: 'pg32',
    mnemonic: 'lui',
    semantic: (m, o) => m.set(o.rd, (o.imm << 16) | (m.flags & S)),
    class: 'mode-sensitive, NOT privileged',
    fails: ['1', '2'],
  },
  {
    name: 'stimer forgets its privilege check when rs is 0',
    isa: 'pg32',
    mnemonic: 'stimer',
    semantic: (m, o) => {
      if (m.get(o.rs) !== 0) m.requireSupervisor(o);
      m.setTimer(m.get(o.rs) >>> 0);
    },
    class: 'control-sensitive, NOT privileged',
    fails: ['1', '2', '3'],
  },
];

/**
 * What execution cannot see (isa/MACHINE.md, "What checking by execution
 * cannot see"): a condition on one value out of 2³² that the code computes
 * rather than writes. Neither a sample nor the semantics' literals reach it.
 */
export const BEYOND: Mutant = {
  name: 'add sets IE only when rs is a value the code computes (0x9e37 × 0x79b1)',
  isa: 'pg32',
  mnemonic: 'add',
  semantic: (m, o) => {
    if (m.get(o.rs) === Math.imul(0x9e37, 0x79b1)) m.flags |= IE;
    m.set(o.rd, m.get(o.rs) + m.get(o.rt));
  },
  class: 'control-sensitive, NOT privileged',
  fails: ['1', '2', '3'],
};

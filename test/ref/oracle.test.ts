// The reference interpreter (src/ref) is the fast CPU's oracle: random programs from the fuzz generator run on
// both, with the whole machine compared after every step, after chunks of steps (translated blocks, bursts) and
// at every trap with the trap hook set. Fixed seed; `npm run fuzz -- --suite reference` runs longer.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CAUSES, FLAGS } from '../../src/isa/table.js';
import { SEMANTICS, type Semantics } from '../../src/ref/semantics.js';
import { Trap } from '../../src/ref/trap.js';
import { CI } from '../fuzz/seeds.js';
import { classifyInstruction } from '../../src/checker/classify.js';
import { constantsIn } from '../../src/checker/constants.js';
import { CPU, Prober, reference } from '../../src/checker/probe.js';
import { hotProperty, HOT_RUNS, oracleProperty, tally, vtProperty, WITH_EXTRAS } from './oracle.js';
import { Reference } from '../../src/ref/interp.js';

/** Programs with guests per CI run. */
const VT_RUNS = 60;

describe('the fast CPU agrees with the reference interpreter', () => {
  it(`${CI.reference.numRuns} random programs, stepped, chunked and hooked (seed ${CI.reference.seed})`, () => {
    fc.assert(oracleProperty(), CI.reference);
    // the programs reach what they must: halts, step limits, every trap cause
    expect(tally.halts).toBeGreaterThan(CI.reference.numRuns / 5);
    for (let cause = 1; cause <= 6; cause++) expect(tally.traps[cause], `cause ${cause}`).toBeGreaterThan(10);
    console.log(`reference oracle: ${tally.programs} runs, ${tally.steps} steps compared; ${tally.halts} halted, ${tally.checkstops} check-stopped; traps by cause ${tally.traps.slice(1).join('/')}`);
  });
});

/** Small semantic slips, each planted into the reference alone: the suite above must see every one. */
const SLIPS: Record<string, Partial<Semantics>> = {
  'shr shifts arithmetically': { shr: (m, o) => m.set(o.rd, m.get(o.rs) >> (m.get(o.rt) & 31)) },
  'sltu compares signed': { sltu: (m, o) => m.set(o.rd, m.get(o.rs) < m.get(o.rt) ? 1 : 0) },
  'jalr writes rd before reading rs': {
    jalr: (m, o) => {
      m.set(o.rd, m.pc + 1);
      m.jump(m.get(o.rs));
    },
  },
  'svc saves the svc itself as old pc': {
    svc: (m, o) => {
      throw new Trap(CAUSES.SVC, o.n);
    },
  },
  'stimer is counted by the timer it sets': {
    stimer: (m, o) => {
      m.requireSupervisor(o);
      m.timer = m.get(o.rs) >>> 0;
      m.pending = false;
    },
  },
  'lpsw keeps every flag bit': {
    lpsw: (m, o) => {
      m.requireSupervisor(o);
      const [flags, pc, base, bound] = m.loadWords(m.get(o.rs), 4);
      m.flags = flags!;
      m.base = base! >>> 0;
      m.bound = bound! >>> 0;
      m.jump(pc!);
    },
  },
  'div rounds toward minus infinity': {
    div: (m, o) => {
      if (m.get(o.rt) === 0) throw new Trap(CAUSES.ARITH, o.word);
      m.set(o.rd, Math.floor(m.get(o.rs) / m.get(o.rt)));
    },
  },
  'in reads into r0': { in: (m, o) => (m.requireSupervisor(o), (m.regs[o.rd] = m.devices.read(o.port))) },
  'sflags works in user mode too': { sflags: (m, o) => void (m.flags = (m.flags & ~FLAGS.IE) | (m.get(o.rs) & FLAGS.IE)) },
  'getr reads bound': { getr: (m, o) => m.set(o.rd, m.bound) },
};

/** The slips that change how a program flows (traps, the timer, the PSW, links): the program-level comparison must see them. */
const IN_PROGRAMS = ['jalr writes rd before reading rs', 'svc saves the svc itself as old pc', 'stimer is counted by the timer it sets', 'lpsw keeps every flag bit', 'in reads into r0', 'sflags works in user mode too', 'getr reads bound'];

describe('the comparison is sharp: a slip planted into the reference is caught', () => {
  it.each(IN_PROGRAMS)('on generated programs: %s', (name) => {
    const r = fc.check(oracleProperty({ ...SEMANTICS, ...SLIPS[name] }), { ...CI.reference, numRuns: 150, endOnFailure: true });
    expect(r.failed, `${name} survived`).toBe(true);
  });

  // Instruction by instruction, in the checker's corner states (one step each, CPU against the slipped reference):
  // every slip, the arithmetic ones a random program seldom exercises included.
  it.each(Object.keys(SLIPS))('in the checker\'s states: %s', (name) => {
    const slipped = reference({ ...SEMANTICS, ...SLIPS[name] });
    const mnemonic = Object.keys(SLIPS[name]!)[0]!;
    const spec = WITH_EXTRAS.instructions.find((s) => s.mnemonic === mnemonic)!;
    const c = classifyInstruction(spec, new Prober(WITH_EXTRAS, CPU), { states: 192 }, constantsIn([...CPU.code, ...slipped.code]), new Prober(WITH_EXTRAS, slipped));
    expect(c.discrepancy?.mnemonic, `${name} survived`).toBe(mnemonic);
  });
});

// The same comparison on programs whose loops get hot (test/ref/hot.ts): most of their instructions run as
// translated code (src/cpu/translate.ts), so the translator, not only the interpreter, is held to the reference.
describe('the fast CPU in translated code agrees with the reference interpreter', () => {
  it(`${HOT_RUNS} hot-loop programs, chunked and hooked (seed ${CI.reference.seed})`, () => {
    const before = { ...tally, traps: [...tally.traps] };
    fc.assert(hotProperty(), { seed: CI.reference.seed, numRuns: HOT_RUNS });
    // the translator ran: regions were made in most programs, and rewritten code dropped some
    expect(tally.translations - before.translations).toBeGreaterThan(HOT_RUNS);
    expect(tally.invalidations - before.invalidations).toBeGreaterThan(5);
    expect(tally.traps[CAUSES.MEMORY]! - before.traps[CAUSES.MEMORY]!).toBeGreaterThan(5);
  });

  it('is sharp: a slip planted into the reference (sltu compares signed) is caught in translated code', () => {
    const r = fc.check(hotProperty({ ...SEMANTICS, ...SLIPS['sltu compares signed'] }), { seed: CI.reference.seed, numRuns: HOT_RUNS, endOnFailure: true });
    expect(r.failed).toBe(true);
  });
});

// Guest mode (vt) on both: the fuzz programs with vmruns inserted, their control blocks in line, compared as above.
describe('the fast CPU in guest mode agrees with the reference interpreter (src/ref/guest.ts)', () => {
  it(`${VT_RUNS} random programs with guests, stepped, chunked and hooked (seed ${CI.reference.seed})`, () => {
    const entered = vi.spyOn(Reference.prototype, 'enterGuest');
    try {
      fc.assert(vtProperty(), { seed: CI.reference.seed, numRuns: VT_RUNS });
      expect(entered.mock.calls.length, 'guests the reference ran').toBeGreaterThan(VT_RUNS);
    } finally {
      entered.mockRestore();
    }
  });

  it('is sharp: a guest-mode slip planted into the reference (a guest\'s ld reads the next word) is caught', () => {
    const slipped: Semantics = { ...SEMANTICS, ld: (m, o) => m.set(o.rd, m.loadWord(m.get(o.rs) + o.imm + (m.isGuest ? 1 : 0))) };
    expect(fc.check(vtProperty(slipped), { seed: CI.reference.seed, numRuns: VT_RUNS, endOnFailure: true }).failed).toBe(true);
  });
});

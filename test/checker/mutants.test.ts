// Planted semantic mutants (test/checker/mutants.ts): each changes what one instruction does, in a copy of the
// machine (the reference interpreter with one line of its semantics replaced). The checker must derive the
// class the mutated semantics imply, and the theorems must fall accordingly.
import { describe, expect, it } from 'vitest';
import { classifyInstruction, classifyIsa, theorems, type Classification, type Report } from '../../src/checker/classify.js';
import { constantsIn } from '../../src/checker/constants.js';
import { Prober, reference } from '../../src/checker/probe.js';
import { classOf } from '../../src/checker/report.js';
import { isaOrThrow } from '../../src/isa/table.js';
import { SEMANTICS } from '../../src/ref/semantics.js';
import { BEYOND, MUTANTS, type Mutant } from './mutants.js';
import { plainReport } from './reports.js';

/** The clean ISA (the CPU, which the reference interpreter agrees with: test/ref, and checker.test.ts). */
const cleanReport = plainReport;

/** Classify the mutated instruction on the mutated machine; the others are as in the clean ISA. */
const done = new Map<Mutant, ReturnType<typeof classifyMutant>>();
function withMutant(m: Mutant): ReturnType<typeof classifyMutant> {
  let r = done.get(m);
  if (!r) done.set(m, (r = classifyMutant(m)));
  return r;
}
function classifyMutant(m: Mutant): { mutated: Classification; theorems: Report['theorems']; clean: Classification } {
  const isa = isaOrThrow(m.isa);
  const target = reference({ ...SEMANTICS, [m.mnemonic]: m.semantic });
  const spec = isa.instructions.find((s) => s.mnemonic === m.mnemonic)!;
  const mutated = classifyInstruction(spec, new Prober(isa, target), {}, constantsIn(target.code));
  const all = cleanReport(m.isa).instructions.map((c) => (c.mnemonic === m.mnemonic ? mutated : c));
  return { mutated, theorems: theorems(all), clean: cleanReport(m.isa).instructions.find((c) => c.mnemonic === m.mnemonic)! };
}

const failing = (t: Report['theorems']) => (['1', '2', '3'] as const).filter((k) => !t[k].holds);

describe('planted semantic mutants are caught', () => {
  it.each(MUTANTS.map((m) => [m.name, m] as const))('%s', (_name, m) => {
    const r = withMutant(m);
    expect(classOf(r.mutated)).toBe(m.class);
    expect(failing(r.theorems)).toEqual(m.fails);
    // a witness proves it, unless the instruction stayed innocuous
    if (!r.mutated.innocuous || r.mutated.revealsTime) expect(r.mutated.witnesses.length).toBeGreaterThan(0);
  });

  it('each of them changes the derived class or the theorems of the clean ISA (or, for getr, finds the same class through a different value)', () => {
    for (const m of MUTANTS) {
      const r = withMutant(m);
      const changed = classOf(r.mutated) !== classOf(r.clean) || failing(r.theorems).join() !== failing(cleanReport(m.isa).theorems).join();
      if (m.mnemonic !== 'getr') expect(changed, m.name).toBe(true);
    }
  });

  it('the whole pipeline, as `trapeze classify` runs it: add that sets IE when rs is 0x1234 breaks Theorem 1', () => {
    const r = classifyIsa(isaOrThrow('pg32'), { target: reference({ ...SEMANTICS, add: MUTANTS.find((m) => m.name.includes('0x1234'))!.semantic }), oracle: false, states: 120 });
    expect(r.theorems['1'].violators).toEqual(['add']);
    expect(r.disagreements.map((d) => `${d.mnemonic} ${d.property}`)).toEqual(['add control']);
    expect(r.constants).toContain(0x1234);
  });
});

describe('what checking by execution cannot see (isa/MACHINE.md)', () => {
  it('a condition on a value the code computes, not writes, is beyond every state tried: add stays innocuous', () => {
    const r = withMutant(BEYOND);
    expect(classOf(r.mutated)).toBe('innocuous');
    expect(failing(r.theorems)).toEqual([]);
  });
  it('... and the same condition written as a literal is found', () => {
    const literal: Mutant = { ...BEYOND, semantic: (m, o) => { if (m.get(o.rs) === 0x4b356307) m.flags |= 2; m.set(o.rd, m.get(o.rs) + m.get(o.rt)); } };
    expect(Math.imul(0x9e37, 0x79b1)).toBe(0x4b356307);
    expect(classOf(withMutant(literal).mutated)).toBe(BEYOND.class);
  });
});

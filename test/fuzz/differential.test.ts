// Differential equivalence: random PG32 programs (test/fuzz/generator.ts) bare and under the monitors — 1 and 4
// VMs, quanta 1/7/100, depth 1-2, trap-and-emulate and hybrid (pg32), hybrid (pg32-pdp10) — compared in output,
// registers, PSW, TIMER, canary-filled storage, stop reason and instruction count. Fixed seed; `npm run fuzz` runs longer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { differential, differentialProperty, tally } from './differential.js';
import { build, MEM, program, source } from './generator.js';
import { CI } from './seeds.js';

describe('differential equivalence, bare vs virtual', () => {
  it(`${CI.differential.numRuns} random programs, each under a random configuration (seed ${CI.differential.seed})`, () => {
    fc.assert(differentialProperty(), CI.differential);
    expect(tally.programs).toBeGreaterThanOrEqual(CI.differential.numRuns);
    // the generator reaches what it must: halts, step limits, every guest-visible trap cause, emulation and interpretation
    expect(tally.halts).toBeGreaterThan(CI.differential.numRuns / 4);
    expect(tally.budgets).toBeGreaterThan(10);
    for (let cause = 1; cause <= 6; cause++) expect(tally.reflected[cause], `cause ${cause}`).toBeGreaterThan(50);
    expect(tally.emulated).toBeGreaterThan(1000);
    expect(tally.interpreted).toBeGreaterThan(1000);
    console.log(`differential: ${tally.programs} programs, ${tally.bareSteps} bare steps; ${tally.halts} halted, ${tally.budgets} at the step limit, ${tally.checkstops} check-stopped; traps reflected by cause ${tally.reflected.slice(1).join('/')}; ${tally.emulated} emulated, ${tally.interpreted} interpreted`);
  }, 180_000); // the longest suite (about 20 s alone); room for a loaded machine

  it('every configuration on a sample of programs (1 and 4 VMs × quanta 1/7/100 × depth 1-2 × both monitors)', () => {
    const sample = fc.sample(program, { seed: 2024, numRuns: 12 });
    for (const p of sample) {
      const src = source(p);
      for (const monitor of ['trap-emulate', 'hybrid'] as const)
        for (const vms of [1, 4] as const)
          for (const quantum of [1, 7, 100] as const)
            for (const depth of [1, 2] as const) expect(differential(src, p.input, { isa: 'pg32', monitor, vms, quantum, depth }), `${monitor} ${vms} ${quantum} ${depth}\n${src}`).toEqual([]);
    }
  });

  it('generated programs carry the canary in every unused word of storage', () => {
    const img = build(source(fc.sample(program, { seed: 5, numRuns: 1 })[0]!));
    const covered = img.segments.reduce((n, s) => n + s.words.length, 0);
    expect(covered).toBe(MEM - 16 + 4); // everything above low storage, plus the new PSW
  });
});

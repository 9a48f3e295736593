// Testing the tests: planted bugs must each be caught by the suites above, with their CI seeds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { differentialProperty, lockstepProperty } from './differential.js';
import { spatialProperty, temporalProperty } from './isolation.js';
import { withMutant, type MutantName } from './mutants.js';
import { CI } from './seeds.js';

const SUITES: Record<'differential' | 'lockstep' | 'spatial' | 'temporal', () => { failed: boolean; numRuns: number }> = {
  differential: () => fc.check(differentialProperty(), { ...CI.differential, endOnFailure: true }),
  lockstep: () => fc.check(lockstepProperty(), { ...CI.lockstep, endOnFailure: true }),
  spatial: () => fc.check(spatialProperty(), { ...CI.spatial, endOnFailure: true }),
  temporal: () => fc.check(temporalProperty(), { ...CI.temporal, endOnFailure: true }),
};

const CAUGHT_BY: Record<MutantName, (keyof typeof SUITES)[]> = {
  'bound off by one': ['spatial', 'differential'],
  'spsw stores the wrong pc': ['differential', 'lockstep'],
  'timer misses emulated instructions': ['differential', 'lockstep'],
  'greedy first VM': ['temporal'],
};

describe('planted bugs are caught', () => {
  for (const [mutant, suites] of Object.entries(CAUGHT_BY) as [MutantName, (keyof typeof SUITES)[]][]) {
    it.each(suites)(`${mutant}: caught by the %s suite`, (suite) => {
      const r = withMutant(mutant, SUITES[suite]);
      expect(r.failed, `${mutant} survived the ${suite} suite`).toBe(true);
      console.log(`mutant '${mutant}': caught by ${suite} after ${r.numRuns} case${r.numRuns === 1 ? '' : 's'}`);
    });
  }
  it('and without them the suites pass (the mutants are removed again)', () => {
    expect(fc.check(spatialProperty(), { seed: CI.spatial.seed, numRuns: 50 }).failed).toBe(false);
    expect(fc.check(differentialProperty(), { seed: CI.differential.seed, numRuns: 50 }).failed).toBe(false);
  });
});

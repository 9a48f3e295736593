// Lockstep: bare and virtual side by side, one guest step at a time; registers, PSW, TIMER, the pending
// interrupt, instruction count, every word of storage and the console compared after every step.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { lockstepProperty } from './differential.js';
import { CI } from './seeds.js';

describe('lockstep', () => {
  it(`${CI.lockstep.numRuns} random programs, state compared after every guest step (seed ${CI.lockstep.seed})`, () => {
    fc.assert(lockstepProperty(), CI.lockstep);
  });
});

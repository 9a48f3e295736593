// Temporal isolation: a spinning VM (a branch loop, an SVC storm, a PRIV storm from user mode, an emulation storm,
// a timer-interrupt storm) beside 1-3 workers, quanta 1/7/100, depth 1-2, both monitors: no slice exceeds a quantum,
// each worker waits at most (N-1) quanta, and while all run each gets at least 1/N - ε of the steps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SPINNERS, temporal, temporalProperty } from './isolation.js';
import { CI } from './seeds.js';

describe('temporal isolation', () => {
  it(`${CI.temporal.numRuns} random mixes of spinner, workers, quantum, depth and monitor (seed ${CI.temporal.seed})`, () => {
    fc.assert(temporalProperty(), CI.temporal);
  });
  it.each(Object.keys(SPINNERS))('the %s spinner, three workers, every quantum', (spinner) => {
    for (const quantum of [1, 7, 100] as const) expect(temporal({ spinner, workers: 3, quantum, monitor: 'trap-emulate', depth: 1, seeds: [1, 2, 3], slot: 0 })).toEqual([]);
  });
});

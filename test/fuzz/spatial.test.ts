// Spatial isolation: loads, stores, jumps, lpsw and spsw at 0, bound-1, bound, the partition's edge through the
// base, wrap-around and random addresses, in user and supervisor mode, under both monitors at depth 1-2, beside two
// other VMs: every out-of-range access traps exactly as the model from ISA.md predicts, and nothing outside the
// guest's partition changes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planSpatial, spatial, spatialCase, spatialProperty } from './isolation.js';
import { CI } from './seeds.js';

describe('spatial isolation', () => {
  it(`${CI.spatial.numRuns} random access patterns (seed ${CI.spatial.seed})`, () => {
    fc.assert(spatialProperty(), CI.spatial);
  });

  it('the cases reach both sides of every edge', () => {
    const cases = fc.sample(spatialCase, { seed: CI.spatial.seed, numRuns: CI.spatial.numRuns });
    const traps = cases.reduce((n, c) => n + planSpatial(c).expected.length, 0);
    const accesses = cases.reduce((n, c) => n + c.accesses.length, 0);
    expect(traps).toBeGreaterThan(accesses / 4);
    expect(traps).toBeLessThan(accesses * 0.9);
  });

  it('a hand-made case: the last word in bounds works, the first out of bounds traps, at every edge', () => {
    for (const supervisor of [false, true])
      for (const bound of ['tight', 'room', 'room+1', 'room-1', 300] as const)
        for (const monitor of ['trap-emulate', 'hybrid'] as const) {
          const accesses = (['ld', 'st', 'jr', 'spsw', 'lpsw'] as const).flatMap((kind) =>
            (['limit', 'bound', 'room', 'minusBase', 'top', 'int-min'] as const).flatMap((edge) => [-1, 0].map((plus) => ({ kind, at: { edge, plus } }))),
          );
          for (let i = 0; i < accesses.length; i += 24) {
            expect(spatial({ supervisor, base: 16, bound, accesses: accesses.slice(i, i + 24), monitor, depth: 2, slot: 1 })).toEqual([]);
          }
        }
  });
});

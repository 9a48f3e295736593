/**
 * The fixed seeds and run counts of the CI suites (`npm test`). `npm run fuzz`
 * (test/fuzz/run.ts) runs the same properties longer, with random seeds.
 */
export const CI = {
  differential: { seed: 1974, numRuns: 4000 },
  lockstep: { seed: 1975, numRuns: 800 },
  spatial: { seed: 1976, numRuns: 1500 },
  temporal: { seed: 1977, numRuns: 500 },
  assembly: { seed: 1978, numRuns: 3000 },
  image: { seed: 1979, numRuns: 1500 },
  words: { seed: 1980, numRuns: 1000 },
  cli: { seed: 1981, numRuns: 3000 },
  reference: { seed: 1982, numRuns: 200 },
} as const;

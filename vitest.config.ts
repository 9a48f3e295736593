import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests that start the `trapeze` binary run the bundle: build it first.
    globalSetup: ['test/setup/build.ts'],
    // The equivalence and checker suites run thousands of machine runs per file.
    testTimeout: 60_000,
    // One worker per core: by default vitest 4 leaves one core idle, and on a 2-core machine that runs
    // the suites one at a time (3 min instead of 2).
    maxWorkers: availableParallelism(),
    hookTimeout: 60_000,
  },
});

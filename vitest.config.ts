import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests that start the `trapeze` binary run the bundle: build it first.
    globalSetup: ['test/setup/build.ts'],
    // The equivalence and checker suites run thousands of machine runs per file.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

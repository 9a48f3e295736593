import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The equivalence and checker suites run thousands of machine runs per file.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

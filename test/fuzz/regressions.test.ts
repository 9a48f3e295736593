// Named regression cases: programs and command lines the fuzzers once found (or format examples), replayed exactly.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { differential, lockstep } from './differential.js';
import { build } from './generator.js';
import { CLI_FILES } from './hostile.js';
import { CLI, PROGRAMS } from './regressions.js';

describe('regressions: programs', () => {
  it.each(PROGRAMS.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const input = new Uint8Array(r.input ?? []);
    expect(differential(r.source, input, r.config)).toEqual([]);
    expect(lockstep(build(r.source), input, r.config)).toEqual([]);
  });
});

describe('regressions: command lines', () => {
  it.each(CLI.map((r) => [r.name, r] as const))('%s', async (_name, r) => {
    const io = memoryIo(CLI_FILES);
    const t = performance.now();
    expect(await main([...r.args], io)).toBe(r.status);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(io.stderr()).not.toMatch(/internal error|RangeError|TypeError|^\s+at /m);
    expect(io.stderr().split('\n')[0]).toMatch(r.stderr);
  });
});

// Hostile inputs: random and mutated assembly, random, truncated and mutated images, a word of every class on every
// ISA (bare and virtualized), random command lines. Only clean one-line errors: no exception, no TypeError or
// RangeError, no stack trace, no internal error; and each input answered within 100 ms.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { assemblyProperty, checkCli, checkWord, cliProperty, imageProperty, timings, wordProperty } from './hostile.js';
import { CI } from './seeds.js';
import { ALL, opcodeWord, setField } from '../../src/isa/table.js';
import { HYPERCALL_BASE, HYPERCALL_LAST } from '../../isa/hypercalls.js';

/** Slow inputs: a 100 ms budget of CPU time per input, asserted on the median and the 99th percentile so a GC pause is not a failure. */
function budget(kind: string) {
  const t = [...timings[kind]!].sort((a, b) => a - b);
  const at = (q: number) => t[Math.min(t.length - 1, Math.floor(q * t.length))]!;
  console.log(`hostile ${kind}: ${t.length} inputs, median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${t.at(-1)!.toFixed(1)} ms, ${t.filter((x) => x > 100).length} over 100 ms`);
  expect(at(0.5)).toBeLessThan(100);
  expect(at(0.99)).toBeLessThan(100);
}

describe('hostile inputs', () => {
  beforeAll(async () => {
    for (const c of ['asm', 'disasm', 'run', 'vmm', 'equiv', 'classify']) await checkCli([c, '--help']); // load the commands once
    timings.cli!.length = 0;
  });

  it(`${CI.assembly.numRuns} random and mutated assembly sources (seed ${CI.assembly.seed})`, () => {
    fc.assert(assemblyProperty(), CI.assembly);
    budget('asm');
  });
  it(`${CI.image.numRuns} random, truncated and mutated images, decoded, run and disassembled (seed ${CI.image.seed})`, async () => {
    await fc.assert(imageProperty(), CI.image);
    budget('image');
  });
  it(`${CI.words.numRuns} random words of every class on every ISA, bare and virtualized (seed ${CI.words.seed})`, () => {
    fc.assert(wordProperty(), CI.words);
    budget('words');
  });
  it('every opcode, with its reserved bits clear and set', () => {
    for (let op = 0; op < 256; op++) {
      const spec = ALL.byOpcode[op];
      const w = (op << 24) | 0;
      expect(checkWord(w), `opcode ${op}`).toEqual([]);
      expect(checkWord(w | 0x00f00001 | (spec ? 0 : 0x000ff000)), `opcode ${op}`).toEqual([]);
      expect(checkWord(w | 0x00ffffff), `opcode ${op}`).toEqual([]);
    }
  });
  // Regression (npm run fuzz, words, seed 491441760): `svc 0xFFFF` in supervisor mode was reported "not
  // equivalent" under the monitors. It is a hypercall there, by design, and the property now leaves hypercalls
  // to test/vmm; an svc just below the range is still compared.
  it('an svc in the hypercall range is not taken for a monitor bug; the one below it is compared', () => {
    const svc = opcodeWord(ALL.instructions.find((s) => s.mnemonic === 'svc')!);
    for (const n of [HYPERCALL_BASE, HYPERCALL_LAST, HYPERCALL_BASE - 1]) expect(checkWord(setField(svc, 'imm16', n)), `svc ${n}`).toEqual([]);
  });
  it(`${CI.cli.numRuns} random command lines (seed ${CI.cli.seed})`, async () => {
    await fc.assert(cliProperty(), CI.cli);
    budget('cli');
  });
});

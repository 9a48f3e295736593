import fc from 'fast-check';
import { it } from 'vitest';
import { build, MAX_STEPS, MEM, program, source } from '../fuzz/generator.js';
import { arrange, asShown, bare, guest, runImage, verdictOf } from './harness.js';
it('campaign', () => {
  const seed = Number(process.env.SEED ?? 1);
  const sample = fc.sample(program, { seed, numRuns: Number(process.env.N ?? 300) });
  let n = 0, bad = 0;
  for (const p of sample) {
    const src = source(p);
    const img = build(src);
    const b = bare(img, MEM, p.input, MAX_STEPS);
    if (b.reason === 'budget') continue;
    n++;
    const r = runImage(arrange('programs/vmm/type1.s', [{ file: 'fuzz.s', image: img, at: 0x4000, size: MEM }], 0x10000), 0x10000, p.input, 20_000_000);
    const g = guest(r.out, ['fuzz']);
    if (r.reason !== 'halt' || g.text !== asShown(b.out) || !verdictOf(b).test(g.verdict ?? '')) {
      bad++;
      if (bad <= 3) console.log('MISMATCH', r.reason, JSON.stringify(g), JSON.stringify(asShown(b.out)), b.reason, b.checkStop, '\n' + src);
    }
  }
  console.log('checked', n, 'bad', bad);
});

/**
 * The PG32 hypervisor (programs/vmm/type1.s) on random programs from the
 * fuzz generator: each one that stops on the bare machine within the fuzz
 * step limit must print the same and stop the same way as its guest.
 * `npm run fuzz -- --suite pgmon` runs it with random seeds; test/pgmon
 * runs a fixed sample.
 */
import fc from 'fast-check';
import { build, MAX_STEPS, MEM, program, source } from '../fuzz/generator.js';
import { arrange, asShown, bare, guest, runImage, verdictOf } from './harness.js';

/** A hypercall (svc 0xFF00+n) is an SVC on the bare machine and a call to the monitor under it: no comparison there. */
const HYPERCALL = /\bsvc\s+(0x[fF]{2}[0-9a-fA-F]{2}|6[5-9]\d{3})\b/;

/** Differences between the program's bare run and its run as type1.s's guest (empty: none). */
export function underType1(src: string, input: Uint8Array): string[] {
  if (HYPERCALL.test(src)) return [];
  const img = build(src);
  const b = bare(img, MEM, input, MAX_STEPS);
  if (b.reason === 'budget') return []; // it loops: no end to compare with
  const r = runImage(arrange('programs/vmm/type1.s', [{ file: 'fuzz.s', image: img, at: 0x4000, size: MEM }], 0x10000), 0x10000, input, 20_000_000);
  const g = guest(r.out, ['fuzz']);
  const diffs: string[] = [];
  if (r.reason !== 'halt') diffs.push(`the monitor stopped with ${r.reason}`);
  if (g.text !== asShown(b.out)) diffs.push(`output ${JSON.stringify(g.text)} vs bare ${JSON.stringify(b.out)}`);
  if (!verdictOf(b).test(g.verdict ?? '')) diffs.push(`verdict ${JSON.stringify(g.verdict)} vs bare ${b.reason} ${JSON.stringify(b.checkStop)}`);
  return diffs;
}

export const pgmonProperty = () =>
  fc.property(program, (p) => {
    const d = underType1(source(p), p.input);
    if (d.length) throw new Error(d.join('\n'));
  });

/**
 * The PG32 hypervisor (programs/vmm/type1.s) on random programs from the
 * fuzz generator: each one that stops on the bare machine within the fuzz
 * step limit must print the same and stop the same way as its guest.
 * `npm run fuzz -- --suite pgmon` runs it with random seeds, under type1.s and type2.s; test/pgmon
 * runs a fixed sample.
 */
import fc from 'fast-check';
import { build, MAX_STEPS, MEM, program, source } from '../fuzz/generator.js';
import { arrange, asShown, bare, guest, runImage, verdictOf, type Outcome } from './harness.js';

/** A hypercall (svc 0xFF00+n) is an SVC on the bare machine and a call to the monitor under it: no comparison there. */
const HYPERCALL = /\bsvc\s+(0x[fF]{2}[0-9a-fA-F]{2}|6[5-9]\d{3})\b/;

/** Differences between the program's bare run and its run as type1.s's guest (empty: none). */
export function underType1(src: string, input: Uint8Array): string[] {
  return compare(src, input, 'type1', (img) => runImage(arrange('programs/vmm/type1.s', [{ file: 'fuzz.s', image: img, at: 0x4000, size: MEM }], 0x10000), 0x10000, input, 20_000_000));
}

/**
 * The same under type2.s, hosted by the mini kernel (whose own tasks read
 * no input here: the guest gets all of it).
 */
export function underType2(src: string, input: Uint8Array): string[] {
  const loads = [{ file: 'programs/vmm/type2.s', at: 0x2000, size: 0x3000 }, { file: 'fuzz.s', image: build(src), at: 0x4000, size: MEM }];
  // the host's task C reads a line first: give it one, then the guest's input
  const all = new Uint8Array([...new TextEncoder().encode('x\n'), ...input]);
  return compare(src, input, 'type2', () => runImage(arrange('programs/os/kernel.s', loads, 0x10000), 0x10000, all, 50_000_000));
}

function compare(src: string, input: Uint8Array, monitor: string, run: (img: ReturnType<typeof build>) => Outcome): string[] {
  if (HYPERCALL.test(src)) return [];
  const img = build(src);
  const b = bare(img, MEM, input, MAX_STEPS);
  if (b.reason === 'budget') return []; // it loops: no end to compare with
  const r = run(img);
  const g = guest(r.out, ['fuzz'], monitor);
  const diffs: string[] = [];
  if (r.reason !== 'halt') diffs.push(`the monitor stopped with ${r.reason}`);
  if (g.text !== asShown(b.out)) diffs.push(`output ${JSON.stringify(g.text)} vs bare ${JSON.stringify(b.out)}`);
  if (!verdictOf(b).test(g.verdict ?? '')) diffs.push(`verdict ${JSON.stringify(g.verdict)} vs bare ${b.reason} ${JSON.stringify(b.checkStop)}`);
  return diffs;
}

export const pgmonProperty = () =>
  fc.property(program, fc.boolean(), (p, hosted) => {
    const d = (hosted ? underType2 : underType1)(source(p), p.input);
    if (d.length) throw new Error(`under ${hosted ? 'type2' : 'type1'}: ${d.join('\n')}`);
  });

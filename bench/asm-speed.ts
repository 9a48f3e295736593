/**
 * Assembler throughput: a generated 100,000-line program, assembled in
 * process with one (warmed-up) parser. Run: npx tsx bench/asm-speed.ts
 */
import { assemble } from '../src/asm/assemble.js';

export function generate(lines: number): string {
  const out: string[] = ['.entry start', 'start:'];
  const ops = [
    (i: number) => `  addi r${i % 15 + 1}, r${(i * 7) % 16}, ${(i % 2000) - 1000}`,
    (i: number) => `  add r${i % 16}, r${(i + 3) % 16}, r${(i + 5) % 16} ; comment ${i}`,
    (i: number) => `L${i}: ld r1, ${i % 100}(sp)`,
    (i: number) => `  st r2, -4(r${i % 16})`,
    (i: number) => `  bne r1, r2, L${i - (i % 8) + 2}`,
    (i: number) => `  li r3, ${i * 1000}`,
    (i: number) => `  shli r4, r4, ${i % 32}`,
    (i: number) => `  .word ${i}, 0x${i.toString(16)}, 'A'`,
  ];
  for (let i = 0; out.length < lines; i++) out.push(ops[i % ops.length]!(i));
  out.push('  halt');
  return out.join('\n') + '\n';
}

if (process.argv[1]?.endsWith('asm-speed.ts')) main();

function main(): void {
  const src = generate(100_000);
  const n = src.split('\n').length - 1;
  for (let i = 0; i < 3; i++) assemble(src, 'bench.s'); // warm up
  const times: number[] = [];
  let words = 0;
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    const r = assemble(src, 'bench.s');
    times.push(performance.now() - t0);
    if (r.errors.length) throw new Error(r.errors[0]!.message);
    words = r.image!.segments.reduce((s, g) => s + g.words.length, 0);
  }
  times.sort((a, b) => a - b);
  const rate = (ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  const best = times[0]!;
  const median = times[times.length >> 1]!;
  console.log(`${n} lines -> ${words} words; best ${best.toFixed(1)} ms (${rate(best)} lines/s), median ${median.toFixed(1)} ms (${rate(median)} lines/s)`);
}

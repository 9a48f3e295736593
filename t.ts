import fc from 'fast-check';
import { differential } from './test/fuzz/differential.js';
import { program, source } from './test/fuzz/generator.js';
const ps = fc.sample(program, { seed: 7, numRuns: 300 });
for (const monitor of ['trap-emulate', 'bt'] as const) {
  const c0 = process.cpuUsage();
  let n = 0;
  for (const [i, p] of ps.entries()) {
    const cfg = { isa: 'pg32' as const, monitor, vms: ([1, 4] as const)[i % 2]!, quantum: ([1, 7, 100] as const)[i % 3]!, depth: ([1, 2] as const)[(i >> 1) % 2]! };
    n += differential(source(p), p.input, cfg).length;
  }
  console.log(monitor, n, 'diffs', (process.cpuUsage(c0).user / 1000).toFixed(0), 'ms cpu');
}

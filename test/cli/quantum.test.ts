// The default time slice of trapeze vmm: 100,000 guest steps, round robin.
// Each VM prints a line, then spins 60,000 steps, three times: one slice holds
// two of its lines, so with the default two VMs take turns every two lines;
// with --quantum 1000 they alternate line by line.
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { DEFAULT_QUANTUM } from '../../src/cli/vmm.js';

const PHASES = `
        li   r3, '1'
phase:  out  r3, 0
        li   r1, '\\n'
        out  r1, 0
        li   r2, 30000
spin:   addi r2, r2, -1         ; 60,000 steps
        bnez r2, spin
        addi r3, r3, 1
        li   r4, '4'
        bne  r3, r4, phase
        halt`;

async function vmm(extra: string[]) {
  const io = memoryIo({ 'a.s': PHASES, 'b.s': PHASES }, '');
  const status = await main(['vmm', 'a.s', 'b.s', ...extra], io);
  return { status, lines: io.stdout().trim().split('\n') };
}

describe('trapeze vmm time slices', () => {
  it(`the default quantum (${DEFAULT_QUANTUM.toLocaleString('en-US')} steps) gives each VM two phases per turn`, async () => {
    expect(DEFAULT_QUANTUM).toBe(100_000);
    const r = await vmm([]);
    expect(r.status).toBe(0);
    expect(r.lines).toEqual(['[a] 1', '[a] 2', '[b] 1', '[b] 2', '[a] 3', '[b] 3']);
  });
  it('--quantum 1000 alternates them line by line', async () => {
    const r = await vmm(['--quantum', '1000']);
    expect(r.lines).toEqual(['[a] 1', '[b] 1', '[a] 2', '[b] 2', '[a] 3', '[b] 3']);
  });
});

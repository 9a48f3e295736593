// programs/vt: hypervisors that use vmrun, equivalent bare and under every
// monitor at every depth — hw runs their vmrun as a VMRUN exit, trap-and-
// emulate and hybrid as a PRIV trap whose routine runs guest mode in software.
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { isaOrThrow } from '../../src/isa/table.js';
import { checkEquivalence } from '../../src/vmm/equiv.js';
import { MONITORS } from '../../src/vmm/monitor.js';
import { programs } from '../library.js';

const vt = programs().filter((p) => p.name.startsWith('vt/'));

describe.each(vt.map((p) => [p.name, p] as const))('%s', (_n, p) => {
  const isa = isaOrThrow(p.isa);
  const r = assemble(p.source, p.name, { isa });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  const img = r.image;
  it('is a vt program with its expected output', () => {
    expect(isa.extensions.has('vt')).toBe(true);
    expect(p.expected).toBeDefined();
  });
  it.each(MONITORS.flatMap((monitor) => [1, 2].map((depth) => ({ monitor, depth, vms: depth === 1 ? 2 : 1, quantum: depth === 1 ? 7 : 100 }))))(
    '$monitor, depth $depth, $vms VMs, quantum $quantum',
    (cfg) => {
      const e = checkEquivalence(img, { isa, memWords: 65536, maxSteps: 10_000_000, input: p.input, ...cfg });
      expect(e.differences).toEqual([]);
      expect(e.bare.output).toBe(p.expected);
      expect(e.bare.reason).toBe('halt');
      // the guest's own guests ran in guest mode that the monitor provided
      const s = e.stats[0]!;
      expect(s.guestMode).toBeGreaterThan(0);
      if (cfg.monitor === 'hw') expect(s.exits[19]).toBeGreaterThan(0); // VMRUN exits
      if (cfg.monitor === 'trap-emulate') expect(s.emulated.get('vmrun')).toBeGreaterThan(0); // PRIV traps, emulated
    },
  );
});

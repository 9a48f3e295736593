// Every program runs the same bare and virtualized (Popek & Goldberg's equivalence property).
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import type { Image } from '../../src/image.js';
import { isaOrThrow } from '../../src/isa/table.js';
import { checkEquivalence, type EquivOptions } from '../../src/vmm/equiv.js';
import { programs, type Program } from '../library.js';

function image(p: Program): Image {
  const r = assemble(p.source, p.name, { isa: isaOrThrow(p.isa) });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

const base = (p: Program): EquivOptions => ({
  isa: isaOrThrow(p.isa),
  monitor: 'trap-emulate',
  depth: 1,
  vms: 1,
  quantum: 100,
  memWords: 65536,
  maxSteps: 10_000_000,
  input: p.input,
});

// (Paravirtual programs call the monitor, so they are not meant to run the same bare: test/vmm/para.test.ts.)
const pg32 = programs().filter((p) => p.isa === 'pg32' && p.expected !== undefined && p.twin === undefined);

describe.each(pg32.map((p) => [p.name, p] as const))('%s', (_name, p) => {
  const img = image(p);
  it.each([1, 7, 100].flatMap((quantum) => [1, 4].flatMap((vms) => [1, 2, 3].map((depth) => ({ quantum, vms, depth })))))(
    'trap-and-emulate, quantum $quantum, $vms VMs, depth $depth',
    (cfg) => {
      const r = checkEquivalence(img, { ...base(p), ...cfg });
      expect(r.differences).toEqual([]);
      expect(r.equivalent).toBe(true);
      expect(r.bare.reason).toBe('halt');
      expect(r.bare.output).toBe(p.expected);
    },
  );
  it.each([{ quantum: 1, vms: 1, depth: 1 }, { quantum: 7, vms: 4, depth: 2 }, { quantum: 100, vms: 2, depth: 3 }])('hybrid, quantum $quantum, $vms VMs, depth $depth', (cfg) => {
    const r = checkEquivalence(img, { ...base(p), monitor: 'hybrid', ...cfg });
    expect(r.differences).toEqual([]);
  });
  it('runs innocuous instructions directly: the monitor only emulates privileged ones', () => {
    const r = checkEquivalence(img, base(p));
    const s = r.stats[0]!;
    expect(s.direct + s.emulations).toBe(r.virtual.instructions);
    expect(s.interpreted).toBe(0);
    expect([...s.emulated.keys()].every((m) => ['lpsw', 'spsw', 'stimer', 'in', 'out', 'halt'].includes(m))).toBe(true);
  });
});

describe('the variants diverge exactly where the theorems say', () => {
  const byName = new Map(programs().map((p) => [p.name, p]));
  const pdp10 = byName.get('variants/pdp10.s')!;
  const x86 = byName.get('variants/x86.s')!;

  it('pg32-pdp10 under trap-and-emulate diverges at jrstu (Theorem 1 fails)', () => {
    const r = checkEquivalence(image(pdp10), base(pdp10));
    expect(r.equivalent).toBe(false);
    expect(r.bare.output).toBe(pdp10.expected);
    expect(r.divergence?.instruction).toMatch(/^jrstu/);
    expect(r.divergence?.differences.join()).toMatch(/flags/);
  });

  it('pg32-pdp10 under the hybrid monitor is equivalent (Theorem 3 holds), at several depths and quanta', () => {
    for (const cfg of [{ depth: 1, quantum: 1 }, { depth: 2, quantum: 7 }, { depth: 3, quantum: 100, vms: 4 }]) {
      const r = checkEquivalence(image(pdp10), { ...base(pdp10), monitor: 'hybrid', ...cfg });
      expect(r.differences, JSON.stringify(cfg)).toEqual([]);
    }
  });

  it('pg32-x86 diverges under trap-and-emulate (gpsw in the kernel) and under the hybrid monitor (getr in user mode)', () => {
    const te = checkEquivalence(image(x86), base(x86));
    expect(te.equivalent).toBe(false);
    expect(te.divergence?.instruction).toMatch(/^gpsw/);
    const hy = checkEquivalence(image(x86), { ...base(x86), monitor: 'hybrid' });
    expect(hy.equivalent).toBe(false);
    expect(hy.divergence?.instruction).toMatch(/^getr/);
    expect(hy.bare.output).toBe(x86.expected);
  });
});

// The hardware-assisted monitor: every program equivalent bare and under hw,
// on every variant — including the ones trap-and-emulate cannot run.
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { Console } from '../../src/cpu/devices.js';
import type { Image } from '../../src/image.js';
import { EXITS, isaOrThrow, OPCODE } from '../../src/isa/table.js';
import { checkEquivalence, type EquivOptions } from '../../src/vmm/equiv.js';
import { roundRobin } from '../../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import { programs, type Program } from '../library.js';

function image(p: Program, isa: string): Image {
  const r = assemble(p.source, p.name, { isa: isaOrThrow(isa) });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

const opts = (p: Program, isa: string): EquivOptions => ({
  isa: isaOrThrow(isa),
  monitor: 'hw',
  depth: 1,
  vms: 1,
  quantum: 100,
  memWords: 65536,
  maxSteps: 10_000_000,
  input: p.input,
});

/** Each program on its own ISA and every named variant that contains it. */
const ISAS = ['pg32', 'pg32-pdp10', 'pg32-x86'];
const cases = programs()
  .filter((p) => p.expected !== undefined && !p.name.startsWith('vt/'))
  .flatMap((p) => ISAS.filter((isa) => p.isa === 'pg32' || p.isa === isa).map((isa) => [`${p.name} on ${isa}`, p, isa] as const));

describe.each(cases)('%s', (_n, p, isa) => {
  const img = image(p, isa);
  it.each([
    { vms: 1, depth: 1, quantum: 1000 },
    { vms: 4, depth: 1, quantum: 7 },
    { vms: 1, depth: 2, quantum: 100 },
    { vms: 4, depth: 2, quantum: 13 },
  ])('hw, $vms VMs, depth $depth, quantum $quantum', (cfg) => {
    const r = checkEquivalence(img, { ...opts(p, isa), ...cfg });
    expect(r.differences).toEqual([]);
    expect(r.bare.output).toBe(p.expected);
  });
});

describe('what the hw monitor sees', () => {
  const byName = new Map(programs().map((p) => [p.name, p]));

  it('the x86 demo: diverges under trap-and-emulate, equivalent under hw, because gpsw and getr never leave the guest', () => {
    const x86 = byName.get('variants/x86.s')!;
    const img = image(x86, 'pg32-x86');
    expect(checkEquivalence(img, { ...opts(x86, 'pg32-x86'), monitor: 'trap-emulate' }).equivalent).toBe(false);
    const r = checkEquivalence(img, opts(x86, 'pg32-x86'));
    expect(r.equivalent).toBe(true);
    const s = r.stats[0]!;
    // only what the monitor intercepts exits: console output and the final halt
    expect(s.exits[EXITS.INSTR]).toBe(s.emulations);
    expect([...s.emulated.keys()].sort()).toEqual(['halt', 'out']);
    expect(s.emulatedByOpcode[OPCODE.gpsw]).toBe(0);
    expect(s.entries).toBeGreaterThanOrEqual(s.emulations);
    expect(s.direct + s.emulations).toBe(r.virtual.instructions);
  });

  it('time slices end with HTIMER exits, and each VM gets its turn', () => {
    const sieve = byName.get('sieve.s')!;
    const img = image(sieve, 'pg32');
    const stack = buildStack({ isa: isaOrThrow('pg32'), monitor: 'hw', depth: 1, count: 2, guestWords: 65536 });
    for (const vm of stack.guests) loadGuest(vm, img, new Console());
    const out = roundRobin(stack.guests, { quantum: 500, maxSteps: 10_000_000 });
    for (const { vm, reason } of out) {
      expect(reason).toBe('halt');
      expect(vm.console.text()).toBe(sieve.expected);
      expect(vm.stats.exits[EXITS.HTIMER]).toBeGreaterThanOrEqual(Math.floor(vm.instret / 500) - vm.stats.emulations - 1);
    }
  });

  it('an svc that is not a hypercall goes back to the guest by injection: the kernel sees every system call', () => {
    const kernel = byName.get('os/kernel.s')!;
    const r = checkEquivalence(image(kernel, 'pg32'), opts(kernel, 'pg32'));
    expect(r.equivalent).toBe(true);
    expect(r.stats[0]!.exits[4]).toBeGreaterThan(0); // SVC exits
  });

  it('a guest that reaches past its storage takes the MEMORY trap the bare machine gives (NPF reflected)', () => {
    const src = `
      .org 8
      .word 1, handler, 0, 4096
      .org 16
      start:
        la r1, psw
        lpsw r1              ; user mode, base 4000, bound 200: 4000 + 150 is past 4096 words
      handler:
        ld r2, 4(r0)         ; cause
        out r2, 2
        ld r2, 5(r0)         ; info: the virtual address
        out r2, 2
        halt
      psw: .word 0, 0, 4000, 200
      .org 4000
        li r3, 150
        ld r4, 0(r3)
    `;
    const r0 = assemble(src, 'npf.s', { isa: isaOrThrow('pg32') });
    const img = r0.image!;
    const r = checkEquivalence(img, { ...opts({ input: new Uint8Array(0) } as Program, 'pg32'), memWords: 4096 });
    expect(r.differences).toEqual([]);
    expect(r.bare.output).toBe('3150');
    expect(r.stats[0]!.exits[EXITS.NPF]).toBe(1);
  });
});

// Paravirtual guests (programs/para/): under every monitor they print exactly what their unmodified twins print on
// the bare machine, and they enter the monitor far less often per byte of output and per timer interrupt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { Console } from '../../src/cpu/devices.js';
import type { Image } from '../../src/image.js';
import { CAUSES, isaOrThrow } from '../../src/isa/table.js';
import { checkEquivalence, runBare } from '../../src/vmm/equiv.js';
import { roundRobin } from '../../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import { MONITORS, type MonitorKind } from '../../src/vmm/monitor.js';
import type { VirtualMachine } from '../../src/vmm/vm.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { PROGRAMS, programs, type Program } from '../library.js';

const all = programs();
const para = all.filter((p) => p.twin !== undefined);
const byName = new Map(all.map((p) => [p.name, p]));

function image(p: Program): Image {
  const r = assemble(p.source, p.name, { isa: isaOrThrow(p.isa) });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

/** Run `p` under `monitor` (depth, VMs): every VM's output and stats. */
function runUnder(p: Program, monitor: MonitorKind, depth: number, count: number, input: Uint8Array): VirtualMachine[] {
  const stack = buildStack({ isa: isaOrThrow(p.isa), monitor, depth, count, guestWords: 65536 });
  const img = image(p);
  for (const vm of stack.guests) loadGuest(vm, img, new Console(input));
  const outcomes = roundRobin(stack.guests, { quantum: 100, maxSteps: 10_000_000 });
  for (const o of outcomes) expect(o.reason, `${p.name} under ${monitor}: ${o.vm.checkStop?.why ?? ''}`).toBe('halt');
  return stack.guests as VirtualMachine[];
}

describe('programs/para', () => {
  it('has a paravirtual mini kernel and a paravirtual x86 demo', () => {
    expect(para.map((p) => [p.name, p.twin])).toEqual([
      ['para/kernel.s', 'os/kernel.s'],
      ['para/x86.s', 'variants/x86.s'],
    ]);
  });

  describe.each(para.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    const twin = byName.get(p.twin!)!;
    const input = p.input.length ? p.input : twin.input;

    it("its expected output is its unmodified twin's output on the bare machine", () => {
      expect(p.expected).toBe(twin.expected);
      const bare = runBare(image(twin), { isa: isaOrThrow(twin.isa), memWords: 65536, maxSteps: 10_000_000, input: twin.input });
      expect(bare.console.text()).toBe(p.expected);
    });

    it.each(MONITORS.flatMap((m) => [[m, 1, 1], [m, 2, 4]] as const))('under %s at depth %i with %i VMs it prints exactly that', (monitor, depth, count) => {
      for (const vm of runUnder(p, monitor, depth, count, input)) expect(vm.console.text()).toBe(p.expected);
    });

    it('its sensitive instructions are hypercalls: under trap-and-emulate only lpsw is emulated', () => {
      const [vm] = runUnder(p, 'trap-emulate', 1, 1, input);
      expect([...vm!.stats.emulated.keys()]).toEqual(['lpsw']);
      expect(vm!.stats.hypercallsByName.get('write') ?? vm!.stats.hypercallsByName.get('multicall')).toBeGreaterThan(0);
    });

    it('it saves exits: under trap-and-emulate, fewer monitor entries per byte of output than its twin', () => {
      const [pv] = runUnder(p, 'trap-emulate', 1, 1, input);
      const [tv] = runUnder(twin, 'trap-emulate', 1, 1, twin.input);
      const perByte = (vm: VirtualMachine) => vm.stats.monitorEntries / vm.console.output().length;
      expect(perByte(pv!)).toBeLessThan(perByte(tv!) / 2.5);
    });
  });

  it('the paravirtual x86 guest runs correctly under plain trap-and-emulate on pg32-x86, where its twin does not', () => {
    const pv = byName.get('para/x86.s')!;
    const tw = byName.get('variants/x86.s')!;
    const [vm] = runUnder(pv, 'trap-emulate', 1, 1, new Uint8Array(0));
    expect(vm!.console.text()).toBe(tw.expected);
    expect(checkEquivalence(image(tw), { isa: isaOrThrow('pg32-x86'), monitor: 'trap-emulate', depth: 1, vms: 1, quantum: 100, memWords: 65536, maxSteps: 100_000 }).equivalent).toBe(false);
  });

  it('the paravirtual kernel takes the same timer interrupts as kernel.s (its schedule is the same)', () => {
    const pk = byName.get('para/kernel.s')!;
    const tk = byName.get('os/kernel.s')!;
    const [pv] = runUnder(pk, 'trap-emulate', 1, 1, tk.input);
    const [tv] = runUnder(tk, 'trap-emulate', 1, 1, tk.input);
    expect(pv!.stats.reflected[CAUSES.TIMER]).toBe(tv!.stats.reflected[CAUSES.TIMER]);
    expect(pv!.stats.monitorEntries / pv!.stats.reflected[CAUSES.TIMER]!).toBeLessThan(tv!.stats.monitorEntries / tv!.stats.reflected[CAUSES.TIMER]! / 2.5);
  });

  it('trapeze vmm --stats shows the exits saved: monitor entries per byte of output and per timer interrupt', async () => {
    const src = readFileSync(join(PROGRAMS, 'para/kernel.s'), 'utf8');
    const io = memoryIo({ 'k.s': src, 'k.input': new Uint8Array(readFileSync(join(PROGRAMS, 'os/kernel.input'))) });
    expect(await main(['vmm', 'k.s', '--input', 'k.input', '--stats'], io)).toBe(0);
    expect(io.stderr()).toMatch(/hypercalls: probe 1, write \d+, read \d+, timer \d+, multicall 1/);
    expect(io.stderr()).toMatch(/monitor entries: \d+; per byte of output: 0\.\d\d \(553 bytes\); per timer interrupt: \d+\.\d\d \(44 interrupts\)/);
  });

  it('trapeze equiv --twin compares a paravirtual guest with its twin on the bare machine: output and stop reason', async () => {
    const read = (f: string) => readFileSync(join(PROGRAMS, f), 'utf8');
    const files = { 'p.s': read('para/x86.s'), 't.s': read('variants/x86.s'), 'h.s': read('hello.s') };
    const ok = memoryIo(files);
    expect(await main(['equiv', 'p.s', '--isa', 'pg32-x86', '--twin', 't.s'], ok)).toBe(0);
    expect(ok.stdout()).toMatch(/^p\.s: EQUIVALENT to its twin t\.s on the bare machine/);
    expect(ok.stdout()).toMatch(/hypercalls: probe 1, flags 1, multicall 2, halt 1/);
    const bad = memoryIo(files);
    expect(await main(['equiv', 'p.s', '--isa', 'pg32-x86', '--twin', 'h.s', '--format', 'json'], bad)).toBe(1);
    const j = JSON.parse(bad.stdout()) as { equivalent: boolean; differences: string[] };
    expect(j.equivalent).toBe(false);
    expect(j.differences.join()).toMatch(/console output: twin \(bare\) "Hello, world!\\n"/);
  });
});

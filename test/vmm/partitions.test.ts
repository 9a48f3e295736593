// Partitions cost nothing until used, and hot code is counted per word in
// every partition: many VMs running the same program each get translated
// code (one shared translation), exactly as the bare machine runs it.
import { describe, expect, it } from 'vitest';
import { Console } from '../../src/cpu/devices.js';
import { templateCount } from '../../src/cpu/translate.js';
import { PG32 } from '../../src/isa/table.js';
import { roundRobin } from '../../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { asm } from '../harness.js';

const LOOP = `
        li   r1, 3000
loop:   addi r2, r2, 7
        xori r3, r2, 0x1234
        addi r1, r1, -1
        bnez r1, loop
        out  r3, 2
        halt`;

describe('lazy partitions', () => {
  it('a partition is fresh until a guest is loaded into it; reloading a used one clears it', () => {
    const stack = buildStack({ isa: PG32, monitor: 'trap-emulate', depth: 2, count: 3, guestWords: 4096 });
    for (const vm of stack.guests) expect(vm.partition.fresh).toBe(true);
    const dirty = asm(`la r1, end\nli r2, 77\nfill: st r2, 0(r1)\naddi r1, r1, 1\nli r3, 4000\nbne r1, r3, fill\nhalt\nend:`, 'pg32');
    const vm = stack.guests[1]!;
    loadGuest(vm, dirty, new Console());
    expect(vm.partition.fresh).toBe(false);
    expect(stack.guests[0]!.partition.fresh).toBe(true);
    expect(roundRobin([vm], { quantum: 100_000, maxSteps: 1e6 })[0]!.reason).toBe('halt');
    expect(vm.mem[3999]).toBe(77);
    loadGuest(vm, asm('halt', 'pg32'), new Console());
    expect(vm.mem.some((w, i) => i >= 17 && w !== 0)).toBe(false); // everything but the new image is zero again
  });

  it('1000 VMs of 65,536 words each (256 MiB of storage) map little more than the pages their programs touch', () => {
    const before = process.memoryUsage().rss;
    const stack = buildStack({ isa: PG32, monitor: 'trap-emulate', depth: 1, count: 1000, guestWords: 65536 });
    const img = asm(LOOP, 'pg32');
    for (const vm of stack.guests) loadGuest(vm, img, new Console());
    const out = roundRobin(stack.guests, { quantum: 100_000, maxSteps: 1e6 });
    expect(out.every((o) => o.reason === 'halt')).toBe(true);
    expect(process.memoryUsage().rss - before).toBeLessThan(160 * 2 ** 20);
  });
});

describe('hot code in every partition', () => {
  it('eight VMs running one loop: each is translated, all share one translation, and each matches the bare run', () => {
    const img = asm(LOOP, 'pg32');
    const console = new Console();
    const bare = new Cpu({ isa: PG32, memWords: 65536, devices: console });
    bare.load(img);
    expect(bare.run(1e6)).toBe('halt');
    const stack = buildStack({ isa: PG32, monitor: 'trap-emulate', depth: 1, count: 8, guestWords: 65536 });
    for (const vm of stack.guests) loadGuest(vm, img, new Console());
    const templates = templateCount();
    const out = roundRobin(stack.guests, { quantum: 997, maxSteps: 1e6 });
    expect(out.every((o) => o.reason === 'halt')).toBe(true);
    for (const vm of stack.guests) {
      expect(vm.console.text()).toBe(console.text());
      expect(vm.instret).toBe(bare.instret);
      expect([...vm.regs]).toEqual([...bare.regs]);
    }
    expect(stack.cpu.code!.placements().length).toBe(8);
    expect(templateCount() - templates).toBeLessThanOrEqual(1);
  });
});

// Regression: the table of translated blocks was allocated for all of
// storage on the first translation (8 MB for the default megaword store),
// which cost more than a short program runs for (`trapeze run hello.s`).
// The code cache (codecache.ts) now keeps per-word typed arrays that the OS
// maps only where translation touches them; code translated low in storage
// must still be found after code far up is translated.
import { expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { PG32 } from '../../src/isa/table.js';
import { asm } from '../harness.js';

// A hot loop low in storage, then one far up (the table must grow), then the low one again.
const SRC = `
start:  li   r1, 50
low:    addi r2, r2, 1
        addi r1, r1, -1
        bnez r1, low
        li   r3, 0x30000
        jr   r3
back:   li   r1, 50
low2:   addi r2, r2, 3
        addi r1, r1, -1
        bnez r1, low2
        halt
        .org 0x30000
        li   r1, 50
high:   addi r4, r4, 1
        addi r1, r1, -1
        bnez r1, high
        b    back
`;

function run(translate: boolean) {
  const cpu = new Cpu({ isa: PG32, memWords: 1 << 20, devices: new Console(), translate });
  cpu.load(asm(SRC));
  const reason = cpu.run(100_000);
  return { cpu, reason, regs: [...cpu.regs], instret: cpu.instret };
}

it('translations low in storage survive translating code far up', () => {
  const fast = run(true);
  const slow = run(false);
  expect(fast.reason).toBe('halt');
  expect({ regs: fast.regs, instret: fast.instret }).toEqual({ regs: slow.regs, instret: slow.instret });
  expect(fast.regs.slice(2, 5)).toEqual([200, 0x30000, 50]);
  const heads = fast.cpu.code!.placements().flatMap((p) => p.heads);
  expect(heads.some((h) => h >= 0x30000)).toBe(true); // high
  expect(heads.some((h) => h < 0x30000)).toBe(true); // low, low2
});

// Guests cannot touch each other's storage or the monitor's; a spinning guest does not starve the others.
import { describe, expect, it } from 'vitest';
import { Console } from '../../src/cpu/devices.js';
import { PG32 } from '../../src/isa/table.js';
import { roundRobin } from '../../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import { runBare } from '../../src/vmm/equiv.js';
import { asm } from '../harness.js';

const WORDS = 4096;

/** A guest that stores its mark at every address it can name, through every relocation it can set, and never halts on its own. */
const VANDAL = `
        .org 8
        .word 1, handler, 0, ${WORDS}
        .org 16
start:  la   r1, end
        li   r2, 0x5A5A5A5A
loop:   st   r2, 0(r1)           ; every address past its code, until one faults at the bound
        addi r1, r1, 1
        b    loop
handler: addi r6, r6, 1          ; each fault escalates
        li   r4, 1
        bne  r6, r4, wildbase
        li   r1, -1
        st   r2, 0(r1)           ; wrap-around address 0xFFFFFFFF
wildbase: la r5, wild
        lpsw r5                  ; user mode with base 0xFFFFFFF0 and the largest bound: every fetch faults
wild:   .word 0, 0, 0xFFFFFFF0, 0xFFFFFFFF
end:
`;

const WORKER = `
        li r1, 0
        li r2, 2000
again:  addi r1, r1, 1
        bne r1, r2, again
        li r3, 'w'
        out r3, 0
        halt`;

const SPIN = `spin: b spin`;

function hash(mem: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < mem.length; i++) h = Math.imul(h ^ mem[i]!, 16777619);
  return h >>> 0;
}

describe('spatial isolation', () => {
  it.each([1, 2, 3])("a vandal guest changes nothing outside its partition (depth %i)", (depth) => {
    const stack = buildStack({ isa: PG32, monitor: 'trap-emulate', depth, count: 3, guestWords: WORDS });
    const [vandal, a, b] = stack.guests as [typeof stack.guests[0], typeof stack.guests[0], typeof stack.guests[0]];
    loadGuest(vandal, asm(VANDAL, 'pg32'), new Console());
    loadGuest(a, asm(WORKER, 'pg32'), new Console());
    loadGuest(b, asm(WORKER, 'pg32'), new Console());
    // Everything outside the vandal's partition, as the real machine sees it.
    const real = stack.cpu.mem;
    const outside = () => {
      const v0 = vandal.mem.byteOffset / 4;
      return hash(real.subarray(0, v0)) ^ Math.imul(hash(real.subarray(v0 + WORDS)), 31);
    };
    // run the workers alone first so their storage is final, then let the vandal loose
    roundRobin([a, b], { quantum: 7, maxSteps: 1_000_000 });
    const before = outside();
    const out = roundRobin([vandal], { quantum: 7, maxSteps: 200_000 });
    expect(out[0]!.reason).toBe('budget'); // it goes on faulting in its wild relocation until its step limit
    expect(outside()).toBe(before);
    // it did write its whole partition, and faulted at the bound
    expect(vandal.mem[WORDS - 1]).toBe(0x5a5a5a5a);
    expect(vandal.stats.reflected[3]).toBeGreaterThan(1000);
    expect(vandal.regs[6]).toBeGreaterThan(1000);
  });

  it('every access outside the partition traps: loads, stores and jumps at bound, bound-1, 0 and wrap-around', () => {
    for (const [addr, faults] of [[0, false], [WORDS - 1, false], [WORDS, true], [-1, true], [0x7fffffff, true]] as const) {
      const src = `
        .org 8
        .word 1, handler, 0, ${WORDS}
        .org 16
start:  li   r1, ${addr}
        ld   r2, 0(r1)
        st   r2, 0(r1)
        li   r9, 1
        halt
handler: ld r8, 4(r0)
        ld r7, 5(r0)
        halt`;
      const img = asm(src, 'pg32');
      const bare = runBare(img, { isa: PG32, memWords: WORDS, maxSteps: 1000 });
      const stack = buildStack({ isa: PG32, monitor: 'trap-emulate', depth: 2, count: 2, guestWords: WORDS });
      const [vm, other] = stack.guests;
      loadGuest(vm!, img, new Console());
      loadGuest(other!, asm(WORKER, 'pg32'), new Console());
      const otherBefore = hash(other!.mem);
      roundRobin([vm!], { quantum: 3, maxSteps: 1000 });
      expect(vm!.regs[8], `address ${addr}`).toBe(faults ? 3 : 0);
      if (faults) expect(vm!.regs[7]).toBe(addr | 0);
      expect([...vm!.regs]).toEqual([...bare.cpu.regs]);
      expect(hash(other!.mem)).toBe(otherBefore);
    }
  });
});

describe('temporal isolation', () => {
  it.each([1, 7, 100])('a spinning guest does not starve two workers (quantum %i)', (quantum) => {
    const stack = buildStack({ isa: PG32, monitor: 'trap-emulate', depth: 1, count: 3, guestWords: WORDS });
    const [spin, w1, w2] = stack.guests;
    loadGuest(spin!, asm(SPIN, 'pg32'), new Console());
    loadGuest(w1!, asm(WORKER, 'pg32'), new Console());
    loadGuest(w2!, asm(WORKER, 'pg32'), new Console());
    const finishedAt = new Map<unknown, number>();
    const out = roundRobin([spin!, w1!, w2!], {
      quantum,
      maxSteps: 100_000,
      afterSlice: (vm) => {
        if (vm.halted && !finishedAt.has(vm)) finishedAt.set(vm, spin!.steps);
      },
    });
    expect(out.map((o) => o.reason)).toEqual(['budget', 'halt', 'halt']);
    expect(w1!.console.text()).toBe('w');
    expect(w2!.console.text()).toBe('w');
    // While both workers ran, the spinner got no more than its share: at most one quantum more than a worker.
    const workerSteps = w1!.steps;
    expect(finishedAt.get(w1)!).toBeLessThanOrEqual(workerSteps + quantum);
    expect(spin!.steps).toBe(100_000);
  });
});

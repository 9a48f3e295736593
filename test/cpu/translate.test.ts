// The block translator is exact: the same programs, translated and interpreted,
// reach the same state after every chunk of steps (seeded random programs).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { PG32 } from '../../src/isa/table.js';
import { asm } from '../harness.js';

const MEM = 2048;
const DATA = 1024; // data area the programs load and store around

/** Full programmer-visible state, plus counters. */
function state(c: Cpu) {
  let h = 0;
  for (let i = 0; i < c.mem.length; i++) h = (Math.imul(h, 31) + c.mem[i]!) | 0;
  return { regs: [...c.regs], flags: c.flags, pc: c.pc, base: c.base, bound: c.bound, timer: c.timer, pending: c.pending, instret: c.instret, traps: [...c.traps], halted: c.halted, checkStop: c.checkStop, mem: h };
}

const reg = fc.integer({ min: 1, max: 11 }); // r12 is the loop counter, r13-r15 the handler's
const alu = fc.oneof(
  fc.tuple(fc.constantFrom('add', 'sub', 'mul', 'div', 'rem', 'and', 'or', 'xor', 'shl', 'shr', 'sra', 'slt', 'sltu'), reg, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 11 })).map(([m, d, s, t]) => `${m} r${d}, r${s}, r${t}`),
  fc.tuple(fc.constantFrom('addi', 'slti'), reg, fc.integer({ min: 0, max: 11 }), fc.integer({ min: -40, max: 40 })).map(([m, d, s, i]) => `${m} r${d}, r${s}, ${i}`),
  fc.tuple(fc.constantFrom('andi', 'ori', 'xori'), reg, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 0xffff })).map(([m, d, s, i]) => `${m} r${d}, r${s}, ${i}`),
  fc.tuple(fc.constantFrom('shli', 'shri', 'srai'), reg, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 31 })).map(([m, d, s, i]) => `${m} r${d}, r${s}, ${i}`),
  fc.tuple(reg, fc.integer({ min: 0, max: 0xffff })).map(([d, i]) => `lui r${d}, ${i}`),
);
// Loads and stores: around the data area, sometimes far out (MEMORY traps), sometimes into the code (self-modification).
const mem = fc.tuple(fc.constantFrom('ld', 'st'), reg, fc.constantFrom(DATA, DATA + 7, MEM - 1, MEM + 3, 16, 20, 30), fc.integer({ min: -3, max: 3 })).map(
  ([m, r, at, off]) => `li r11, ${at}\n${m} r${r}, ${off}(r11)`,
);
// A forward branch over one instruction: a side exit in the middle of a translated block.
const skip = fc.tuple(fc.constantFrom('beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 11 }), alu).map(([m, x, y, ins]) => `  ${m} r${x}, r${y}, K@\n${ins}\nK@:`);
const body = fc.array(fc.oneof({ weight: 6, arbitrary: alu }, { weight: 2, arbitrary: mem }, { weight: 2, arbitrary: skip }, { weight: 1, arbitrary: fc.constant('nop') }), { minLength: 1, maxLength: 12 });

/** K@ labels come in pairs (branch, target): number them in order. */
function numberSkips(src: string): string {
  let k = 0;
  return src.replace(/K@/g, () => `K${Math.floor(k++ / 2)}`);
}
/** a counted loop; `@` in its label is replaced by the loop's index */
const loop = fc.tuple(body, fc.integer({ min: 1, max: 40 })).map(([b, n]) => `  li r12, ${n}\nL@:\n${b.join('\n')}\n  addi r12, r12, -1\n  bnez r12, L@`);
const program = fc.tuple(fc.array(loop, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 300 }), fc.boolean()).map(([loops, timer, ie]) =>
  [
    '.org 8',
    `.word ${ie ? 3 : 1}, handler, 0, ${MEM}`,
    '.org 16',
    'start:',
    `  li r13, ${timer}`,
    '  stimer r13',
    `  li r13, ${ie ? 3 : 1}`,
    '  la r14, boot',
    '  st r13, 0(r14)',
    '  lpsw r14',
    'body:',
    ...loops.map((l, i) => l.replaceAll('L@', `L${i}`)),
    '  halt',
    // the handler skips a faulting instruction and returns; timer interrupts just return
    'handler:',
    '  ld r13, 4(r0)',
    '  li r14, 5',
    '  beq r13, r14, back',
    '  li r14, 4',
    '  beq r13, r14, back',
    '  ld r13, 1(r0)',
    '  addi r13, r13, 1',
    '  st r13, 1(r0)',
    'back:',
    '  lpsw r0',
    'boot: .word 0, body, 0, ' + MEM,
  ].join('\n'),
).map(numberSkips);

describe('translated blocks behave exactly like the interpreter', () => {
  it('random looping programs with traps, timer interrupts and self-modifying stores (seeded)', () => {
    fc.assert(
      fc.property(program, fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 30 }), (src, chunks) => {
        const img = asm(src, 'pg32');
        const fast = new Cpu({ isa: PG32, memWords: MEM, devices: new Console() });
        const slow = new Cpu({ isa: PG32, memWords: MEM, devices: new Console(), translate: false });
        fast.load(img);
        slow.load(img);
        for (const n of [...chunks, 20000]) {
          const a = fast.run(n);
          const b = slow.run(n);
          expect(a).toBe(b);
          expect(state(fast)).toEqual(state(slow));
          if (a !== 'budget') break;
        }
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('a hot loop that rewrites its own next instruction takes the new instruction', () => {
    // The loop body stores, each pass, a new `addi r2, r2, K` over the instruction after the store.
    const m = asm(`
          li r1, 0
          li r3, 20
    loop: la r4, patch
          ld r5, 0(r4)
          addi r5, r5, 1        ; the immediate of the patched addi grows by one each pass
          st r5, 0(r4)
    patch: addi r2, r2, 0
          addi r1, r1, 1
          bne r1, r3, loop
          halt`, 'pg32');
    const fast = new Cpu({ isa: PG32, memWords: MEM });
    const slow = new Cpu({ isa: PG32, memWords: MEM, translate: false });
    fast.load(m);
    slow.load(m);
    expect(fast.run(100000)).toBe('halt');
    expect(slow.run(100000)).toBe('halt');
    expect(fast.regs[2]).toBe((20 * 21) / 2); // 1 + 2 + ... + 20
    expect([...fast.regs]).toEqual([...slow.regs]);
  });

  it('a translated loop stops exactly at the step budget and at the timer', () => {
    const img = asm(`
          .org 8
          .word 1, handler, 0, ${MEM}
          .org 16
    start: li r5, 1001
          stimer r5
          la r6, on
          lpsw r6
    go:   addi r1, r1, 1
          b go
    handler: halt
    on:   .word 3, go, 0, ${MEM}`, 'pg32');
    const fast = new Cpu({ isa: PG32, memWords: MEM });
    fast.load(img);
    fast.run(500);
    const slow = new Cpu({ isa: PG32, memWords: MEM, translate: false });
    slow.load(img);
    slow.run(500);
    expect(state(fast)).toEqual(state(slow));
    expect(fast.run(1e6)).toBe('halt');
    expect(slow.run(1e6)).toBe('halt');
    expect(state(fast)).toEqual(state(slow));
    expect(fast.mem[1]).toBe(slow.mem[1]); // interrupted at the same pc
  });
});

// Translated code stays exact in guest mode (issue 13): hot guest loops, and a
// hot host loop around vmrun, reach the same state step for step with
// translation on (host and guest processor) and off. The guest's blocks are
// cut by the host TIMER (HTIMER slices), end in guest traps, in NPF exits
// (accesses past the partition, below the guest bound) and in intercepted
// SVCs; the host re-enters after each.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { CAUSES, isaOrThrow } from '../../src/isa/table.js';
import { asm } from '../harness.js';
import { EXITS, source, wholeState } from './story.js';

const HOST_MEM = 1024;
const PART = 512;
const SIZE = 256;
const BOUND = 300; // past the partition: guest-physical 256..299 are NPF exits
const DATA = 200;
const ISA = isaOrThrow('pg32-x86-vt');

const reg = fc.integer({ min: 1, max: 9 });
const alu = fc.oneof(
  fc.tuple(fc.constantFrom('add', 'sub', 'mul', 'div', 'rem', 'and', 'or', 'xor', 'shl', 'shr', 'sra', 'slt', 'sltu'), reg, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })).map(([m, d, s, t]) => `${m} r${d}, r${s}, r${t}`),
  fc.tuple(fc.constantFrom('addi', 'slti'), reg, fc.integer({ min: 0, max: 9 }), fc.integer({ min: -40, max: 40 })).map(([m, d, s, i]) => `${m} r${d}, r${s}, ${i}`),
  fc.tuple(fc.constantFrom('xori', 'shli', 'srai'), reg, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 31 })).map(([m, d, s, i]) => `${m} r${d}, r${s}, ${i}`),
  fc.tuple(fc.constantFrom('gpsw', 'getr'), reg).map(([m, d]) => `${m} r${d}`),
);
// Loads and stores around the data area, past the guest bound (guest MEMORY), past the partition (NPF) and at −1.
const mem = fc.tuple(fc.constantFrom('ld', 'st'), reg, fc.constantFrom(DATA, DATA + 20, SIZE - 1, SIZE, SIZE + 10, BOUND, -1), fc.integer({ min: -2, max: 2 })).map(
  ([m, r, at, off]) => `li r10, ${at}\n${m} r${r}, ${off}(r10)`,
);
const skip = fc.tuple(fc.constantFrom('beq', 'bne', 'blt', 'bgeu'), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), alu).map(([m, x, y, ins]) => `${m} r${x}, r${y}, K@\n${ins}\nK@:`);
const svc = fc.constantFrom('svc 1', 'svc 2'); // svc 1 is intercepted (SVC), svc 2 ... too: both exit, the host resumes after them
const body = fc.array(fc.oneof({ weight: 6, arbitrary: alu }, { weight: 2, arbitrary: mem }, { weight: 2, arbitrary: skip }, { weight: 1, arbitrary: svc }), { minLength: 1, maxLength: 10 });
const loop = fc.tuple(body, fc.integer({ min: 1, max: 30 })).map(([b, n]) => `        li r11, ${n}\nL@:\n${b.join('\n')}\n        addi r11, r11, -1\n        bnez r11, L@`);

let labels = 0;
const number = (src: string) => src.replace(/K@/g, () => `K${Math.floor(labels++ / 2)}`);

/**
 * The host: slices of `slice` guest instructions (0: no host timer), the SVC
 * and NPF exits stepped over (C word 1 + 1), anything else ends the run.
 */
const program = fc.record({ loops: fc.array(loop, { minLength: 1, maxLength: 3 }), slice: fc.constantFrom(0, 1, 7, 50, 333), gtimer: fc.constantFrom(0, 5, 97) }).map(({ loops, slice, gtimer }) =>
  number(
    source({
      isa: 'pg32-x86-vt',
      mem: HOST_MEM,
      part: PART,
      size: SIZE,
      bound: BOUND,
      intercepts: ['SVC', 'HALT'],
      host: `        li r5, ${slice}\n        la r13, cb\n        jmp slice`,
      after: `
        ld r7, 9(r13)
        li r8, ${EXITS.HTIMER}
        beq r7, r8, slice
        li r8, ${CAUSES.SVC}
        beq r7, r8, slice        ; the guest pc is already past the svc
        li r8, ${EXITS.NPF}
        bne r7, r8, done
        ld r9, 1(r13)            ; step over the faulting instruction
        addi r9, r9, 1
        st r9, 1(r13)
slice:  stimer r5
        vmrun r13
        jmp after
done:   halt`,
      // The guest kernel: timer interrupts return; other traps skip the instruction.
      handler: `
        ld r12, 4(r0)
        li r15, ${CAUSES.TIMER}
        beq r12, r15, back
        ld r12, 1(r0)
        addi r12, r12, 1
        st r12, 1(r0)
back:   lpsw r0`,
      guest: `
        li r12, ${gtimer}
        stimer r12
        li r12, ie - PART
        lpsw r12
ie:     .word 3, body - PART, 0, ${BOUND}
body:
${loops.map((l, i) => l.replaceAll('L@', `L${i}`)).join('\n')}
        halt`,
    }),
  ),
);

function machine(src: string, translate: boolean) {
  const con = new Console();
  const cpu = new Cpu({ isa: ISA, memWords: HOST_MEM, devices: con, translate });
  cpu.load(asm(src, 'pg32-x86-vt'));
  return { cpu, con };
}

describe('translation in guest mode is exact', () => {
  it('random hot guest loops under a time-slicing host: the same state after every chunk (seeded)', () => {
    fc.assert(
      fc.property(program, fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 10 }), (src, chunks) => {
        const fast = machine(src, true);
        const slow = machine(src, false);
        for (const n of [...chunks, 20_000]) {
          const a = fast.cpu.run(n);
          expect(a).toBe(slow.cpu.run(n));
          expect(wholeState(fast.cpu, fast.con)).toEqual(wholeState(slow.cpu, slow.con));
          if (a !== 'budget') break;
        }
      }),
      { seed: 1306, numRuns: 20 },
    );
  });

  it('a hot guest loop gives the interpreter\'s result (that its processor made blocks: regressions.test.ts)', () => {
    const src = source({
      mem: HOST_MEM,
      part: PART,
      size: SIZE,
      intercepts: ['HALT'],
      guest: `
        li r1, 500
loop:   add r2, r2, r1
        addi r1, r1, -1
        bnez r1, loop
        halt`,
    });
    const fast = machine(src, true);
    const slow = machine(src, false);
    expect(fast.cpu.run(100_000)).toBe('halt');
    expect(slow.cpu.run(100_000)).toBe('halt');
    expect(wholeState(fast.cpu, fast.con)).toEqual(wholeState(slow.cpu, slow.con));
    const cb = fast.cpu.mem.subarray(asm(src, 'pg32-x86-vt').symbols.get('cb')!);
    expect(cb[16 + 2]).toBe((500 * 501) / 2);
  });
});

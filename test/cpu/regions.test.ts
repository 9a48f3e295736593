// Regions: calls and returns, branches between trees, self-modifying code,
// storage changed between runs, large storage, translations shared between
// CPUs and addresses. Every case runs against the interpreter (the same CPU
// with translation off) and compares the whole machine state.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOT_AT, VOLATILE_AT } from '../../src/cpu/codecache.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { templateCount } from '../../src/cpu/translate.js';
import type { Image } from '../../src/image.js';
import { PG32 } from '../../src/isa/table.js';
import { asm } from '../harness.js';

const MEM = 4096;
const DATA = 3000;
const SAVE = DATA - 1; // the handler's scratch save word

/** The machine state; storage hashed (all of it, or below 16 and from `from` up, for a large machine). */
function state(c: Cpu, from = 0) {
  let h = 0;
  for (let i = 0; i < c.mem.length; i++) {
    if (i === 16 && from > 16) i = from;
    h = (Math.imul(h, 31) + c.mem[i]!) | 0;
  }
  return { regs: [...c.regs], flags: c.flags, pc: c.pc, base: c.base, bound: c.bound, timer: c.timer, pending: c.pending, instret: c.instret, traps: [...c.traps], halted: c.halted, checkStop: c.checkStop, mem: h };
}

/** Run the image on a translating CPU and on the interpreter in the same chunks; the states must agree after every chunk. */
function lockstep(img: Image, chunks: readonly number[], memWords = MEM, from = 0): Cpu {
  const fast = new Cpu({ isa: PG32, memWords, devices: new Console() });
  const slow = new Cpu({ isa: PG32, memWords, devices: new Console(), translate: false });
  fast.load(img);
  slow.load(img);
  for (const n of chunks) {
    const a = fast.run(n);
    const b = slow.run(n);
    expect(a).toBe(b);
    expect(state(fast, from)).toEqual(state(slow, from));
    if (a !== 'budget') break;
  }
  return fast;
}

const FIB = `
        la      sp, stack_top
        li      r1, 18
        call    fib
        mov     r2, r1
        halt
fib:    slti    r3, r1, 2
        bnez    r3, fib_ret
        push    lr
        push    r1
        addi    r1, r1, -1
        call    fib
back1:  pop     r3
        push    r1
        addi    r1, r3, -2
        call    fib
back2:  pop     r3
        add     r1, r1, r3
        pop     lr
fib_ret: ret
        .space  128
stack_top:`;

describe('regions: calls, returns and branches stay in translated code', () => {
  it('recursive fib: one region holds the function, both return addresses and the leaf return', () => {
    const img = asm(FIB, 'pg32');
    const cpu = lockstep(img, [1, 7, 100, 1000, 5000, 1e6]);
    expect(cpu.regs[2]).toBe(2584);
    const sym = (s: string) => img.symbols.get(s)!;
    const heads = cpu.code!.placements().flatMap((p) => p.heads);
    for (const s of ['fib', 'back1', 'back2']) expect(heads).toContain(sym(s));
    expect(cpu.code!.translations).toBeLessThanOrEqual(2);
  });

  it('a call through a function pointer (jalr) returns into the region', () => {
    const img = asm(`
          la   sp, stack_top
          li   r5, 300
    loop: la   r6, twice
          jalr lr, r6
    here: addi r5, r5, -1
          bnez r5, loop
          halt
    twice: add r2, r2, r5
          add r2, r2, r5
          ret
          .space 16
    stack_top:`, 'pg32');
    const cpu = lockstep(img, [3, 50, 999, 1e6]);
    expect(cpu.regs[2]).toBe(300 * 301);
    expect(cpu.code!.placements().flatMap((p) => p.heads)).toContain(img.symbols.get('here')!);
  });
});

// ---------------------------------------------------------------- random programs

const reg = fc.integer({ min: 1, max: 9 }); // r10 inner counter, r11 address, r12 outer counter, r13 handler, r14 lr, r15 sp
const anyReg = fc.integer({ min: 0, max: 10 });
const alu = fc.oneof(
  fc.tuple(fc.constantFrom('add', 'sub', 'mul', 'div', 'rem', 'and', 'or', 'xor', 'shl', 'shr', 'sra', 'slt', 'sltu'), reg, anyReg, anyReg).map(([m, d, s, t]) => `${m} r${d}, r${s}, r${t}`),
  fc.tuple(fc.constantFrom('addi', 'slti'), reg, anyReg, fc.integer({ min: -40, max: 40 })).map(([m, d, s, i]) => `${m} r${d}, r${s}, ${i}`),
  fc.tuple(fc.constantFrom('andi', 'ori', 'xori'), reg, anyReg, fc.integer({ min: 0, max: 0xffff })).map(([m, d, s, i]) => `${m} r${d}, r${s}, ${i}`),
  fc.tuple(fc.constantFrom('shli', 'shri', 'srai'), reg, anyReg, fc.integer({ min: 0, max: 31 })).map(([m, d, s, i]) => `${m} r${d}, r${s}, ${i}`),
);
/** @ in a label is replaced by a unique number */
const mem = fc.tuple(fc.constantFrom('ld', 'st'), reg, fc.constantFrom(DATA, DATA + 7, MEM - 1, MEM + 3, 'code'), fc.integer({ min: -3, max: 3 })).map(([m, r, at, off]) =>
  at === 'code' ? `la r11, f0\n${m} r${r}, ${off + 3}(r11)` : `li r11, ${at}\n${m} r${r}, ${off}(r11)`,
);
const diamond = fc.tuple(fc.constantFrom('beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'), anyReg, anyReg, fc.array(alu, { minLength: 1, maxLength: 3 })).map(
  ([m, x, y, body]) => `${m} r${x}, r${y}, D@\n${body.join('\n')}\nD@:`,
);
// Self-modifying: flip bits of an addi's immediate two instructions ahead, or swap the whole word for another instruction.
const patchImm = fc.integer({ min: 1, max: 0xffff }).map((bits) => `la r11, P@\nld r10, 0(r11)\nxori r10, r10, ${bits}\nst r10, 0(r11)\nP@: addi r1, r1, 7`);
// Swap the instruction at Q with the one two words on (never run itself): addi one pass, sub the next.
const patchOp = fc.constant('la r11, Q@\nld r10, 0(r11)\nld r9, 2(r11)\nst r9, 0(r11)\nst r10, 2(r11)\nQ@: addi r2, r2, 3\nb R@\nsub r2, r2, r1\nR@:');
const call = fc.constantFrom('call f0', 'call f1', 'call f2', 'la r11, f1\njalr lr, r11');
const inner = fc.tuple(fc.array(fc.oneof(alu, diamond), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 30 })).map(
  ([b, n]) => `li r10, ${n}\nI@:\n${b.join('\n')}\naddi r10, r10, -1\nbnez r10, I@`,
);
const item = fc.oneof(
  { weight: 5, arbitrary: alu },
  { weight: 2, arbitrary: mem },
  { weight: 3, arbitrary: diamond },
  { weight: 2, arbitrary: call },
  { weight: 2, arbitrary: inner },
  { weight: 1, arbitrary: patchImm },
  { weight: 1, arbitrary: patchOp },
  { weight: 1, arbitrary: fc.constantFrom('svc 3', 'nop') },
);
const leaf = fc.array(fc.oneof({ weight: 4, arbitrary: alu }, { weight: 2, arbitrary: diamond }, { weight: 1, arbitrary: mem }, { weight: 1, arbitrary: patchImm }), { minLength: 1, maxLength: 6 });

/** X@ labels come in pairs per letter (a branch or la, and its target), never nested within one letter: number them in order. */
function numbered(src: string): string {
  const seen = new Map<string, number>();
  return src.replace(/([A-Z])@/g, (_, x: string) => {
    const k = seen.get(x) ?? 0;
    seen.set(x, k + 1);
    return `${x}${Math.floor(k / 2)}_`;
  });
}

const program = fc
  .tuple(fc.array(item, { minLength: 1, maxLength: 8 }), leaf, leaf, fc.integer({ min: 20, max: 200 }), fc.integer({ min: 0, max: 400 }), fc.boolean(), fc.boolean())
  .map(([items, f0, f2, outer, timer, ie, user]) =>
    numbered(
      [
        ['.org 8', `.word ${ie ? 3 : 1}, handler, 0, ${MEM}`, '.org 16', 'start:', `  li r13, ${timer}`, '  stimer r13', `  li r13, ${(ie ? 2 : 0) | (user ? 0 : 1)}`, '  la r14, boot', '  st r13, 0(r14)', '  lpsw r14',
          'body:', '  la sp, stack_top', `  li r12, ${outer}`, 'outer:'].join('\n'),
        ...items,
        ['  addi r12, r12, -1', '  bnez r12, outer', '  halt'].join('\n'),
        ['f0:', ...f0, '  ret'].join('\n'),
        ['f1:', '  push lr', '  call f0', '  call f2', '  pop lr', '  ret'].join('\n'),
        ['f2:', ...f2, '  ret'].join('\n'),
        // the handler: a timer interrupt or svc just returns; any other trap skips the instruction
        ['handler:', `  st r13, ${SAVE}(r0)`, '  ld r13, 4(r0)', '  addi r13, r13, -5', '  beqz r13, back', '  addi r13, r13, 1', '  beqz r13, back',
          '  ld r13, 1(r0)', '  addi r13, r13, 1', '  st r13, 1(r0)', 'back:', `  ld r13, ${SAVE}(r0)`, '  lpsw r0',
          `boot: .word 0, body, 0, ${MEM}`, '  .space 64', 'stack_top:'].join('\n'),
      ].join('\n\n'),
    ),
  );

describe('random programs with calls, loops, diamonds and self-modifying code (seeded)', () => {
  it('translated and interpreted agree after every chunk of steps', () => {
    fc.assert(
      fc.property(program, fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 12 }), (src, chunks) => {
        lockstep(asm(src, "pg32"), [...chunks, 60_000]);
      }),
      { seed: 1212, numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------- self-modifying code

const SMC_IMM = `
        li      r1, 500
        la      r4, patch
        ld      r7, 0(r4)
loop:   andi    r5, r1, 255
        or      r6, r7, r5
        st      r6, 0(r4)       ; rewrite the immediate of patch
        nop
patch:  addi    r2, r2, 0
        addi    r1, r1, -1
        bnez    r1, loop
        halt`;

describe('self-modifying code', () => {
  it('a rewritten immediate is read at run time after a few rewrites: no re-translation on every write', () => {
    const img = asm(SMC_IMM, 'pg32');
    const cpu = lockstep(img, [1, 13, 200, 1e6]);
    let want = 0;
    for (let i = 500; i > 0; i--) want = (want + (i & 255)) | 0;
    expect(cpu.regs[2]).toBe(want);
    const c = cpu.code!;
    expect(c.invalidations).toBe(VOLATILE_AT);
    expect(c.translations).toBe(VOLATILE_AT + 1);
    const patch = img.symbols.get('patch')!;
    expect(c.rewritten(patch)).not.toBe(0); // read at run time
  });

  it('a word rewritten to other instructions is left to the interpreter', () => {
    // Each pass swaps the instruction at `patch` between addi and sub.
    const img = asm(`
          li   r1, 400
          la   r4, patch
          la   r5, other
          ld   r6, 0(r4)
          ld   r7, 0(r5)
          xor  r7, r6, r7
    loop: ld   r6, 0(r4)
          xor  r6, r6, r7
          st   r6, 0(r4)
    patch: addi r2, r2, 3
          addi r1, r1, -1
          bnez r1, loop
          halt
    other: sub r2, r2, r1`, 'pg32');
    const cpu = lockstep(img, [5, 77, 1e6]);
    const c = cpu.code!;
    expect(c.rewritten(img.symbols.get('patch')!)).toBe(-1);
    expect(c.invalidations).toBeLessThanOrEqual(VOLATILE_AT + 1);
  });

  it('a word read at run time that changes opcode later is caught by its check', () => {
    // First 300 passes rewrite patch's immediate; then the word becomes a different instruction.
    const img = asm(`
          li   r1, 600
          la   r4, patch
          ld   r8, 0(r4)
          la   r5, other
          ld   r9, 0(r5)
    loop: andi r6, r1, 127
          or   r6, r8, r6
          slti r3, r1, 300
          beqz r3, keep
          mov  r6, r9
    keep: st   r6, 0(r4)
    patch: addi r2, r2, 0
          addi r1, r1, -1
          bnez r1, loop
          halt
    other: xori r2, r2, 5`, 'pg32');
    lockstep(img, [3, 1000, 1e6]);
  });

  it('storage written between run() calls is seen (the epoch check)', () => {
    const img = asm(`
    loop: addi r1, r1, 1
          addi r2, r2, 1
          b    loop`, 'pg32');
    const cpu = new Cpu({ isa: PG32, memWords: MEM });
    cpu.load(img);
    cpu.run(10_000);
    expect(cpu.code!.translations).toBeGreaterThan(0);
    const at = img.symbols.get('loop')! + 1;
    // a monitor or a debugger rewrites "addi r2, r2, 1" into "addi r2, r2, 100" while the CPU is stopped
    cpu.mem[at] = asm('addi r2, r2, 100', 'pg32').segments[0]!.words[0]!;
    const before = cpu.regs[2]!;
    const passes = 1000;
    cpu.run(passes * 3);
    expect(cpu.regs[2]! - before).toBe(passes * 100);
  });
});

// ---------------------------------------------------------------- placement and sharing

describe('translations are position independent and shared', () => {
  it('the same code at two addresses and in two CPUs shares one translation; each stays exact', () => {
    const body = `
          li   r1, 1000
    loop: addi r2, r2, 3
          xori r3, r2, 0x55
          addi r1, r1, -1
          bnez r1, loop
          halt`;
    const a = asm(`.org 100\nstart:${body}`, 'pg32');
    const b = asm(`.org 2100\nstart:${body}`, 'pg32');
    const before = templateCount();
    const ca = lockstep(a, [1e6]);
    const cb = lockstep(b, [1e6]);
    expect(ca.regs[2]).toBe(3000);
    expect(cb.regs[2]).toBe(3000);
    expect(templateCount() - before).toBeLessThanOrEqual(1);
  });

  it(`counts taken branches per word: ${HOT_AT} to one target translate it, fewer do not`, () => {
    // code no other test translates (translatedAt would place that translation at the first branch)
    const img = (n: number) => asm(`li r1, ${n}\nloop: xori r7, r7, 0x4d3\naddi r1, r1, -1\nbnez r1, loop\nhalt`, 'pg32');
    const few = new Cpu({ isa: PG32, memWords: MEM });
    few.load(img(HOT_AT - 1));
    few.run(1e6);
    expect(few.code!.translations).toBe(0);
    const enough = new Cpu({ isa: PG32, memWords: MEM });
    enough.load(img(HOT_AT + 2));
    enough.run(1e6);
    expect(enough.code!.translations).toBe(1);
  });
});

describe('code translated before is placed at its first taken branch', () => {
  const loop = (imm: number, org: number) =>
    asm(`.org ${org}\nstart: li r1, 40\nloop: addi r2, r2, ${imm}\nxori r3, r2, 0x2bd\naddi r1, r1, -1\nbnez r1, loop\nhalt`, 'pg32');

  /** Run img on a translating CPU, first `first` steps, then to the end; the interpreter must agree. */
  const against = (img: Image, first: number) => {
    const fast = new Cpu({ isa: PG32, memWords: MEM, devices: new Console() });
    const slow = new Cpu({ isa: PG32, memWords: MEM, devices: new Console(), translate: false });
    fast.load(img);
    slow.load(img);
    fast.run(first);
    const early = fast.code!.translations;
    expect(fast.run(1e6)).toBe(slow.run(1e6));
    expect(state(fast)).toEqual(state(slow));
    return { fast, early };
  };

  it('a second machine (code elsewhere) enters the first one\'s translation at its first taken branch, and stays exact', () => {
    lockstep(loop(7, 100), [1e6]);
    const { fast, early } = against(loop(7, 900), 1 + 4 * 2); // two passes: one taken branch back to the loop
    expect(early).toBe(1);
    expect(fast.code!.placements()[0]!.heads).toContain(901);
    expect(fast.regs[2]).toBe(40 * 7);
  });

  it('code differing in one word (an immediate) is not taken for it: it waits to be hot, and stays exact', () => {
    lockstep(loop(9, 100), [1e6]);
    const { fast, early } = against(loop(11, 100), 1 + 4 * (HOT_AT - 1));
    expect(early).toBe(0);
    expect(fast.code!.translations).toBe(1);
    expect(fast.regs[2]).toBe(40 * 11);
  });
});

describe('large storage', () => {
  it('a 2^27-word machine runs code at its top exactly, and maps only what it touches', () => {
    const words = 2 ** 27;
    const rss = process.memoryUsage().rss;
    const img = asm(`.org ${words - 512}\nstart:\n${FIB}`, 'pg32');
    const cpu = lockstep(img, [10_000, 1e6], words, words - 1024);
    expect(cpu.regs[2]).toBe(2584);
    // storage and the translator's per-word tables are 2^27 words each: none of it may be mapped but the pages used
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
  });
});

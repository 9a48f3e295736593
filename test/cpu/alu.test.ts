// Per-instruction tables for the innocuous ALU instructions (ISA.md "Instructions").
import { describe, expect, it } from 'vitest';
import { CPUS, INT_MAX, INT_MIN, on } from '../harness.js';

describe.each(CPUS)('$name', (cpu) => {
  const { run } = on(cpu);

  /** run `op r3, r1, r2` with r1 = a, r2 = b and return r3 */
  function rrr(op: string, a: number, b: number): number {
    return run(`li r1, ${a}\nli r2, ${b}\n${op} r3, r1, r2\nhalt`).expectHalt().reg(3);
  }
  function rri(op: string, a: number, imm: number): number {
    return run(`li r1, ${a}\n${op} r3, r1, ${imm}\nhalt`).expectHalt().reg(3);
  }

  describe('register ALU', () => {
    const cases: [string, number, number, number][] = [
      ['add', 2, 3, 5],
      ['add', INT_MAX, 1, INT_MIN], // wraps
      ['add', -1, -1, -2],
      ['sub', 2, 3, -1],
      ['sub', INT_MIN, 1, INT_MAX], // wraps
      ['mul', 7, -6, -42],
      ['mul', 0x10000, 0x10000, 0], // low 32 bits
      ['mul', 0x12345678, 0x9abc, Math.imul(0x12345678, 0x9abc)],
      ['div', 7, 2, 3],
      ['div', -7, 2, -3], // truncates toward zero
      ['div', 7, -2, -3],
      ['div', INT_MIN, -1, INT_MIN], // ISA.md: INT_MIN / −1 = INT_MIN
      ['rem', 7, 2, 1],
      ['rem', -7, 2, -1], // sign of the dividend
      ['rem', 7, -2, 1],
      ['rem', INT_MIN, -1, 0],
      ['and', 0b1100, 0b1010, 0b1000],
      ['or', 0b1100, 0b1010, 0b1110],
      ['xor', 0b1100, 0b1010, 0b0110],
      ['shl', 1, 31, INT_MIN],
      ['shl', 1, 33, 2], // low 5 bits of the count
      ['shr', -1, 28, 0xf], // logical
      ['shr', -8, 32, -8], // count 32 → 0
      ['sra', -16, 2, -4], // arithmetic
      ['sra', INT_MIN, 31, -1],
      ['slt', -1, 0, 1],
      ['slt', 0, -1, 0],
      ['slt', 3, 3, 0],
      ['sltu', -1, 0, 0], // 0xFFFFFFFF is large unsigned
      ['sltu', 0, -1, 1],
    ];
    it.each(cases)('%s %i, %i = %i', (op, a, b, want) => {
      expect(rrr(op, a, b)).toBe(want);
    });
  });

  describe('immediate ALU', () => {
    const cases: [string, number, number, number][] = [
      ['addi', 10, -3, 7],
      ['addi', INT_MAX, 1, INT_MIN],
      ['addi', 0, -32768, -32768],
      ['addi', 0, 32767, 32767],
      ['slti', -5, -4, 1],
      ['slti', 5, -4, 0],
      ['andi', -1, 0xffff, 0xffff], // zero-extended: upper bits cleared
      ['andi', 0x12345678, 0xff00, 0x5600],
      ['ori', 0, 0x8000, 0x8000], // not sign-extended
      ['ori', 0x10000, 0xffff, 0x1ffff],
      ['xori', -1, 0xffff, -65536],
      ['shli', 3, 4, 48],
      ['shli', 1, 31, INT_MIN],
      ['shri', INT_MIN, 31, 1],
      ['srai', INT_MIN, 31, -1],
      ['shri', 12345, 0, 12345],
    ];
    it.each(cases)('%s %i, %i = %i', (op, a, imm, want) => {
      expect(rri(op, a, imm)).toBe(want);
    });

    it('lui puts the immediate in the upper half', () => {
      expect(run('lui r1, 0xABCD\nhalt').reg(1)).toBe(0xabcd0000 | 0);
      expect(run('lui r1, 1\nhalt').reg(1)).toBe(65536);
    });
  });

  describe('r0', () => {
    it('always reads 0 and ignores writes, from every kind of instruction', () => {
      const m = run(`
        li r1, 99
        add r0, r1, r1
        addi r0, r0, 5
        lui r0, 7
        ld r0, 0(r0)
        jal r0, next
      next:
        add r2, r0, r0
        halt`).expectHalt();
      expect(m.reg(0)).toBe(0);
      expect(m.reg(2)).toBe(0);
    });
  });

  describe('pseudo-instructions run as their expansions', () => {
    it('li takes the full 32-bit range', () => {
      const m = run('li r1, -2147483648\nli r2, 4294967295\nli r3, 0x12345678\nli r4, -1\nhalt').expectHalt();
      expect([m.reg(1), m.reg(2), m.reg(3), m.reg(4)]).toEqual([INT_MIN, -1, 0x12345678, -1]);
    });
    it('mov, not, neg', () => {
      const m = run('li r1, 0x0F0F0F0F\nmov r2, r1\nnot r3, r1\nneg r4, r1\nnot r1, r1\nhalt').expectHalt();
      expect(m.reg(2)).toBe(0x0f0f0f0f);
      expect(m.reg(3)).toBe(~0x0f0f0f0f);
      expect(m.reg(4)).toBe(-0x0f0f0f0f);
      expect(m.reg(1)).toBe(~0x0f0f0f0f);
    });
    it('push and pop use a full-descending stack on sp', () => {
      const m = run('li sp, 1000\nli r1, 11\nli r2, 22\npush r1\npush r2\npop r3\npop r4\nhalt').expectHalt();
      expect([m.reg(3), m.reg(4), m.reg(15)]).toEqual([22, 11, 1000]);
      expect(m.word(999)).toBe(11);
      expect(m.word(998)).toBe(22);
    });
  });
});

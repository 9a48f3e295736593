// Branches, jumps, memory and relocation (ISA.md "Relocation", "Instructions").
import { describe, expect, it } from 'vitest';
import { CPUS, HANDLER_PSW, INT_MIN, on } from '../harness.js';

describe.each(CPUS)('$name', (cpu) => {
  const { run } = on(cpu);

  describe('branches', () => {
    const cases: [string, number, number, boolean][] = [
      ['beq', 5, 5, true],
      ['beq', 5, 6, false],
      ['bne', 5, 6, true],
      ['bne', 5, 5, false],
      ['blt', -1, 0, true],
      ['blt', 0, -1, false],
      ['bge', 0, 0, true],
      ['bge', -2, -1, false],
      ['bltu', 0, -1, true],
      ['bltu', -1, 0, false],
      ['bgeu', -1, 0, true],
      ['bgeu', 0, 1, false],
      ['blt', INT_MIN, 0, true],
    ];
    it.each(cases)('%s %i, %i taken=%s', (op, a, b, taken) => {
      const m = run(`li r1, ${a}\nli r2, ${b}\n${op} r1, r2, yes\nli r3, 1\nhalt\nyes: li r3, 2\nhalt`).expectHalt();
      expect(m.reg(3)).toBe(taken ? 2 : 1);
    });

    it('branches backwards', () => {
      const m = run('li r1, 0\nli r2, 10\nloop: addi r1, r1, 1\nbne r1, r2, loop\nhalt').expectHalt();
      expect(m.reg(1)).toBe(10);
      expect(m.cpu.instret).toBe(2 + 20 + 1);
    });
  });

  describe('jumps', () => {
    it('jal links the next pc, jr returns', () => {
      const m = run(`
      start: jal lr, f
      back:  halt
      f:     li r1, 7
             jr lr`).expectHalt();
      expect(m.reg(1)).toBe(7);
      expect(m.reg(14)).toBe(m.sym('back'));
    });
    it('jalr reads rs before writing rd', () => {
      const m = run(`
             la r5, f
             jalr r5, r5
      back:  halt
      f:     mov r1, r5
             jr r5`).expectHalt();
      expect(m.reg(1)).toBe(m.sym('back'));
    });
    it('call and ret', () => {
      const m = run('li sp, 2000\ncall f\nhalt\nf: li r2, 3\nret').expectHalt();
      expect(m.reg(2)).toBe(3);
    });
    it('jmp and b', () => {
      const m = run('jmp a\nhalt\na: b c\nhalt\nc: li r1, 1\nhalt').expectHalt();
      expect(m.reg(1)).toBe(1);
    });
    it('targets are pc-relative: code copied elsewhere still runs', () => {
      // copy the 4-word routine at `code` to 1000 and jump there
      const m = run(`
            la r1, code
            li r2, 1000
            li r3, 4
      copy: ld r4, 0(r1)
            st r4, 0(r2)
            addi r1, r1, 1
            addi r2, r2, 1
            addi r3, r3, -1
            bnez r3, copy
            li r6, 1000
            jr r6
      code: li r5, 42
            b done
            halt
      done: halt`).expectHalt();
      expect(m.reg(5)).toBe(42);
      expect(m.cpu.pc).toBe(1004); // halted after the copy's `halt` at 1003
    });
  });

  describe('memory', () => {
    it('ld and st with offsets', () => {
      const m = run('la r1, data\nld r2, 1(r1)\nst r2, -1(r1)\nld r3, (r1)\nhalt\n.word 0\ndata: .word 10, 20').expectHalt();
      expect(m.reg(2)).toBe(20);
      expect(m.reg(3)).toBe(10);
      expect(m.word(m.sym('data') - 1)).toBe(20);
    });
  });

  describe('relocation bounds, at both edges', () => {
    // Run user code under base 100, bound 50; the handler records the trap.
    const prog = (body: string) => `${HANDLER_PSW()}
            la r1, psw
            lpsw r1
      handler: halt
      psw:  .word 0, 0, 200, 50     ; user mode, pc 0, base 200, bound 50
            .org 200
            ${body}`;

    it('the last word inside the bound is reachable', () => {
      const m = run(prog('li r2, 49\nld r3, 0(r2)\nst r2, 0(r2)\nsvc 0')).expectHalt();
      expect(m.saved.cause).toBe(4);
      expect(m.word(249)).toBe(49);
    });
    it('address = bound traps MEMORY with the virtual address as info and the instruction as old pc', () => {
      const m = run(prog('li r2, 50\nld r3, 0(r2)')).expectHalt();
      expect(m.saved).toMatchObject({ cause: 3, info: 50, pc: 1, base: 200, bound: 50, flags: 0 });
    });
    it('a store that faults does not happen', () => {
      const m = run(prog('li r2, -1\nst r2, 0(r2)')).expectHalt();
      expect(m.saved).toMatchObject({ cause: 3, info: -1 });
      expect(m.word(199)).toBe(0);
    });
    it('virtual address 0 is base', () => {
      const m = run(prog('ld r3, 0(r0)\nsvc 0')).expectHalt();
      expect(m.reg(3)).toBe(m.word(200));
    });
    it('fetching past the bound traps with info = pc', () => {
      const m = run(prog('jmp out\n.org 260\nout: nop')).expectHalt();
      expect(m.saved).toMatchObject({ cause: 3, info: 60, pc: 60 });
    });
    it('base + a beyond storage traps even when a < bound', () => {
      const m = run(`${HANDLER_PSW()}
            la r1, psw
            lpsw r1
      handler: halt
      psw:  .word 0, 0, 4000, 1000
            .org 4000
            li r2, 96
            ld r3, 0(r2)`).expectHalt();
      expect(m.saved).toMatchObject({ cause: 3, info: 96 });
    });
  });
});

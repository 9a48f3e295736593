// Trap stories: every cause, the save area, check-stop, privilege first (ISA.md "Traps and interrupts").
import { describe, expect, it } from 'vitest';
import { BY_MNEMONIC, opcodeWord } from '../../src/isa/table.js';
import { CPUS, HANDLER_PSW, on } from '../harness.js';

describe.each(CPUS)('$name', (cpu) => {
  const { machine, run } = on(cpu);

  describe('the trap sequence', () => {
    it('saves the old PSW, cause and info in low storage and loads the new PSW', () => {
      const m = run(`${HANDLER_PSW()}
            li r1, 1
            svc 77
      back: halt
      handler: ld r2, 4(r0)
            ld r3, 5(r0)
            halt`).expectHalt();
      expect(m.saved).toMatchObject({ flags: 1, pc: m.sym('back'), base: 0, bound: 4096, cause: 4, info: 77 });
      expect([m.reg(2), m.reg(3)]).toEqual([4, 77]);
    });

    it('a trap with no handler installed is a check-stop, reported with cause, info and old pc', () => {
      const m = run('nop\nli r1, 0\ndiv r2, r1, r1\nhalt');
      expect(m.reason).toBe('checkstop');
      expect(m.cpu.checkStop).toMatchObject({ cause: 6, pc: 18 });
    });

    it('a fault fetching the handler\'s first instruction is a check-stop, not a loop', () => {
      const m = run('.org 8\n.word 1, 5000, 0, 4096\n.org 16\nstart: svc 1');
      expect(m.reason).toBe('checkstop');
      expect(m.cpu.checkStop?.cause).toBe(3);
    });

    it('a handler that traps again forever still ends at the step limit', () => {
      // the handler itself executes svc, which traps (not an instruction that
      // completes) — but each delivery is a step
      const m = run(`${HANDLER_PSW()}\nhandler: svc 1`, { maxSteps: 1000 });
      expect(m.reason).toBe('budget');
      expect(m.cpu.traps[4]).toBe(1000);
      expect(m.cpu.instret).toBe(0);
    });
  });

  describe('every cause', () => {
    const user = (body: string) => `${HANDLER_PSW()}
            la r1, psw
            lpsw r1
      handler: halt
      psw:  .word 0, 0, 1000, 100
            .org 1000
            ${body}`;

    it('PRIV: a privileged instruction in user mode; old pc = the instruction, info = the word', () => {
      for (const ins of ['halt', 'lpsw r1', 'spsw r1', 'stimer r1', 'in r1, 1', 'out r1, 0']) {
        const m = run(user(`nop\n${ins}`)).expectHalt();
        expect(m.saved, ins).toMatchObject({ cause: 1, pc: 1, flags: 0 });
        expect(m.saved.info, ins).toBe(m.word(1001));
      }
    });

    it('privilege first: lpsw with a bad address in user mode is PRIV, not MEMORY', () => {
      const m = run(user('li r1, 99999\nlpsw r1')).expectHalt();
      expect(m.saved.cause).toBe(1);
    });

    it('ILLEGAL: an undefined word, and a variant instruction outside its ISA', () => {
      const m = run(`${HANDLER_PSW()}\nnop\n.word 0\nhandler: halt`).expectHalt();
      expect(m.saved).toMatchObject({ cause: 2, pc: 17, info: 0 });
      const getr = opcodeWord(BY_MNEMONIC.get('getr')!);
      const m2 = run(`${HANDLER_PSW()}\n.word ${getr}\nhandler: halt`, { isa: 'pg32' }).expectHalt();
      expect(m2.saved).toMatchObject({ cause: 2, pc: 16, info: getr });
    });

    it('ILLEGAL: a defined opcode with a reserved bit set', () => {
      const nop = opcodeWord(BY_MNEMONIC.get('nop')!);
      const m = run(`${HANDLER_PSW()}\n.word ${nop | 1}\nhandler: halt`).expectHalt();
      expect(m.saved).toMatchObject({ cause: 2, info: nop | 1 });
    });

    it('SVC: old pc is the next instruction, info = n', () => {
      const m = run(user('svc 65535\nnop')).expectHalt();
      expect(m.saved).toMatchObject({ cause: 4, pc: 1, info: 65535, base: 1000, bound: 100 });
    });

    it('ARITH: div and rem by zero; the trapping instruction has no other effect', () => {
      for (const op of ['div', 'rem']) {
        const m = run(user(`li r3, 5\n${op} r3, r3, r0`)).expectHalt();
        expect(m.saved).toMatchObject({ cause: 6, pc: 1, info: m.word(1001) });
        expect(m.reg(3)).toBe(5);
      }
    });

    it('instructions that trap do not count as executed', () => {
      const m = run(user('svc 0')).expectHalt();
      // la (1 or 2 words), lpsw, halt in the handler
      expect(m.cpu.instret).toBe(m.sym('handler') - 16 + 1);
    });
  });

  describe('lpsw and spsw', () => {
    it('spsw stores flags (bits 0-1 only), the next pc, base and bound', () => {
      const m = run(`${HANDLER_PSW(4096, 3)}
            la r1, area
            spsw r1
      next: halt
      handler: halt
      area: .space 4`).expectHalt();
      const a = m.sym('area');
      expect([m.word(a), m.word(a + 1), m.word(a + 2), m.word(a + 3)]).toEqual([1, m.sym('next'), 0, 4096]);
    });

    it('lpsw keeps only bits 0-1 of flags', () => {
      const m = run(`${HANDLER_PSW()}
            la r1, psw
            lpsw r1
      handler: halt
      psw: .word 0xFFFFFFFC, 0, 500, 10
            .org 500
            svc 3`).expectHalt();
      expect(m.saved.flags).toBe(0);
    });

    it('checks all four addresses before touching any; info is the first failing one', () => {
      const m = run(`${HANDLER_PSW()}
            li r1, 4094
            li r2, 7
            spsw r1
      handler: halt`).expectHalt();
      expect(m.saved).toMatchObject({ cause: 3, info: 4096 });
      expect([m.word(4094), m.word(4095)]).toEqual([0, 0]);
    });
  });

  describe('ports', () => {
    it('console out, decimal out, console in with −1 at end', () => {
      const m = run(`
            li r1, 'h'
            out r1, 0
            li r1, -42
            out r1, 2
            in r2, 1
            in r3, 1
            in r4, 1
            in r5, 0
            in r6, 2
            in r7, 9
            out r1, 1
            out r1, 9
            halt`, { input: 'ab' }).expectHalt();
      expect(m.out).toBe('h-42');
      expect([m.reg(2), m.reg(3), m.reg(4), m.reg(5), m.reg(6), m.reg(7)]).toEqual([97, 98, -1, -1, -1, -1]);
    });
    it('port 0 writes the low 8 bits as one byte', () => {
      expect(run('li r1, 0x141\nout r1, 0\nhalt').out).toBe('A');
    });
  });

  describe('variants', () => {
    it('jrstu jumps, and from supervisor mode enters user mode', () => {
      const m = run(`${HANDLER_PSW()}
            la r1, u
            jrstu r1
      handler: halt
      u:    svc 9`, { isa: 'pg32-pdp10' }).expectHalt();
      expect(m.saved).toMatchObject({ cause: 4, info: 9, flags: 0 });
    });
    it('gpsw reads flags, getr reads base, sflags sets IE only in supervisor mode', () => {
      const m = run(`${HANDLER_PSW()}
            gpsw r1
            li r2, 2
            sflags r2
            gpsw r3
            getr r4
            la r5, psw
            lpsw r5
      handler: halt
      psw: .word 0, 0, 700, 50
            .org 700
            li r2, 0
            sflags r2      ; user mode: nothing
            gpsw r6
            getr r7
            svc 0`, { isa: 'pg32-x86' }).expectHalt();
      expect([m.reg(1), m.reg(3), m.reg(4), m.reg(6), m.reg(7)]).toEqual([1, 3, 0, 0, 700]);
    });
  });

  describe('step limit', () => {
    it('a runaway loop stops at the budget', () => {
      const m = machine('loop: b loop').run(12345);
      expect(m.reason).toBe('budget');
      expect(m.cpu.instret).toBe(12345);
    });
  });
});

// The interval timer, to the instruction (ISA.md "Traps and interrupts", "Timer").
import { describe, expect, it } from 'vitest';
import { CPUS, HANDLER_PSW, on } from '../harness.js';

describe.each(CPUS)('$name', (cpu) => {
  const { run } = on(cpu);

  /** A handler (IE off) that records the interrupted pc in r10 and halts. */
  const prog = (body: string, psw = 3) => `${HANDLER_PSW()}
        li r1, ${psw}
        la r2, cont
        la r3, area
        st r1, 0(r3)
        st r2, 1(r3)
        li r1, 0
        st r1, 2(r3)
        li r1, 4096
        st r1, 3(r3)
        lpsw r3            ; supervisor (or as given) with IE on, at cont
  cont: ${body}
  handler: ld r10, 1(r0)
        ld r11, 4(r0)
        halt
  area: .space 4`;

  describe('timer', () => {
    it('after stimer with 5, five more instructions complete and the interrupt is taken before the sixth', () => {
      const m = run(prog(`li r5, 5
        stimer r5
        addi r6, r6, 1
        addi r6, r6, 1
        addi r6, r6, 1
        addi r6, r6, 1
        addi r6, r6, 1
  sixth: addi r6, r6, 1
        addi r6, r6, 1
        halt`)).expectHalt();
      expect(m.reg(6)).toBe(5);
      expect(m.reg(11)).toBe(5); // TIMER
      expect(m.reg(10)).toBe(m.sym('sixth')); // old pc: the next instruction
      expect(m.saved.info).toBe(0);
    });

    it('a pending interrupt is held while IE is off and taken as soon as IE is set', () => {
      const m = run(prog(`li r5, 2
        stimer r5
        nop
        nop
        nop          ; pending from here on, IE off
        nop
        la r7, on
        lpsw r7      ; IE on: taken before the next instruction
  next: halt
  on:   .word 3, next, 0, 4096`, 1)).expectHalt();
      expect(m.reg(11)).toBe(5);
      expect(m.reg(10)).toBe(m.sym('next'));
    });

    it('stimer with 0 turns the timer off and clears a pending interrupt', () => {
      const m = run(prog(`li r5, 1
        stimer r5
        nop          ; expires here, pending
        stimer r0    ; ... but pending is cleared
        li r6, 77
        halt`, 1)).expectHalt();
      // never interrupted: IE was off, then stimer 0 cleared it; now check again with IE on
      expect(m.reg(6)).toBe(77);
      expect(m.reg(11)).toBe(0);
      expect(m.cpu.pending).toBe(false);
    });

    it('stimer clears a pending interrupt even with IE on later', () => {
      const m = run(prog(`li r5, 1
        stimer r5
        nop              ; pending (IE off)
        li r5, 1000
        stimer r5        ; re-arms and clears pending
        la r7, on
        lpsw r7          ; IE on: nothing pending
        li r6, 5
        halt
  on:   .word 3, after, 0, 4096
  after: li r6, 6
        halt`, 1)).expectHalt();
      expect(m.reg(6)).toBe(6);
      expect(m.reg(11)).toBe(0);
    });

    it('trapping instructions (svc) are not counted', () => {
      // handler for svc returns with lpsw of the old PSW; timer must not count the svc
      const m = run(`${HANDLER_PSW()}
        li r1, 3
        st r1, 8(r0)       ; new PSW: IE on too
        li r5, 4
        la r8, psw
        lpsw r8
  handler: ld r11, 4(r0)
        li r12, 4
        beq r11, r12, svc_h
        ld r10, 1(r0)      ; timer: record and stop
        halt
  svc_h: lpsw r0           ; return to the interrupted program (old PSW at 0)
  psw:  .word 3, body, 0, 4096
  body: stimer r5
        nop
        svc 1
        nop
        nop
  here: nop
        halt`).expectHalt();
      // counted: nop, nop, nop, then... the svc handler's own instructions count too:
      // ld, li, beq, lpsw = 4 > 3 remaining after the first nop, so the interrupt
      // comes inside the SVC handler's path; handler is entered with IE on.
      expect(m.reg(11)).toBe(5);
      // counted: nop, then ld, li, beq — so the interrupt is taken before svc_h's
      // lpsw. Had the svc been counted it would come one instruction earlier.
      expect(m.reg(10)).toBe(m.sym('svc_h'));
    });

    it('taking the interrupt clears it; the timer counts in user mode too', () => {
      const m = run(`${HANDLER_PSW()}
        li r5, 10
        stimer r5
        la r8, psw
        lpsw r8
  handler: ld r10, 1(r0)
        ld r11, 4(r0)
        halt
  psw:  .word 2, 0, 1000, 100      ; user, IE on
        .org 1000
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop`).expectHalt();
      // stimer 10 in supervisor: la (1-2 words) and lpsw count first
      const before = m.sym('handler') - m.sym('start') - 2; // instructions after stimer up to lpsw inclusive
      expect(m.reg(11)).toBe(5);
      expect(m.reg(10)).toBe(10 - before);
      expect(m.cpu.pending).toBe(false);
    });
  });
});

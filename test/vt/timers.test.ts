// Time in guest mode (ISA.md "Extension vt", Time): the guest TIMER is the
// guest's own and counts exactly as on the bare machine; the host TIMER ticks
// once per completed guest instruction (not per trap delivery) and once when
// vmrun completes; an intercepted guest timer interrupt is consumed.
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../src/isa/table.js';
import { EXITS, MEM, runStory, sameAsBare, story } from './story.js';

/** the guest's handler: the interrupted pc and the cause into r10, r11, then an intercepted halt */
const recordAndHalt = '        ld r10, 1(r0)\n        ld r11, 4(r0)\n        halt';

describe('the guest TIMER', () => {
  it('after a guest stimer with 5, five more guest instructions complete and the interrupt is taken before the sixth', () => {
    const m = sameAsBare({ flags: 3, handler: recordAndHalt, guest: `
        li r5, 5
        stimer r5
        addi r6, r6, 1
        addi r6, r6, 1
        addi r6, r6, 1
        addi r6, r6, 1
        addi r6, r6, 1
sixth:  addi r6, r6, 1
        halt` });
    expect(m.cb.regs[6]).toBe(5);
    expect(m.cb.regs[10]).toBe(m.gsym('sixth'));
    expect(m.cb.regs[11]).toBe(CAUSES.TIMER);
  });

  it('word 4 starts it: with 3 and IE on, the interrupt comes before the fourth guest instruction', () => {
    const m = sameAsBare({ flags: 3, timer: 3, handler: recordAndHalt, guest: `
        nop
        nop
        nop
fourth: nop
        halt` });
    expect(m.cb.regs[10]).toBe(m.gsym('fourth'));
  });

  it('trap deliveries and trapping instructions are not counted; the guest\'s handler instructions are', () => {
    // svc returns through lpsw r0; the timer counts nop, lpsw, nop, lpsw, ...
    sameAsBare({ flags: 3, timer: 7, handlerFlags: 1, handler: `
        ld r11, 4(r0)
        li r12, ${CAUSES.TIMER}
        beq r11, r12, done
        lpsw r0
done:   ld r10, 1(r0)
        halt`, guest: `
        svc 0
        nop
        svc 0
        nop
        svc 0
        nop
        nop
        nop
        halt` });
  });

  it('C words 4–5 after an exit: the remaining count, and a held expiry', () => {
    const m = runStory({ timer: 100, intercepts: ['HALT'], guest: '        nop\n        nop\n        nop\n        halt' }).expectExit(EXITS.INSTR);
    expect(m.cb.timer).toBe(97); // the intercepted halt did not complete
    expect(m.cb.pending).toBe(0);
    const held = runStory({ timer: 2, flags: 1, intercepts: ['HALT'], guest: '        nop\n        nop\n        nop\n        halt' }).expectExit(EXITS.INSTR);
    expect(held.cb.timer).toBe(0);
    expect(held.cb.pending).toBe(1);
  });

  it('an intercepted guest timer interrupt is consumed: word 5 reads 0, and the next vmrun does not see it again', () => {
    const m = runStory({ flags: 3, timer: 2, intercepts: ['TRAPS', 'HALT'], after: `
        ld r1, 9(r13)
        st r1, first(r0)
        vmrun r13
        halt
first:  .word 0`, guest: `
        nop
        nop
        nop
        halt` });
    expect(m.reason).toBe('halt');
    expect(m.cpu.mem[m.sym('first')]).toBe(CAUSES.TIMER);
    expect(m.cb.code).toBe(EXITS.INSTR); // the second exit: at the halt, no second TIMER exit
    expect(m.cb.pending).toBe(0);
    expect(m.cb.pc).toBe(m.gsym('gstart') + 3);
  });
});

describe('the host TIMER in guest mode', () => {
  /**
   * The host turns IE on, sets its TIMER to `t` as its last act before
   * `la r13, cb; vmrun r13`, and records the interrupted pc in r10 (its
   * handler). The guest completes five instructions and halts (intercepted).
   */
  const host = (t: number, after = '        halt') =>
    story({
      host: `        la r2, hpsw\n        lpsw r2\nie_on:  li r1, ${t}\n        stimer r1\nsetcb:`,
      extra: `hpsw:   .word 3, ie_on, 0, ${MEM}`,
      hostHandler: '        ld r10, 1(r0)\n        halt',
      intercepts: ['HALT'],
      after,
      guest: '        nop\n        nop\n        nop\n        nop\n        nop\nhlt:    halt',
    });
  const k = (m: ReturnType<typeof host>) => m.sym('vmrun') - m.sym('setcb'); // host ticks before vmrun (la)

  it('ticks once per completed guest instruction and once when vmrun completes: expiring at that last tick', () => {
    const m = host(0);
    const t = k(m) + 5 + 1;
    const h = host(t).run();
    expect(h.reason).toBe('halt');
    expect(h.cb.code).toBe(EXITS.INSTR);
    expect(h.cpu.regs[10]).toBe(h.sym('after')); // taken right after vmrun
  });

  it('one tick less: HTIMER after the fifth guest instruction, pc = the halt; the host interrupt after vmrun', () => {
    const t = k(host(0)) + 5;
    const h = host(t).run();
    expect(h.cb.code).toBe(EXITS.HTIMER);
    expect(h.cb.pc).toBe(h.gsym('hlt'));
    expect(h.cpu.regs[10]).toBe(h.sym('after'));
  });

  it('one tick more: the exit leaves 1, and the host\'s next instruction expires it', () => {
    const t = k(host(0)) + 5 + 2;
    const h = host(t, '        nop\nnext:   halt').run();
    expect(h.cb.code).toBe(EXITS.INSTR);
    expect(h.cpu.regs[10]).toBe(h.sym('next'));
  });

  it('guest trap deliveries do not tick it', () => {
    // Three svc delivered in the guest, three lpsw back: three guest instructions complete.
    const mk = (t: number) =>
      story({
        host: `        la r2, hpsw\n        lpsw r2\nie_on:  li r1, ${t}\n        stimer r1\nsetcb:`,
        extra: `hpsw:   .word 3, ie_on, 0, ${MEM}`,
        hostHandler: '        ld r10, 1(r0)\n        halt',
        intercepts: ['HALT'],
        handler: '        lpsw r0',
        guest: '        svc 0\n        svc 0\n        svc 0\nhlt:    halt',
      });
    const kk = mk(0).sym('vmrun') - mk(0).sym('setcb');
    const h = mk(kk + 3 + 1).run();
    expect(h.cb.code).toBe(EXITS.INSTR);
    expect(h.cb.pc).toBe(h.gsym('hlt'));
    expect(h.cpu.regs[10]).toBe(h.sym('after'));
  });

  it('counts guest instructions in the host\'s instruction count too', () => {
    const m = runStory({ intercepts: ['HALT'], guest: '        nop\n        nop\n        nop\n        halt' }).expectExit(EXITS.INSTR);
    const hostInstructions = m.sym('vmrun') - m.sym('start') + 2; // la, vmrun, halt
    expect(m.cpu.instret).toBe(hostInstructions + 3);
  });

  it('time-slices a guest: a host loop re-entering after each HTIMER exit gets exactly 10 guest instructions a slice', () => {
    // The guest sums 1..60 and halts; the bare machine tells how many instructions that takes.
    const guest = `
        li r1, 60
loop:   add r2, r2, r1
        addi r1, r1, -1
        bnez r1, loop
        halt`;
    const once = sameAsBare({ guest }); // also: the same result as on the bare machine
    const g = once.cpu.instret - (once.sym('vmrun') - once.sym('start') + 2); // guest instructions before the halt
    const m = runStory({
      intercepts: ['HALT'],
      host: '        li r5, 10\n        li r6, 0\n        la r13, cb\n        jmp slice',
      after: `
        ld r7, 9(r13)
        li r8, ${EXITS.HTIMER}
        bne r7, r8, done
        addi r6, r6, 1           ; one more slice
slice:  stimer r5
        vmrun r13
        jmp after
done:   halt`,
      guest,
    });
    expect(m.reason).toBe('halt');
    expect(m.cb.code).toBe(EXITS.INSTR);
    expect(m.cb.regs[2]).toBe(1830);
    expect(m.cpu.regs[6]).toBe(Math.floor(g / 10));
  });
});

// Injection (ISA.md "Extension vt", words 11–12): a trap cause 1–6 delivered
// into the guest before its first instruction, intercepts notwithstanding;
// word 11 is cleared by vmrun.
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../src/isa/table.js';
import { EXITS, INTERCEPTS, SIZE, runStory, saveAreaToRegs } from './story.js';

const ALL = Object.values(INTERCEPTS).reduce((a, b) => a | b, 0);

const handler = saveAreaToRegs;
/** would mark r7 if it ran before the handler */
const guest = `first:  li r7, 1\n        halt`;

describe('an injected trap is delivered before the first guest instruction', () => {
  for (const [name, cause] of Object.entries(CAUSES)) {
    it(`${name} (${cause}), with every intercept set`, () => {
      const m = runStory({ flags: 2, inject: cause, injectInfo: 1000 + cause, intercepts: ALL, handler, guest }).expectExit(EXITS.INSTR);
      expect(m.cb.pc).toBe(m.gsym('hlt'));
      expect(m.cb.regs.slice(1, 7)).toEqual([2, m.gsym('first'), 0, SIZE, cause, 1000 + cause]);
      expect(m.cb.regs[7]).toBe(0);
      expect(m.cb.inject).toBe(0); // cleared by vmrun
      expect(m.cb.injectInfo).toBe(1000 + cause); // left as it was (isa/MACHINE.md)
    });
  }

  it('an injected MEMORY trap below the bound is delivered as it is, never turned into an NPF exit', () => {
    const m = runStory({ size: 64, bound: 1000, inject: CAUSES.MEMORY, injectInfo: 100, intercepts: ['HALT'], handler, guest }).expectExit(EXITS.INSTR);
    expect(m.cb.regs.slice(5, 7)).toEqual([CAUSES.MEMORY, 100]);
  });

  it('the handler then runs as a guest: its own traps are intercepted as usual', () => {
    const m = runStory({ inject: CAUSES.PRIV, injectInfo: 5, intercepts: ['SVC'], handler: '        ld r9, 5(r0)\n        svc 8', guest }).expectExit(CAUSES.SVC, 8);
    expect(m.cb.regs[9]).toBe(5);
  });

  it('word 11 is cleared, so running the same block again does not inject again', () => {
    // The handler counts its entries in guest-physical 100; the second vmrun resumes at the intercepted halt.
    const m = runStory({
      inject: CAUSES.SVC, intercepts: ['HALT'],
      after: '        vmrun r13\n        halt',
      handler: '        ld r9, 100(r0)\n        addi r9, r9, 1\n        st r9, 100(r0)\nhlt:    halt',
      guest,
    }).expectExit(EXITS.INSTR);
    expect(m.gword(100)).toBe(1);
    expect(m.cb.pc).toBe(m.gsym('hlt'));
  });

  it('an inject with a timer interrupt pending: the injected trap first; the pending one waits for IE', () => {
    const m = runStory({ flags: 3, pending: 1, inject: CAUSES.SVC, injectInfo: 4, intercepts: ['HALT'], handler, guest }).expectExit(EXITS.INSTR);
    expect(m.cb.regs[5]).toBe(CAUSES.SVC);
    expect(m.cb.pending).toBe(1); // the handler runs with IE off
  });
});

describe('an injected trap with no handler', () => {
  it('exits CHECKSTOP with info = the cause; the save area is written; pc = the guest pc', () => {
    const m = runStory({ flags: 0, base: 4, bound: 300, pc: 'gstart - PART - 4', inject: CAUSES.ARITH, injectInfo: 77, guest }).expectExit(EXITS.CHECKSTOP, CAUSES.ARITH);
    const pc = m.gsym('first') - 4;
    expect(m.cb).toMatchObject({ flags: 0, pc, base: 4, bound: 300, inject: 0 });
    expect(m.gsaved).toEqual({ flags: 0, pc, base: 4, bound: 300, cause: CAUSES.ARITH, info: 77 });
    expect(m.cb.regs[7]).toBe(0);
  });

  it('whose handler cannot be fetched: CHECKSTOP with MEMORY, at the handler\'s pc', () => {
    const m = runStory({ inject: CAUSES.SVC, extra: '        .org PART + 8\n        .word 1, 40, 0, 30', guest }).expectExit(EXITS.CHECKSTOP, CAUSES.MEMORY);
    expect(m.cb.pc).toBe(40);
    expect(m.gsaved.cause).toBe(CAUSES.SVC);
  });
});

// One story per intercept (ISA.md "Extension vt", Intercepts): with its bit
// set, each instruction it covers exits INSTR without executing (pc = the
// instruction, info = its word); with every OTHER bit set, it executes in the
// guest exactly as on the bare machine. The privilege check and lpsw/spsw's
// address checks come first. (SVC and TRAPS, the trap intercepts, are in
// exits.test.ts: exit codes 1–6.)
import { describe, expect, it } from 'vitest';
import { CAUSES, type InterceptName } from '../../src/isa/table.js';
import { W } from '../asm/helpers.js';
import { EXITS, INTERCEPTS, SIZE, runStory, type VtMachine } from './story.js';

const ALL = Object.values(INTERCEPTS).reduce((a, b) => a | b, 0);
const TIMER0 = 1000; // the guest TIMER at entry (IE off: it only counts)

interface Case {
  name: string;
  bit: InterceptName;
  isa?: string;
  /** guest code before the instruction (r1 starts −7) */
  setup?: string;
  instr: string;
  /** guest data after the code */
  data?: string;
  input?: string;
  /** host code after vmrun (before its halt) */
  after?: string;
  /** the instruction did not execute */
  skipped(m: VtMachine): void;
  /** the instruction executed as on the bare machine */
  executed(m: VtMachine): void;
}

const cases: Case[] = [
  {
    name: 'in', bit: 'IO', instr: 'in r1, 1', input: 'Z', after: '        in r5, 1',
    skipped: (m) => { expect(m.cb.regs[1]).toBe(-7); expect(m.cpu.regs[5]).toBe(90); }, // the byte is still there for the host
    executed: (m) => { expect(m.cb.regs[1]).toBe(90); expect(m.cpu.regs[5]).toBe(-1); },
  },
  {
    name: 'out', bit: 'IO', setup: '        li r2, 65', instr: 'out r2, 0',
    skipped: (m) => expect(m.out).toBe(''),
    executed: (m) => expect(m.out).toBe('A'),
  },
  {
    name: 'stimer', bit: 'TIMER', setup: '        li r2, 40', instr: 'stimer r2',
    skipped: (m) => expect(m.cb.timer).toBe(TIMER0 - 1),
    executed: (m) => expect(m.cb.timer).toBe(40),
  },
  {
    name: 'lpsw', bit: 'PSW', setup: '        li r3, psw - PART', instr: 'lpsw r3', data: `psw:    .word 0, done - PART, 0, ${SIZE}`,
    skipped: (m) => expect(m.cb.flags).toBe(1),
    executed: (m) => { expect(m.cb.flags).toBe(0); expect(m.cb.pc).toBe(m.gsym('done') + 1); },
  },
  {
    name: 'spsw', bit: 'PSW', setup: '        li r3, area - PART', instr: 'spsw r3', data: 'area:   .word 9, 9, 9, 9',
    skipped: (m) => expect([0, 1, 2, 3].map((k) => m.gword(m.gsym('area') + k))).toEqual([9, 9, 9, 9]),
    executed: (m) => expect([0, 1, 2, 3].map((k) => m.gword(m.gsym('area') + k))).toEqual([1, m.gsym('done'), 0, SIZE]),
  },
  {
    name: 'gpsw', bit: 'EXTRAS', isa: 'pg32-x86-vt', instr: 'gpsw r1',
    skipped: (m) => expect(m.cb.regs[1]).toBe(-7),
    executed: (m) => expect(m.cb.regs[1]).toBe(1),
  },
  {
    name: 'sflags', bit: 'EXTRAS', isa: 'pg32-x86-vt', setup: '        li r2, 2', instr: 'sflags r2',
    skipped: (m) => expect(m.cb.flags).toBe(1),
    executed: (m) => expect(m.cb.flags).toBe(3),
  },
  {
    name: 'getr', bit: 'EXTRAS', isa: 'pg32-x86-vt', instr: 'getr r1',
    skipped: (m) => expect(m.cb.regs[1]).toBe(-7),
    executed: (m) => expect(m.cb.regs[1]).toBe(0),
  },
  {
    name: 'jrstu', bit: 'EXTRAS', isa: 'pg32+jrstu+vt', setup: '        li r3, done - PART', instr: 'jrstu r3',
    skipped: (m) => expect(m.cb.flags).toBe(1),
    executed: (m) => { expect(m.cb.flags).toBe(0); expect(m.cb.pc).toBe(m.gsym('done') + 1); },
  },
];

const guestOf = (c: Case) => `${c.setup ?? ''}
x:      ${c.instr}
done:   svc 0
${c.data ?? ''}`;

describe('an intercepted instruction exits INSTR instead of executing', () => {
  for (const c of cases) {
    it(`${c.name} (${c.bit})`, () => {
      const m = runStory({ isa: c.isa, timer: TIMER0, regs: { 1: -7 }, intercepts: [c.bit, 'SVC'], input: c.input, after: `${c.after ?? ''}\n        halt`, guest: guestOf(c) });
      m.expectExit(EXITS.INSTR);
      expect(m.cb.pc).toBe(m.gsym('x'));
      expect(m.cb.info).toBe(m.wordAt('x'));
      // It did not complete: the guest TIMER counted only the setup.
      if (c.name !== 'stimer') expect(m.cb.timer).toBe(TIMER0 - (m.sym('x') - m.sym('gstart')));
      c.skipped(m);
    });
  }

  it('halt (HALT): the machine does not halt; the host goes on after vmrun', () => {
    const m = runStory({ intercepts: ['HALT'], after: '        li r5, 5\n        halt', guest: 'x:      halt' }).expectExit(EXITS.INSTR);
    expect(m.cb.pc).toBe(m.gsym('x'));
    expect(m.cb.info).toBe(m.wordAt('x'));
    expect(m.cpu.regs[5]).toBe(5);
  });
});

describe('with every other intercept bit set, the instruction executes in the guest as on the bare machine', () => {
  for (const c of cases) {
    it(`${c.name} (all but ${c.bit})`, () => {
      const m = runStory({ isa: c.isa, timer: TIMER0, regs: { 1: -7 }, intercepts: ALL & ~INTERCEPTS[c.bit], input: c.input, after: `${c.after ?? ''}\n        halt`, guest: guestOf(c) });
      m.expectExit(CAUSES.SVC, 0);
      c.executed(m);
    });
  }
});

describe('the privilege check comes first: in guest user mode a privileged instruction is a PRIV trap, not INSTR', () => {
  for (const instr of ['in r1, 1', 'out r1, 0', 'halt', 'stimer r1', 'lpsw r1', 'spsw r1', 'vmrun r1']) {
    it(`${instr.split(' ')[0]} with every intercept set exits PRIV`, () => {
      const m = runStory({ flags: 0, intercepts: ALL, guest: `x:      ${instr}` }).expectExit(CAUSES.PRIV);
      expect(m.cb.pc).toBe(m.gsym('x'));
      expect(m.cb.info).toBe(m.wordAt('x'));
    });
  }

  it('lpsw in user mode with an address past the bound is PRIV too', () => {
    runStory({ flags: 0, intercepts: ALL, regs: { 1: 100000 }, guest: 'x:      lpsw r1' }).expectExit(CAUSES.PRIV);
  });

  it('without TRAPS the PRIV trap is delivered in the guest, intercept bit or not', () => {
    const m = runStory({ flags: 0, intercepts: ALL & ~INTERCEPTS.TRAPS, handler: '        ld r9, 4(r0)\n        ld r8, 5(r0)\n        svc 1', guest: 'x:      out r1, 0' }).expectExit(CAUSES.SVC, 1);
    expect(m.cb.regs[9]).toBe(CAUSES.PRIV);
    expect(m.cb.regs[8]).toBe(m.wordAt('x'));
    expect(m.out).toBe('');
  });
});

describe('lpsw/spsw check their addresses before the PSW intercept', () => {
  for (const instr of ['lpsw', 'spsw']) {
    it(`${instr} reaching past the guest bound is a MEMORY trap (info = the first bad address), not INSTR`, () => {
      const m = runStory({ intercepts: ['PSW', 'TRAPS'], regs: { 3: SIZE - 2 }, guest: `x:      ${instr} r3` }).expectExit(CAUSES.MEMORY, SIZE);
      expect(m.cb.pc).toBe(m.gsym('x'));
    });
    it(`${instr} with every address good exits INSTR`, () => {
      runStory({ intercepts: ['PSW', 'TRAPS'], regs: { 3: SIZE - 4 }, guest: `x:      ${instr} r3` }).expectExit(EXITS.INSTR);
    });
  }
});

describe('EXTRAS', () => {
  it('the extras are unprivileged: in guest user mode they complete, so they exit INSTR', () => {
    for (const [isa, instr] of [['pg32-x86-vt', 'gpsw r1'], ['pg32-x86-vt', 'sflags r1'], ['pg32-x86-vt', 'getr r1'], ['pg32+jrstu+vt', 'jrstu r1']]) {
      const m = runStory({ isa, flags: 0, intercepts: ['EXTRAS'], guest: `x:      ${instr}` }).expectExit(EXITS.INSTR);
      expect(m.cb.pc).toBe(m.gsym('x'));
    }
  });

  it('on an ISA without the extras their words are ILLEGAL, EXTRAS or not', () => {
    const getr = W('getr', { a: 1 });
    runStory({ isa: 'pg32+vt', intercepts: ['EXTRAS', 'TRAPS'], guest: `x:      .word ${getr}` }).expectExit(CAUSES.ILLEGAL, getr | 0);
  });
});

describe('word 8', () => {
  it('bits 7–31 intercept nothing', () => {
    const m = runStory({ intercepts: ~ALL, regs: { 1: 66 }, guest: `
        out r1, 0
        halt` });
    expect(m.reason).toBe('halt');
    expect(m.out).toBe('B');
    expect(m.cpu.guest).not.toBeNull(); // the guest's halt halted the machine (no HALT intercept)
  });
});

// One story per exit code (ISA.md "Extension vt", Exits): an intercepted guest
// trap (1–6), INSTR, NPF, HTIMER, VMRUN, CHECKSTOP and BADVMCB. Each story is a
// host program that runs one guest with vmrun and halts; the test reads the
// control block C and the host's state afterwards.
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../src/isa/table.js';
import { W } from '../asm/helpers.js';
import { EXITS, MEM, PART, runStory, story } from './story.js';

const hex = (w: number) => '0x' + (w >>> 0).toString(16);

describe('exit 1–6: an intercepted guest trap exits with its cause, the old pc and the info', () => {
  // A guest handler that would mark r9 and halt the machine: an intercepted
  // trap must never reach it, and the guest's save area stays empty.
  const handler = '        li r9, 99\n        halt';
  const notDelivered = (m: ReturnType<typeof runStory>) => {
    expect(m.cb.regs[9]).toBe(0);
    for (let p = 0; p <= 5; p++) expect(m.gword(p), `guest save area word ${p}`).toBe(0);
  };

  it('PRIV (1): a privileged instruction in guest user mode; pc = the instruction, info = its word', () => {
    const m = runStory({ flags: 0, intercepts: ['TRAPS'], handler, guest: `
        addi r1, r0, 7
priv:   halt` }).expectExit(CAUSES.PRIV);
    expect(m.cb.info).toBe(m.wordAt('priv'));
    expect(m.cb.pc).toBe(m.gsym('priv'));
    expect(m.cb.flags).toBe(0);
    expect(m.cb.regs[1]).toBe(7);
    notDelivered(m);
  });

  it('ILLEGAL (2): an undefined word, and a variant extra on pg32+vt; info = the word', () => {
    const m = runStory({ intercepts: ['TRAPS'], handler, guest: `
        addi r1, r0, 1
bad:    .word 0` }).expectExit(CAUSES.ILLEGAL, 0);
    expect(m.cb.pc).toBe(m.gsym('bad'));
    notDelivered(m);
    const gpsw = W('gpsw', { a: 1 });
    const x = runStory({ intercepts: ['TRAPS'], handler, guest: `bad: .word ${hex(gpsw)}` }).expectExit(CAUSES.ILLEGAL, gpsw | 0);
    expect(x.cb.pc).toBe(x.gsym('bad'));
  });

  it('MEMORY (3): a load past the guest bound, a store at −1, a fetch past the bound; info = the virtual address', () => {
    const ld = runStory({ bound: 100, intercepts: ['TRAPS'], handler, guest: `
ld:     ld r1, 300(r0)` }).expectExit(CAUSES.MEMORY, 300);
    expect(ld.cb.pc).toBe(ld.gsym('ld'));
    expect(ld.cb.bound).toBe(100);
    notDelivered(ld);
    const st = runStory({ bound: 100, intercepts: ['TRAPS'], guest: `
        li r2, -1
st:     st r2, 0(r2)` }).expectExit(CAUSES.MEMORY, -1);
    expect(st.cb.pc).toBe(st.gsym('st'));
    const fetch = runStory({ bound: 100, intercepts: ['TRAPS'], guest: `
        li r2, 200
        jr r2` }).expectExit(CAUSES.MEMORY, 200);
    expect(fetch.cb.pc).toBe(200);
  });

  it('SVC (4): `svc n` with the SVC intercept; pc = the next instruction, info = n', () => {
    const m = runStory({ intercepts: ['SVC'], handler, guest: `
        svc 77
next:   halt` }).expectExit(CAUSES.SVC, 77);
    expect(m.cb.pc).toBe(m.gsym('next'));
    notDelivered(m);
  });

  it('TIMER (5): the guest timer interrupt; pc = the next instruction, info 0, the interrupt consumed', () => {
    const m = runStory({ flags: 3, timer: 3, intercepts: ['TRAPS'], handler, guest: `
        addi r1, r1, 1
        addi r1, r1, 1
        addi r1, r1, 1
fourth: addi r1, r1, 1
        addi r1, r1, 1` }).expectExit(CAUSES.TIMER, 0);
    expect(m.cb.pc).toBe(m.gsym('fourth'));
    expect(m.cb.regs[1]).toBe(3);
    expect(m.cb.timer).toBe(0);
    expect(m.cb.pending).toBe(0);
    expect(m.cb.flags).toBe(3);
    notDelivered(m);
  });

  it('ARITH (6): div and rem by zero; pc = the instruction, info = its word', () => {
    for (const op of ['div', 'rem']) {
      const m = runStory({ intercepts: ['TRAPS'], handler, regs: { 1: 5 }, guest: `
bad:    ${op} r3, r1, r0` }).expectExit(CAUSES.ARITH);
      expect(m.cb.info).toBe(m.wordAt('bad'));
      expect(m.cb.pc).toBe(m.gsym('bad'));
      notDelivered(m);
    }
  });

  it('TRAPS does not cover SVC, and SVC covers nothing else: those traps are delivered in the guest', () => {
    // TRAPS only: the svc reaches the guest's handler (which ends with an intercepted halt).
    const a = runStory({ intercepts: ['TRAPS', 'HALT'], handler: '        ld r9, 4(r0)\n        halt', guest: '        svc 3' }).expectExit(EXITS.INSTR);
    expect(a.cb.regs[9]).toBe(CAUSES.SVC);
    // SVC only: a PRIV trap reaches the handler.
    const b = runStory({ flags: 0, intercepts: ['SVC', 'HALT'], handler: '        ld r9, 4(r0)\n        halt', guest: '        halt' }).expectExit(EXITS.INSTR);
    expect(b.cb.regs[9]).toBe(CAUSES.PRIV);
  });
});

describe('exit 16 INSTR: an intercepted instruction that would complete does not execute', () => {
  it('halt with the HALT intercept: pc = the halt, info = its word, the machine keeps running', () => {
    const m = runStory({ intercepts: ['HALT'], guest: `
        li r1, 5
h:      halt` }).expectExit(EXITS.INSTR);
    expect(m.cb.info).toBe(m.wordAt('h'));
    expect(m.cb.pc).toBe(m.gsym('h'));
    expect(m.cb.regs[1]).toBe(5);
  });
  // Every intercepted instruction, one by one, is in intercepts.test.ts.
});

describe('exit 17 NPF: below the guest bound but past the partition', () => {
  // A 64-word partition under a guest bound of 1000: guest-physical 64 and up
  // is past the guest's storage.
  const npf = { size: 64, bound: 1000 };

  it('a load: info = the guest-physical address, pc = the instruction, the register untouched', () => {
    const m = runStory({ ...npf, regs: { 1: -5 }, guest: `
ld:     ld r1, 100(r0)` }).expectExit(EXITS.NPF, 100);
    expect(m.cb.pc).toBe(m.gsym('ld'));
    expect(m.cb.regs[1]).toBe(-5);
  });

  it('a store: nothing is written past the partition', () => {
    const m = runStory({ ...npf, regs: { 2: 1234 }, extra: '        .org PART + 70\nmark:   .word 42', guest: `
st:     st r2, 70(r0)` }).expectExit(EXITS.NPF, 70);
    expect(m.cb.pc).toBe(m.gsym('st'));
    expect(m.gword(70)).toBe(42);
  });

  it('guest relocation comes first: with guest base 10, virtual 60 is guest-physical 70', () => {
    const m = runStory({ ...npf, base: 10, pc: 'gstart - PART - 10', guest: `
ld:     ld r1, 60(r0)` }).expectExit(EXITS.NPF, 70);
    expect(m.cb.pc).toBe(m.gsym('ld') - 10);
    expect(m.cb.base).toBe(10);
  });

  it('a fetch: pc = the unreachable address (virtual), info = guest-physical', () => {
    const m = runStory({ ...npf, base: 10, pc: 'gstart - PART - 10', regs: { 2: 54 }, guest: `
        jr r2` }).expectExit(EXITS.NPF, 64);
    expect(m.cb.pc).toBe(54);
  });

  it('lpsw and spsw: the first of the four addresses past the partition; nothing touched', () => {
    const l = runStory({ ...npf, regs: { 3: 62 }, guest: `
x:      lpsw r3` }).expectExit(EXITS.NPF, 64);
    expect(l.cb.pc).toBe(l.gsym('x'));
    expect(l.cb.flags).toBe(1);
    const s = runStory({ ...npf, regs: { 3: 61 }, extra: '        .org PART + 61\n        .word 7, 7, 7', guest: `
x:      spsw r3` }).expectExit(EXITS.NPF, 64);
    expect(s.cb.pc).toBe(s.gsym('x'));
    expect([s.gword(61), s.gword(62), s.gword(63)]).toEqual([7, 7, 7]);
    // The address check comes before the PSW intercept, so it is still NPF, not INSTR.
    runStory({ ...npf, intercepts: ['PSW'], regs: { 3: 62 }, guest: '        lpsw r3' }).expectExit(EXITS.NPF, 64);
  });

  it('is an exit whatever the intercepts, with a guest handler installed: the handler does not run', () => {
    const m = runStory({ ...npf, intercepts: 0, handler: '        li r9, 99\n        halt', guest: '        ld r1, 64(r0)' }).expectExit(EXITS.NPF, 64);
    expect(m.cb.regs[9]).toBe(0);
    expect(m.gword(4)).toBe(0);
    runStory({ ...npf, intercepts: ['TRAPS'], guest: '        ld r1, 64(r0)' }).expectExit(EXITS.NPF, 64);
  });

  it('at or past the guest bound it is a guest MEMORY trap instead, even past the partition', () => {
    runStory({ size: 64, bound: 100, intercepts: ['TRAPS'], guest: '        ld r1, 200(r0)' }).expectExit(CAUSES.MEMORY, 200);
  });

  it('a guest base past the partition: the first fetch is NPF at base + pc', () => {
    const m = runStory({ size: 64, base: 100, bound: 50, pc: 3, guest: '        nop' }).expectExit(EXITS.NPF, 103);
    expect(m.cb.pc).toBe(3);
  });
});

describe('exit 18 HTIMER: the host TIMER reaches 0 in guest mode', () => {
  /** host code that sets its TIMER last; the `la r13, cb` after it ticks too */
  const hostTimer = (n: number) => `        li r1, ${n}\n        stimer r1\nsetcb:`;
  const loop = `
loop:   addi r1, r1, 1
        jmp loop`;

  it('the guest exits after the host TIMER\'s remaining ticks; pc = the next instruction; the host interrupt is pending', () => {
    const m = story({ host: hostTimer(20), guest: loop });
    const ticksBefore = m.sym('vmrun') - m.sym('setcb'); // la r13, cb
    m.run().expectExit(EXITS.HTIMER, 0);
    const g = 20 - ticksBefore; // guest instructions completed
    expect(m.cb.regs[1]).toBe(Math.ceil(g / 2));
    expect(m.cb.pc).toBe(g % 2 === 0 ? m.gsym('loop') : m.gsym('loop') + 1);
    expect(m.cpu.timer).toBe(0);
    expect(m.cpu.pending).toBe(true); // host IE is off: held
  });

  it('with host IE = 1 the host interrupt is taken right after vmrun, old pc = the instruction after it', () => {
    const m = runStory({
      host: `        la r2, hpsw\n        lpsw r2\nie_on:\n${hostTimer(9)}`,
      extra: `hpsw:   .word 3, ie_on, 0, ${MEM}`,
      hostHandler: '        ld r10, 1(r0)\n        ld r11, 4(r0)\n        halt',
      guest: loop,
    });
    expect(m.reason).toBe('halt');
    expect(m.cb.code).toBe(EXITS.HTIMER);
    expect(m.cpu.regs[11]).toBe(CAUSES.TIMER);
    expect(m.cpu.regs[10]).toBe(m.sym('after'));
  });

  it('a guest stimer ticks the host TIMER too (and the guest TIMER is the guest\'s own)', () => {
    const m = story({ host: hostTimer(10), regs: { 2: 1000 }, guest: `
loop:   stimer r2
        jmp loop` });
    const g = 10 - (m.sym('vmrun') - m.sym('setcb'));
    m.run().expectExit(EXITS.HTIMER, 0);
    expect(m.cb.pc).toBe(g % 2 === 0 ? m.gsym('loop') : m.gsym('loop') + 1);
    expect(m.cb.timer).toBe(g % 2 === 0 ? 999 : 1000);
  });
});

describe('exit 19 VMRUN: vmrun in guest supervisor mode', () => {
  it('exits with pc = the vmrun and info = its word; the nested block is not even checked (the monitor\'s to emulate)', () => {
    const m = runStory({ bound: 100, regs: { 1: 5000 }, guest: `
        li r2, 3
v:      vmrun r1` }).expectExit(EXITS.VMRUN);
    expect(m.cb.info).toBe(m.wordAt('v'));
    expect(m.cb.pc).toBe(m.gsym('v'));
    expect(m.cb.regs[2]).toBe(3);
  });

  it('in guest user mode it is a guest PRIV trap (privilege first)', () => {
    const m = runStory({ flags: 0, intercepts: ['TRAPS'], guest: `
v:      vmrun r1` }).expectExit(CAUSES.PRIV);
    expect(m.cb.info).toBe(m.wordAt('v'));
    expect(m.cb.pc).toBe(m.gsym('v'));
    const d = runStory({ flags: 0, intercepts: ['HALT'], handler: '        ld r9, 4(r0)\n        ld r8, 5(r0)\n        halt', guest: `
v:      vmrun r1` }).expectExit(EXITS.INSTR);
    expect(d.cb.regs[9]).toBe(CAUSES.PRIV);
    expect(d.cb.regs[8]).toBe(d.wordAt('v'));
  });
});

describe('exit 20 CHECKSTOP: a guest trap finds no handler', () => {
  it('no handler: the guest save area is written as on the bare machine, C gets the PSW at the trap, info = the cause', () => {
    const m = runStory({ flags: 0, base: 8, bound: 100, pc: 'gstart - PART - 8', guest: `
        addi r1, r0, 1
        svc 5
next:   nop` }).expectExit(EXITS.CHECKSTOP, CAUSES.SVC);
    const oldPc = m.gsym('next') - 8;
    expect(m.cb).toMatchObject({ flags: 0, pc: oldPc, base: 8, bound: 100 });
    expect(m.gsaved).toEqual({ flags: 0, pc: oldPc, base: 8, bound: 100, cause: CAUSES.SVC, info: 5 });
    expect(m.cb.regs[1]).toBe(1);
    expect(m.cpu.checkStop).toBeNull(); // the host goes on
  });

  it('an untrapped PRIV with no handler: info = PRIV, pc = the instruction', () => {
    const m = runStory({ flags: 2, guest: `
p:      halt` }).expectExit(EXITS.CHECKSTOP, CAUSES.PRIV);
    expect(m.cb.pc).toBe(m.gsym('p'));
    expect(m.cb.flags).toBe(2);
    expect(m.gsaved.info).toBe(m.wordAt('p'));
  });

  it('the handler\'s first fetch fails: MEMORY, with the handler\'s pc (as on the bare machine)', () => {
    const m = runStory({
      extra: '        .org PART + 8\n        .word 1, 300, 0, 200',
      guest: `
        svc 6
next:   nop` }).expectExit(EXITS.CHECKSTOP, CAUSES.MEMORY);
    expect(m.cb.pc).toBe(300);
    expect(m.cb.bound).toBe(200);
    expect(m.gsaved).toMatchObject({ pc: m.gsym('next'), cause: CAUSES.SVC, info: 6 });
  });

  it('the handler\'s first fetch is below its bound but past the partition: NPF', () => {
    const m = runStory({
      extra: '        .org PART + 8\n        .word 1, 600, 0, 1000',
      guest: '        svc 6' }).expectExit(EXITS.NPF, 600);
    expect(m.cb.pc).toBe(600);
  });
});

describe('exit 21 BADVMCB: an unusable control block; no guest instruction runs', () => {
  // The guest would print and mark r1 at once if it ran.
  const guest = `        li r1, 1\n        out r1, 2\n        halt`;
  /** host code that stores `value` into word k of C before vmrun */
  const set = (k: number, value: number) => `        la r2, cb\n        li r1, ${value}\n        st r1, ${k}(r2)`;
  const cases: [string, Record<string, string | number>][] = [
    ['partition base + size past storage', { part: MEM - 100, size: 101 }],
    ['partition base + size past 2^32', { host: `${set(6, 0x7fffffff)}\n${set(7, 0xffffffff)}` }],
    ['a partition base past storage', { host: set(6, MEM) }],
    ['partition size < 16', { size: 15 }],
    ['partition size 0', { size: 0 }],
    ['inject cause 7', { inject: 7 }],
    ['inject cause −1', { inject: -1 }],
  ];
  for (const [why, fields] of cases) {
    it(why, () => {
      const m = story({ guest, pc: 17, regs: { 5: 55 }, ...fields });
      const at = m.sym('cb');
      m.run(m.sym('vmrun') - m.sym('start')); // the host up to its vmrun
      expect(m.cpu.pc).toBe(m.sym('vmrun'));
      const before = Array.from({ length: 32 }, (_, k) => m.cpu.mem[at + k]);
      m.run().expectExit(EXITS.BADVMCB, 0);
      expect(m.out).toBe('');
      // Only words 9–10 are written (isa/MACHINE.md): the guest pc and everything else unchanged.
      const after = Array.from({ length: 32 }, (_, k) => m.cpu.mem[at + k]);
      expect(after.filter((_, k) => k !== 9 && k !== 10)).toEqual(before.filter((_, k) => k !== 9 && k !== 10));
      expect(m.cb.pc).toBe(17);
    });
  }

  it('the limits themselves are fine: a partition ending exactly at the end of storage, size 16, inject 6', () => {
    // The largest partition at PART; a 16-word partition (the guest runs at its word 16 and faults: NPF at 16).
    runStory({ size: MEM - PART, intercepts: ['HALT'], guest }).expectExit(EXITS.INSTR);
    runStory({ size: 16, bound: 1000, guest }).expectExit(EXITS.NPF, 16);
    const m = runStory({ inject: 6, injectInfo: 9, intercepts: ['HALT'], handler: '        ld r9, 4(r0)\n        halt', guest }).expectExit(EXITS.INSTR);
    expect(m.cb.regs[9]).toBe(6);
  });

  it('vmrun still completes as one host instruction (and ticks the host TIMER)', () => {
    const m = story({ size: 3, host: '        li r1, 100\n        stimer r1\nsetcb:', guest });
    m.run().expectExit(EXITS.BADVMCB, 0);
    const hostInstrs = m.sym('vmrun') - m.sym('setcb') + 1 + 1; // la, vmrun, halt
    expect(m.cpu.timer).toBe(100 - hostInstrs);
    expect(m.cb.info).toBe(0);
  });
});

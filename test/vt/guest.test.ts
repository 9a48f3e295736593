// Guest mode itself (ISA.md "Extension vt", Guest mode): traps not intercepted
// are delivered inside the guest through its own low storage, guest relocation
// comes before the partition, the x86 extras see the guest's own state, the
// host's registers and PSW come back untouched, and what reaches the real
// machine when nothing is intercepted.
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../src/isa/table.js';
import { machine } from '../harness.js';
import { EXITS, MEM, PART, SENTINEL, SIZE, runStory, sameAsBare, saveAreaToRegs, story } from './story.js';


describe('a trap that is not intercepted is delivered inside the guest', () => {
  it('SVC from guest user mode: old PSW, cause and info at partition words 0–5; the new PSW from partition words 8–11', () => {
    const m = sameAsBare({ flags: 2, base: 8, bound: 100, pc: 'gstart - PART - 8', handlerFlags: 1, handler: saveAreaToRegs, guest: `
        addi r7, r0, 1
        svc 9
next:   nop` });
    expect(m.cb.regs.slice(1, 7)).toEqual([2, m.gsym('next') - 8, 8, 100, CAUSES.SVC, 9]);
    expect(m.cb).toMatchObject({ flags: 1, base: 0, bound: SIZE, pc: m.gsym('hlt') });
    // The host's own low storage is not the guest's.
    for (let p = 0; p < 12; p++) expect(m.cpu.mem[p], `host word ${p}`).toBe(0);
  });

  const traps: [string, string, number][] = [
    ['PRIV', '        li r1, 1\nx:      stimer r1', CAUSES.PRIV],
    ['ILLEGAL', 'x:      .word 0', CAUSES.ILLEGAL],
    ['MEMORY (load)', 'x:      ld r1, 60(r0)', CAUSES.MEMORY],
    ['MEMORY (fetch)', '        li r2, 77\nx:      jr r2', CAUSES.MEMORY],
    ['ARITH', 'x:      rem r1, r1, r0', CAUSES.ARITH],
  ];
  for (const [name, code, cause] of traps) {
    it(`${name}: as on the bare machine`, () => {
      const m = sameAsBare({ flags: 0, bound: 50, base: 16, pc: 0, handler: saveAreaToRegs, guest: code });
      expect(m.cb.regs[5]).toBe(cause);
    });
  }

  it('a held timer interrupt is taken before the handler\'s first instruction when the new PSW has IE = 1', () => {
    const m = sameAsBare({ flags: 1, timer: 1, handlerFlags: 3, handler: saveAreaToRegs, guest: `
        nop                 ; the guest TIMER expires: pending, IE off
        svc 3               ; the handler is entered with IE on: the interrupt comes first` });
    expect(m.cb.regs.slice(1, 7)).toEqual([3, m.gsym('ghandler'), 0, SIZE, CAUSES.TIMER, 0]);
  });

  it('a pending interrupt in word 5 with IE = 1 is delivered before the first guest instruction', () => {
    const m = sameAsBare({ flags: 3, pending: 1, handler: saveAreaToRegs, guest: `
first:  addi r7, r7, 1` });
    expect(m.cb.regs[2]).toBe(m.gsym('first'));
    expect(m.cb.regs[5]).toBe(CAUSES.TIMER);
    expect(m.cb.regs[7]).toBe(0);
    // with IE off it stays pending, and is written back
    const held = runStory({ flags: 1, pending: 1, intercepts: ['HALT'], guest: '        addi r7, r7, 1\n        halt' }).expectExit(EXITS.INSTR);
    expect(held.cb.pending).toBe(1);
    expect(held.cb.regs[7]).toBe(1);
  });
});

describe('relocation inside the guest comes before the partition', () => {
  it('guest virtual a is guest-physical base + a is host-physical PART + base + a', () => {
    const m = sameAsBare({ base: 16, bound: 64, pc: 0, regs: { 1: 0x1234 }, guest: `
        st r1, 40(r0)       ; guest-physical 56
        ld r2, 41(r0)       ; guest-physical 57
        halt
        .org PART + 57
        .word 0x777` });
    expect(m.gword(56)).toBe(0x1234);
    expect(m.cpu.mem[PART + 56]).toBe(0x1234);
    expect(m.cb.regs[2]).toBe(0x777);
    expect(m.cpu.mem[16 + 40]).not.toBe(0x1234); // not through the host's relocation
  });

  it('lpsw in the guest changes the guest\'s mode and relocation; a guest user program traps back to the guest kernel', () => {
    const m = sameAsBare({ handler: saveAreaToRegs, guest: `
        li r1, upsw - PART
        lpsw r1
upsw:   .word 2, 0, user - PART, 8
user:   addi r7, r7, 5
        ld r8, 9(r0)        ; past the user bound 8: MEMORY, delivered to the guest kernel
        halt` });
    expect(m.cb.regs[5]).toBe(CAUSES.MEMORY);
    expect(m.cb.regs.slice(1, 5)).toEqual([2, 1, m.gsym('user'), 8]);
    expect(m.cb.regs[7]).toBe(5);
  });
});

describe('pg32-x86+vt: gpsw, getr, spsw and sflags see the guest\'s own state (what makes it virtualizable)', () => {
  it('in guest user mode with IE: gpsw reads the guest flags, getr the guest base; sflags does nothing', () => {
    const m = sameAsBare({ isa: 'pg32-x86-vt', flags: 2, base: 16, bound: 100, pc: 0, handler: saveAreaToRegs, regs: { 3: 0 }, guest: `
        gpsw r10
        getr r11
        sflags r3           ; user mode: IE stays on
        gpsw r12
        svc 1` });
    expect(m.cb.regs.slice(10, 13)).toEqual([2, 16, 2]);
  });

  it('in guest supervisor mode: spsw stores the guest PSW, sflags sets the guest IE', () => {
    const m = sameAsBare({ isa: 'pg32-x86-vt', base: 16, bound: 200, pc: 0, regs: { 3: 2 }, guest: `
        li r1, 100
x:      spsw r1
        sflags r3
        gpsw r12
        halt` });
    expect([0, 1, 2, 3].map((k) => m.gword(116 + k))).toEqual([1, m.gsym('x') - 16 + 1, 16, 200]);
    expect(m.cb.regs[12]).toBe(3);
    expect(m.cb.flags).toBe(3);
  });

  it('jrstu (pg32+jrstu+vt) drops the guest to user mode, not the host', () => {
    const m = sameAsBare({ isa: 'pg32+jrstu+vt', handler: saveAreaToRegs, guest: `
        li r1, user - PART
        jrstu r1
user:   svc 2` });
    expect(m.cb.regs[1]).toBe(0); // saved flags: user
    expect(m.cpu.flags).toBe(1); // the host is still in supervisor mode
  });
});

describe('the control block as vmrun reads it', () => {
  it('guest r0 reads 0 whatever word 16 holds, and is written back 0; flags keep bits 0–1', () => {
    const m = runStory({ regs: { 0: 99 }, flags: -4 | 1, intercepts: ['HALT'], guest: '        add r1, r0, r0\n        addi r2, r0, 3\n        halt' }).expectExit(EXITS.INSTR);
    expect(m.cb.regs[0]).toBe(0);
    expect(m.cb.regs[1]).toBe(0);
    expect(m.cb.regs[2]).toBe(3);
    expect(m.cb.flags).toBe(1);
  });
});

describe('the hidden host save area', () => {
  it('host registers and PSW are restored after the exit', () => {
    const setHost = Array.from({ length: 12 }, (_, k) => `        li r${k + 1}, ${101 + k}`).join('\n') + '\n        li r14, 114\n        li r15, 115';
    const setGuest = Array.from({ length: 15 }, (_, k) => `        li r${k + 1}, ${201 + k}`).join('\n');
    const m = runStory({ host: setHost, intercepts: ['HALT'], base: 16, bound: 100, pc: 0, guest: `${setGuest}\n        halt` }).expectExit(EXITS.INSTR);
    expect([...m.cpu.regs]).toEqual([0, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, m.sym('cb'), 114, 115]);
    expect(m.cb.regs).toEqual([0, ...Array.from({ length: 15 }, (_, k) => 201 + k)]);
    expect({ flags: m.cpu.flags, base: m.cpu.base, bound: m.cpu.bound }).toEqual({ flags: 1, base: 0, bound: MEM });
  });

  it('a relocated host: vmrun\'s operand is a host-virtual address; the partition base is physical', () => {
    const m = machine(`
        .org 16
start:  la r1, hpsw
        lpsw r1
hpsw:   .word 1, 0, 1024, 512
        .org 1024
        li r13, cb - 1024       ; host-virtual
        vmrun r13
        halt
cb:     .word 1, 16, 0, 64,  0, 0, ${PART}, 64,  0, ${SENTINEL}, ${SENTINEL}, 0, 0, 0, 0, 0
        .word 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        .org ${PART + 16}
        li r5, 55
        vmrun r5                ; exits VMRUN
`, { isa: 'pg32+vt', memWords: MEM }).run(1000);
    expect(m.reason).toBe('halt');
    const cb = m.sym('cb');
    expect(m.word(cb + 9)).toBe(EXITS.VMRUN);
    expect(m.word(cb + 16 + 5)).toBe(55);
    expect({ base: m.cpu.base, bound: m.cpu.bound }).toEqual({ base: 1024, bound: 512 });
  });
});

describe('vmrun in the host', () => {
  const hostHandler = '        ld r10, 4(r0)\n        ld r11, 5(r0)\n        ld r12, 1(r0)\n        halt';

  it('a control block reaching past the host bound is a MEMORY trap, info = the first failing address; nothing touched', () => {
    const m = machine(`
        .org 8
        .word 1, handler, 0, ${MEM}
        .org 16
start:  la r1, hpsw
        lpsw r1
hpsw:   .word 1, 32, 0, 1000
        .org 32
        li r13, 980
v:      vmrun r13               ; words 980..1011: 1000 is the first outside
        halt
handler:
${hostHandler}
        .org 980
        .word 1, ${PART + 16}, 0, 64, 0, 0, ${PART}, 64, 0, ${SENTINEL}
`, { isa: 'pg32+vt', memWords: MEM }).run(1000).expectHalt();
    expect([m.reg(10), m.reg(11), m.reg(12)]).toEqual([CAUSES.MEMORY, 1000, m.sym('v')]);
    expect(m.word(989)).toBe(SENTINEL);
  });

  it('in host user mode vmrun is a PRIV trap (privilege first, even with a bad address)', () => {
    const m = machine(`
        .org 8
        .word 1, handler, 0, ${MEM}
        .org 16
start:  la r1, upsw
        lpsw r1
upsw:   .word 0, v, 0, ${MEM}
v:      vmrun r13               ; r13 = 0 ... and 100000 below
        halt
handler:
${hostHandler}
`, { isa: 'pg32+vt', memWords: MEM }).run(1000).expectHalt();
    expect([m.reg(10), m.reg(12)]).toEqual([CAUSES.PRIV, m.sym('v')]);
    expect(m.reg(11)).toBe(m.word(m.sym('v')));
  });

  it('on an ISA without vt the vmrun word is ILLEGAL', () => {
    const m = machine(`
        .org 8
        .word 1, handler, 0, ${MEM}
        .org 16
start:
v:      .word ${m2w('pg32+vt', 'vmrun r1')}
        halt
handler:
${hostHandler}
`, { isa: 'pg32', memWords: MEM }).run(1000).expectHalt();
    expect(m.reg(10)).toBe(CAUSES.ILLEGAL);
  });
});

describe('a monitor written in TypeScript drives guest mode (Cpu.enterGuest, exitHook)', () => {
  it('run() stops with \'exit\' at each exit, C written, no host instruction around it', () => {
    const m = story({ intercepts: ['SVC'], guest: '        li r1, 4\n        svc 1\n        svc 2\n        halt' });
    const cpu = m.cpu;
    const cb = m.sym('cb');
    cpu.exitHook = true;
    expect(cpu.enterGuest(cb)).toBe(0);
    expect(cpu.run(100)).toBe('exit');
    expect([cpu.mem[cb + 9], cpu.mem[cb + 10], cpu.mem[cb + 17]]).toEqual([CAUSES.SVC, 1, 4]);
    expect(cpu.enterGuest(cb)).toBe(0);
    expect(cpu.run(100)).toBe('exit');
    expect(cpu.mem[cb + 10]).toBe(2);
    expect(cpu.instret).toBe(1); // the guest's li; no vmrun instruction completed
    expect(cpu.pc).toBe(m.sym('start')); // the host never ran
    cpu.mem[cb + 6] = MEM; // a partition past storage
    expect(cpu.enterGuest(cb)).toBe(EXITS.BADVMCB);
    expect(cpu.mem[cb + 9]).toBe(EXITS.BADVMCB);
  });
});

describe('what reaches the real machine when it is not intercepted', () => {
  it('a guest halt without the HALT intercept halts the machine, in guest mode: no exit, C not written', () => {
    const m = runStory({ guest: '        li r1, 3\n        halt', after: '        li r5, 5\n        halt' });
    expect(m.reason).toBe('halt');
    expect(m.cb.code).toBe(SENTINEL);
    expect(m.cb.regs[1]).toBe(0);
    expect(m.cpu.pc).toBe(m.sym('after')); // the host never resumed
    expect(m.cpu.regs[5]).toBe(0);
    expect(m.cpu.run(10)).toBe('halt'); // and stays halted
  });

  it('guest in/out without the IO intercept reach the real console', () => {
    const m = runStory({ input: 'xy', intercepts: ['HALT'], guest: `
        in r1, 1
        in r2, 1
        out r2, 0
        out r1, 0
        li r3, -42
        out r3, 2
        halt` }).expectExit(EXITS.INSTR);
    expect(m.out).toBe('yx-42');
  });
});

/** one instruction's word, assembled on `isa` */
function m2w(isa: string, line: string): number {
  return machine(`.org 16\n${line}`, { isa }).word(16);
}

// Steps (ISA.md "Extension vt", Time; isa/MACHINE.md "Execution"): vmrun is a
// step when it starts, every guest instruction and trap delivery is a step of
// the host, and run(n) may stop anywhere in guest mode: resuming gives exactly
// the state of one long run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { CAUSES, isaOrThrow } from '../../src/isa/table.js';
import { Reference } from '../../src/ref/interp.js';
import { machineDiff } from '../ref/oracle.js';
import { asm } from '../harness.js';
import { EXITS, source, story, wholeState } from './story.js';

/**
 * A small hypervisor and a busy guest: the host time-slices the guest by its
 * TIMER (HTIMER exits) and reflects the guest's SVCs back into it by
 * injection; the guest runs with its own timer interrupts, handled inside the
 * guest, and ends with an intercepted halt.
 */
const HOST_MEM = 1024;
const hypervisor = source({
  mem: HOST_MEM,
  part: 512,
  size: 256,
  intercepts: ['HALT', 'SVC'],
  host: `        li r5, 7
        la r13, cb
        jmp slice`,
  after: `
        ld r7, 9(r13)
        li r8, ${EXITS.HTIMER}
        beq r7, r8, slice
        li r8, ${CAUSES.SVC}
        bne r7, r8, done
        ld r9, 10(r13)           ; reflect the SVC: inject it with its info
        st r9, 12(r13)
        st r8, 11(r13)
        addi r6, r6, 1
slice:  stimer r5
        vmrun r13
        jmp after
done:   halt`,
  handler: `
        ld r11, 4(r0)
        ld r12, 200(r11)
        addi r12, r12, 1
        st r12, 200(r11)
        li r12, ${CAUSES.TIMER}
        bne r11, r12, back
        stimer r3
back:   lpsw r0`,
  guest: `
        li r1, 24
        li r3, 11
        stimer r3
        li r4, iepsw - PART
        lpsw r4
iepsw:  .word 3, loop - PART, 0, SIZE
loop:   add r2, r2, r1
        andi r4, r1, 7
        bnez r4, skip
        svc 5
skip:   addi r1, r1, -1
        bnez r1, loop
        out r2, 2
        halt`,
});
const image = asm(hypervisor, 'pg32+vt');
const ISA = isaOrThrow('pg32+vt');

function fresh(translate = true): { cpu: Cpu; con: Console } {
  const con = new Console();
  const cpu = new Cpu({ isa: ISA, memWords: HOST_MEM, devices: con, translate });
  cpu.load(image);
  return { cpu, con };
}

const state = ({ cpu, con }: { cpu: Cpu; con: Console }) => wholeState(cpu, con);

/** steps to the end of the story in one long run */
const whole = (() => {
  const m = fresh();
  let steps = 0;
  while (m.cpu.run(1) === 'budget') steps++;
  return { steps: steps + 1, state: state(m) };
})();

describe('the hypervisor story', () => {
  it('ends as designed: slices, reflected SVCs, guest timer interrupts, the guest\'s output', () => {
    const m = fresh();
    expect(m.cpu.run(1_000_000)).toBe('halt');
    const cb = image.symbols.get('cb')!;
    const PART = image.symbols.get('PART')!;
    expect(m.cpu.mem[cb + 9]).toBe(EXITS.INSTR);
    expect(m.con.text()).toBe(String((24 * 25) / 2));
    expect(m.cpu.regs[6]).toBe(3); // svc 5 at r1 = 24, 16, 8
    expect(m.cpu.mem[PART + 200 + CAUSES.SVC]).toBe(3); // each reflected into the guest
    expect(m.cpu.mem[PART + 200 + CAUSES.TIMER]).toBeGreaterThan(5);
    expect(whole.steps).toBeGreaterThan(300);
    expect(state(m)).toEqual(whole.state); // one run(1) at a time ends the same
  });
});

describe('run(n) stopping in guest mode and resuming gives the state of one long run', () => {
  it('split once, at every step', () => {

    for (let k = 1; k < whole.steps; k++) {
      const m = fresh(false);
      m.cpu.run(k);
      m.cpu.run(1_000_000);
      const s = state(m);
      if (JSON.stringify(s) !== JSON.stringify(whole.state)) expect(s, `split at step ${k}`).toEqual(whole.state);
    }
  });

  it('random chunks: at every chunk boundary, the state equals a fresh run to that step (seeded)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 8 }), (chunks) => {
        const m = fresh();
        let at = 0;
        for (const n of chunks) {
          m.cpu.run(n);
          at += n;
          const ref = fresh();
          ref.cpu.run(at);
          expect(state(m)).toEqual(state(ref));
        }
      }),
      { seed: 13, numRuns: 25 },
    );
  });

  it('the reference interpreter (src/ref/guest.ts): the same machine every 37 steps, and after every step at the start', () => {
    const a = fresh(true);
    const con = new Console();
    const ref = new Reference({ isa: ISA, memWords: HOST_MEM, devices: con });
    ref.load(image);
    const chunks = [...Array.from({ length: 120 }, () => 1), ...Array.from({ length: Math.ceil(whole.steps / 37) }, () => 37)];
    for (const n of chunks) {
      const ra = a.cpu.run(n);
      const rb = ref.run(n);
      const d = machineDiff(a.cpu, ref, a.con, con);
      if (ra !== rb) d.unshift(`stop: fast ${ra}, reference ${rb}`);
      expect(d, `at step ${a.cpu.instret + a.cpu.delivered}`).toEqual([]);
      if (ra !== 'budget') break;
    }
    expect(ref.halted).toBe(true);
  });

  it('translation on or off, the same state at every step', () => {
    const a = fresh(true);
    const b = fresh(false);
    for (let k = 0; k < whole.steps; k += 37) {
      a.cpu.run(37);
      b.cpu.run(37);
      expect(state(a)).toEqual(state(b));
    }
  });
});

describe('steps in guest mode', () => {
  it('vmrun is a step when it starts: a budget ending there leaves the host in guest mode before any guest instruction', () => {
    const m = story({ intercepts: ['HALT'], guest: '        li r1, 1\n        halt' });
    const upTo = m.sym('vmrun') - m.sym('start') + 1;
    expect(m.steps(upTo)).toBe('budget');
    expect(m.cpu.guest).not.toBeNull();
    expect(m.cpu.pc).toBe(m.sym('after')); // the hidden save area: pc = after vmrun
    expect(m.cpu.instret).toBe(upTo - 1); // vmrun completes only at the exit
    expect(m.steps(1)).toBe('budget'); // one guest instruction
    expect(m.cpu.instret).toBe(upTo);
    expect(m.run(1).reason).toBe('halt'); // the exit is no step: the host halts in the same step
    m.expectExit(EXITS.INSTR);
  });

  it('an injection is a step', () => {
    const m = story({ inject: CAUSES.SVC, intercepts: ['HALT'], handler: '        halt', guest: '        halt' });
    const upTo = m.sym('vmrun') - m.sym('start') + 1;
    m.steps(upTo);
    expect(m.steps(1)).toBe('budget'); // the delivery
    expect(m.cpu.guest?.cpu.pc).toBe(m.gsym('ghandler'));
    expect(m.run(1).reason).toBe('halt');
    m.expectExit(EXITS.INSTR);
  });

  it('a guest that only traps still stops at the step limit; every delivery counts', () => {
    // The guest's handler is an svc: a trap delivery per step, no instruction ever completes.
    const m = story({ handler: '        svc 0', guest: '        svc 0' });
    const upTo = m.sym('vmrun') - m.sym('start') + 1;
    expect(m.steps(upTo + 500)).toBe('budget');
    expect(m.cpu.delivered).toBe(500);
    expect(m.cpu.instret).toBe(upTo - 1);
  });

  it('a guest that loops forever stops at the step limit, in guest mode, and can go on', () => {
    const m = story({ guest: 'loop:   addi r1, r1, 1\n        jmp loop' });
    expect(m.steps(10_001)).toBe('budget');
    expect(m.cpu.guest).not.toBeNull();
    expect(m.steps(10_000)).toBe('budget');
    expect(m.cpu.guest!.cpu.regs[1]).toBe((20_001 - (m.sym('vmrun') - m.sym('start') + 1)) / 2);
  });
});

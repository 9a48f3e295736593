// The guest mode is the bare machine (ISA.md "Extension vt": "every
// instruction of every variant behaves in guest mode as on the bare
// machine"): random programs (test/fuzz/generator.ts) run bare, as a plain
// program on a PG32 the partition's size, and as a guest under vmrun with
// intercepts 0, step for step. The guest gets T instructions (the host TIMER,
// an HTIMER exit) and the bare machine the same number of steps; they agree
// in registers, PSW, TIMER, storage, output and counts. Where they may part,
// the manual says how: an access below the bound but past the partition is an
// NPF exit where the bare machine takes a MEMORY trap, a trap with no handler
// a CHECKSTOP exit where it check-stops.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/assemble.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { CAUSES, FLAGS, OPCODE, VMCB, isaOrThrow, opcodeOf } from '../../src/isa/table.js';
import type { Image } from '../../src/image.js';
import { MEM, build, program, source } from '../fuzz/generator.js';
import { EXITS } from './story.js';

const PART = 1024; // the partition: MEM words at host-physical PART
const HOST_MEM = PART + MEM + 512;
const CB = 64;
const FILL = 0x6b6b6b6b; // host storage the guest must never touch

/** the host: set the TIMER to t as the last act before vmrun, then halt after the exit */
function host(entry: number, t: number): { image: Image; k: number } {
  const src = `
        .org 16
start:  li r13, cb
        li r1, ${t}
        stimer r1
vmrun:  vmrun r13
        halt
        .org ${CB}
cb:     .word ${FLAGS.S}, ${entry}, 0, ${MEM},  0, 0, ${PART}, ${MEM},  0, 0, 0, 0, 0, 0, 0, 0
        .space 16`;
  const r = assemble(src, 'host.s', { isa: isaOrThrow('pg32+vt') });
  if (!r.image) throw new Error('host does not assemble');
  return { image: r.image, k: r.image.symbols.get('vmrun')! - r.image.symbols.get('start')! };
}

const pairs = [
  ['pg32', 'pg32+vt'],
  ['pg32-x86', 'pg32-x86-vt'],
  ['pg32+jrstu', 'pg32+jrstu+vt'],
] as const;

/** a program whose image holds a well-formed vmrun word: on the vt host it would be a VMRUN exit, on the bare one ILLEGAL */
const hasVmrun = (img: Image) => img.segments.some((s) => s.words.some((w) => opcodeOf(w) === OPCODE.vmrun));

type Psw = { flags: number; pc: number; base: number; bound: number };
const psw = (c: Psw) => ({ flags: c.flags, pc: c.pc >>> 0, base: c.base >>> 0, bound: c.bound >>> 0 });

const seen = { programs: 0, halt: 0, htimer: 0, npf: 0, checkstop: 0, budget: 0, steps: 0 };

function compare(img: Image, input: Uint8Array, pair: (typeof pairs)[number], t: number): void {
  // The bare machine.
  const bareCon = new Console(input);
  const bare = new Cpu({ isa: isaOrThrow(pair[0]), memWords: MEM, devices: bareCon });
  bare.load(img);

  // The host, with the program in its partition.
  const h = host(img.entry, t);
  const con = new Console(input);
  const cpu = new Cpu({ isa: isaOrThrow(pair[1]), memWords: HOST_MEM, devices: con });
  cpu.mem.fill(FILL);
  cpu.load(h.image);
  cpu.mem.fill(FILL, CB + 32);
  cpu.mem.fill(0, PART, PART + MEM); // like the bare machine's reset
  for (const s of img.segments) cpu.mem.set(s.words, PART + s.origin);
  const hostCopy = cpu.mem.slice();

  const r = cpu.run(4 * t + 1000);
  const exited = cpu.guest === null;
  expect(r === 'budget' || r === 'halt', `host stopped by ${r}`).toBe(true);
  // Guest steps: the host's steps minus its own (k instructions, vmrun, and the halt after an exit).
  const steps = cpu.instret + cpu.delivered - h.k - (exited ? 2 : 0);
  let rb = steps > 0 ? bare.run(steps) : 'budget';
  seen.programs++;
  seen.steps += steps;

  const C = (k: number) => cpu.mem[CB + k]!;
  // A CHECKSTOP exit is no step; on the bare machine the check-stop is the next one.
  if (exited && C(VMCB.EXIT_CODE) === EXITS.CHECKSTOP && rb === 'budget') rb = bare.run(1);
  const E = cpu.mem;
  // Storage: the partition is the bare machine's storage; nothing else moved but C.
  for (let p = 0; p < MEM; p++) if (E[PART + p] !== bare.mem[p]) expect(E[PART + p], `guest-physical ${p}`).toBe(bare.mem[p]);
  for (let a = 0; a < HOST_MEM; a++) {
    if (a >= CB && a < CB + 32) continue;
    if (a >= PART && a < PART + MEM) continue;
    if (E[a] !== hostCopy[a]) expect(E[a], `host word ${a}`).toBe(hostCopy[a]);
  }
  expect(con.text()).toBe(bareCon.text());

  if (!exited) {
    // Still in guest mode: the guest halted the machine, or the steps ran out.
    const g = cpu.guest!.cpu;
    expect(r).toBe(rb);
    if (r === 'halt') seen.halt++;
    else seen.budget++;
    expect({ regs: [...g.regs], ...psw(g), timer: g.timer, pending: g.pending }).toEqual({ regs: [...bare.regs], ...psw(bare), timer: bare.timer, pending: bare.pending });
    expect(cpu.instret - h.k, 'guest instructions').toBe(bare.instret);
    return;
  }
  const code = C(VMCB.EXIT_CODE);
  const regs = Array.from({ length: 16 }, (_, k) => C(VMCB.REGS + k));
  const cpsw = { flags: C(0), pc: C(1) >>> 0, base: C(2) >>> 0, bound: C(3) >>> 0 };
  expect(cpu.instret - h.k - 2, 'guest instructions').toBe(bare.instret);
  expect(regs).toEqual([...bare.regs]);
  if (code === EXITS.HTIMER) {
    seen.htimer++;
    expect(bare.instret).toBe(t);
    expect(rb).toBe('budget');
    expect({ ...cpsw, timer: C(4) >>> 0, pending: C(5) }).toEqual({ ...psw(bare), timer: bare.timer, pending: bare.pending ? 1 : 0 });
  } else if (code === EXITS.NPF) {
    // The bare machine is where the guest was, and its next step faults on the same guest-physical word.
    seen.npf++;
    expect({ ...cpsw, timer: C(4) >>> 0, pending: C(5) }).toEqual({ ...psw(bare), timer: bare.timer, pending: bare.pending ? 1 : 0 });
    bare.trapHook = true;
    const next = bare.run(1);
    if (next === 'trap') {
      expect([bare.trapCause, bare.trapPc]).toEqual([CAUSES.MEMORY, cpsw.pc]);
      // info is the guest-physical address, mod 2^32 (isa/MACHINE.md)
      expect((bare.base + (bare.trapInfo >>> 0)) >>> 0).toBe(C(VMCB.EXIT_INFO) >>> 0);
    } else {
      // the handler's first fetch: check-stop on the bare machine
      expect(next).toBe('checkstop');
      expect([bare.checkStop!.cause, bare.checkStop!.pc]).toEqual([CAUSES.MEMORY, cpsw.pc]);
      expect((bare.base + cpsw.pc) >>> 0).toBe(C(VMCB.EXIT_INFO) >>> 0);
    }
    expect(bare.bound).toBeGreaterThan(0);
  } else if (code === EXITS.CHECKSTOP) {
    seen.checkstop++;
    expect(rb).toBe('checkstop');
    expect([bare.checkStop!.cause, bare.checkStop!.pc]).toEqual([C(VMCB.EXIT_INFO), cpsw.pc]);
    // C gets the PSW at the trap: the bare save area (no handler), or the handler's PSW (its fetch failed).
    const bareAtTrap = bare.bound === 0 ? { flags: bare.mem[0]!, pc: bare.mem[1]! >>> 0, base: bare.mem[2]! >>> 0, bound: bare.mem[3]! >>> 0 } : psw(bare);
    expect(cpsw).toEqual(bareAtTrap);
  } else {
    expect.fail(`exit ${code} with intercepts 0`);
  }
  // the host's own registers came back
  expect(cpu.regs[13]).toBe(CB);
  expect(cpu.regs[1]).toBe(t);
}

describe('bare and under vmrun with intercepts 0: the same machine', () => {
  it('random programs on pg32, pg32-x86 and pg32+jrstu, step for step (seeded)', () => {
    fc.assert(
      fc.property(program, fc.constantFrom(...pairs), fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constant(2500)), (p, pair, t) => {
        const img = build(source(p));
        fc.pre(!hasVmrun(img));
        compare(img, p.input, pair, t);
      }),
      { seed: 1974, numRuns: 70 },
    );
    // The programs reach every way a run can end.
    expect(seen.halt).toBeGreaterThan(10);
    expect(seen.htimer).toBeGreaterThan(10);
    expect(seen.checkstop + seen.npf).toBeGreaterThan(0);
  });

  it('NPF where the bare machine takes a MEMORY trap: a bound past storage', () => {
    // lpsw into user mode at base 16 with a bound past the end of storage; a load at 600 faults on both.
    const src = `
        .org 8
        .word ${FLAGS.S}, handler, 0, ${MEM}
        .org 16
start:  la r1, user
        lpsw r1
user:   .word 0, 24, 16, 100000
        .org 40
        li r2, 7
        ld r3, 600(r0)
        halt
handler: halt`;
    const r = assemble(src, 't.s', { isa: isaOrThrow('pg32') });
    const before = seen.npf;
    compare(r.image!, new Uint8Array(0), pairs[0], 100);
    expect(seen.npf).toBe(before + 1);
  });

  it('CHECKSTOP where the bare machine check-stops: no handler', () => {
    const r = assemble('.org 16\nstart: li r1, 3\n        svc 12\n        halt', 't.s', { isa: isaOrThrow('pg32') });
    const before = seen.checkstop;
    compare(r.image!, new Uint8Array(0), pairs[1], 100);
    expect(seen.checkstop).toBe(before + 1);
  });
});

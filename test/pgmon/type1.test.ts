/**
 * programs/vmm/type1.s, the hypervisor written in PG32: every guest's
 * console output equals its bare run (on a machine whose storage is its
 * partition), and it stops as the bare run stops — on the bare machine, at
 * depth 2 and 3 (type1 under type1), and under trapeze's own VMM. Time is
 * part of equivalence: the mini kernel prints how often each task was
 * preempted, and fuzz programs arm the timer at random.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import type { Image } from '../../src/image.js';
import { PG32 } from '../../src/isa/table.js';
import { checkEquivalence } from '../../src/vmm/equiv.js';
import { build, MAX_STEPS, MEM, program, source } from '../fuzz/generator.js';
import { underType1 } from './fuzz.js';
import { programs } from '../library.js';
import { arrange, asShown, bare, guest, runImage, verdictOf, type Outcome } from './harness.js';

const TYPE1 = 'programs/vmm/type1.s';
const SLOT = 0x4000; // each guest's partition in these tests (16K words)
const MEM_WORDS = 0x14000;
const NEST_WORDS = 0x20000;

const library = programs().filter((p) => p.isa === 'pg32' && p.expected !== undefined);
const rel = (name: string) => `programs/${name}`;
const inputOf = (name: string) => library.find((p) => p.name === name)!.input;

/** Each guest's output under the monitor equals its bare run, and it stopped the same way. */
function expectAsBare(out: string, path: string[], file: string | Image, input?: Uint8Array, words = SLOT): Outcome {
  const b = bare(file, words, input);
  const g = guest(out, path);
  expect(g.text, `${path.join(' ')}: output`).toBe(asShown(b.out));
  expect(g.verdict, `${path.join(' ')}: how it stopped`).toMatch(verdictOf(b));
  return b;
}

describe('type1.s on the bare machine', () => {
  // Three guests per run, input readers alone (they share the console's input).
  const quiet = library.filter((p) => p.input.length === 0).map((p) => p.name);
  const groups: string[][] = [];
  for (let i = 0; i < quiet.length; i += 3) groups.push(quiet.slice(i, i + 3));
  const readers = library.filter((p) => p.input.length > 0).map((p) => [p.name]);

  for (const names of [...groups, ...readers]) {
    it(`hosts ${names.join(' and ')}: each prefixed, each as on the bare machine`, () => {
      const loads = names.map((n, i) => ({ file: rel(n), at: SLOT * (i + 1), size: SLOT }));
      const input = names.length === 1 ? inputOf(names[0]!) : undefined;
      const r = runImage(arrange(TYPE1, loads, MEM_WORDS), MEM_WORDS, input);
      expect(r.reason).toBe('halt');
      const tags = names.map((n) => n.replace(/^.*\//, '').replace(/\.s$/, ''));
      names.forEach((n, i) => expectAsBare(r.out, [tags[i]!], rel(n), names.length === 1 ? input : undefined));
      expect(r.out.trimEnd().split('\n').at(-1)).toBe('type1: all guests stopped');
    });
  }

  it('keeps the mini kernel\'s time exact: its preemption counts are the bare ones', () => {
    const input = inputOf('os/kernel.s');
    const r = runImage(arrange(TYPE1, [{ file: rel('os/kernel.s'), at: SLOT, size: SLOT }, { file: rel('timer.s'), at: 2 * SLOT, size: SLOT }], MEM_WORDS), MEM_WORDS, input);
    const k = guest(r.out, ['kernel']).text;
    expect(k).toContain('  task A: exited, preempted 17 times\n');
    expect(k).toBe(bare(rel('os/kernel.s'), SLOT, input).out);
    expect(guest(r.out, ['timer']).text).toBe(bare(rel('timer.s'), SLOT).out);
  });

  it('stops a guest that check-stops, alone, and says why as the bare machine would', () => {
    const noHandler = asm('start: li r1, 7\n svc 3\n halt\n');
    const unreachable = asm('.org 8\n.word 1, 0x7000, 0, 0x100\n.org 16\nstart: div r1, r1, r0\n halt\n');
    const r = runImage(
      arrange(TYPE1, [{ file: 'nohandler.s', image: noHandler, at: SLOT, size: SLOT }, { file: 'unreachable.s', image: unreachable, at: 2 * SLOT, size: SLOT }, { file: rel('hello.s'), at: 3 * SLOT, size: SLOT }], NEST_WORDS),
      NEST_WORDS,
    );
    expect(r.reason).toBe('halt');
    const b1 = expectAsBare(r.out, ['nohandler'], noHandler);
    expect(b1.checkStop?.why).toMatch(/no trap handler/);
    expect(guest(r.out, ['nohandler']).verdict).toMatch(/check-stop: SVC trap at pc 0x00000012, info 0x00000003: no trap handler/);
    const b2 = expectAsBare(r.out, ['unreachable'], unreachable);
    expect(b2.checkStop?.cause).toBe(3);
    expect(guest(r.out, ['unreachable']).verdict).toMatch(/check-stop: MEMORY trap at pc 0x00007000, info 0x00007000: the trap handler's first instruction/);
    expectAsBare(r.out, ['hello'], rel('hello.s'));
  });

  it('breaks lines longer than its line buffer into pieces, and ends an unfinished last line', () => {
    const long = asm(`start: li r2, 600\nloop: li r1, 'x'\n out r1, 0\n addi r2, r2, -1\n bnez r2, loop\n li r1, 0\n out r1, 0\n li r1, 'z'\n out r1, 0\n halt\n`);
    const r = runImage(arrange(TYPE1, [{ file: 'long.s', image: long, at: SLOT, size: SLOT }], MEM_WORDS), MEM_WORDS);
    const g = guest(r.out, ['long']).text;
    expect(g).toBe(asShown('x'.repeat(600) + '\0z'));
    expect(g.split('\n').map((l) => l.length)).toEqual([256, 256, 90, 0]);
  });

  it('honours the hypercalls from virtual supervisor mode, and only there', () => {
    const para = asm(`
        .org 8
        .word 1, handler, 0, 0x1000
start:  svc 0xFF00                 ; probe
        mov r8, r1
        la r1, msg
        li r2, 3
        svc 0xFF01                 ; write "abc"
        mov r9, r1
        svc 0xFF05                 ; reloc
        mov r11, r2
        svc 0xFF42                 ; unknown
        mov r12, r1
        la r1, msg
        li r2, 0x7FFFFFF
        svc 0xFF01                 ; a buffer outside its storage: -2, nothing written
        mov r13, r1
        li r1, '\\n'
        out r1, 0
        out r8, 2
        li r1, ' '
        out r1, 0
        out r9, 2
        out r1, 0
        out r11, 2
        out r1, 0
        out r12, 2
        out r1, 0
        out r13, 2
        li r1, ' '
        out r1, 0
        la r1, upsw
        lpsw r1                    ; user mode: svc 0xFF00 is an ordinary SVC
user:   svc 0xFF00
handler: ld r1, 5(r0)
        out r1, 2
        svc 0xFF09                 ; halt
msg:    .string "abc"
upsw:   .word 0, user, 0, 0x1000
`);
    const r = runImage(arrange(TYPE1, [{ file: 'para.s', image: para, at: SLOT, size: SLOT }], MEM_WORDS), MEM_WORDS);
    expect(guest(r.out, ['para']).text).toBe('abc\n20551 3 16384 -1 -2 65280\n');
    expect(guest(r.out, ['para']).verdict).toMatch(/^halted \(\d+ emulated, 1 reflected, 6 hypercalls\)$/);
  });
});

describe('type1.s under itself (Theorem 2 as a program)', () => {
  it('at depth 2: every inner guest as on the bare machine, and the inner monitor exactly as it runs bare', () => {
    const input = inputOf('os/kernel.s');
    const inner = [{ file: rel('hello.s'), at: 0x8000, size: SLOT }, { file: rel('os/kernel.s'), at: 0xc000, size: SLOT }];
    const r = runImage(arrange(TYPE1, [{ file: TYPE1, at: SLOT, size: 0x10000 }, ...inner], NEST_WORDS), NEST_WORDS, input);
    expect(r.reason).toBe('halt');
    expectAsBare(r.out, ['type1', 'hello'], rel('hello.s'));
    expectAsBare(r.out, ['type1', 'kernel'], rel('os/kernel.s'), input);
    // The inner monitor is itself a guest: its whole console equals its own bare run
    // (same layout, one level down), interleaving and all.
    const alone = runImage(arrange(TYPE1, inner.map((l) => ({ ...l, at: l.at - SLOT })), 0x10000), 0x10000, input);
    expect(guest(r.out, ['type1']).text).toBe(alone.out);
  });

  it('at depth 3, and under trapeze\'s own monitors: trap-emulate at depth 1 and 2 (quantum 7), hybrid, hw', () => {
    const img3 = arrange(TYPE1, [{ file: TYPE1, at: SLOT, size: 0x10000 }, { file: TYPE1, at: 0x8000, size: 0x8000 }, { file: rel('hello.s'), at: 0xa000, size: SLOT }], NEST_WORDS);
    const r = runImage(img3, NEST_WORDS);
    expect(r.reason).toBe('halt');
    // (the loader names the second copy type1-2)
    expectAsBare(r.out, ['type1', 'type1-2', 'hello'], rel('hello.s'));

    const img = arrange(TYPE1, [{ file: rel('hello.s'), at: SLOT, size: SLOT }, { file: rel('timer.s'), at: 2 * SLOT, size: SLOT }], MEM_WORDS);
    for (const [monitor, depth, quantum] of [['trap-emulate', 1, 1000], ['trap-emulate', 2, 7], ['hybrid', 1, 7], ['hw', 1, 1000]] as const) {
      const eq = checkEquivalence(img, { isa: PG32, monitor, depth, vms: 1, quantum, memWords: MEM_WORDS, maxSteps: 50_000_000 });
      expect(eq.differences, `${monitor} depth ${depth} quantum ${quantum}`).toEqual([]);
      expect(eq.equivalent).toBe(true);
      expectAsBare(eq.vms[0]!.output, ['timer'], rel('timer.s'));
    }
  });
});

describe('type1.s on fuzz-generated guests', () => {
  it('40 random programs (seed 1717): each that stops within the fuzz step limit as on the bare machine', () => {
    const sample = fc.sample(program, { seed: 1717, numRuns: 40 });
    let compared = 0;
    let timed = 0;
    for (const p of sample) {
      const src = source(p);
      if (bare(build(src), MEM, p.input, MAX_STEPS).reason !== 'budget') compared++;
      if (/\bstimer\b/.test(src)) timed++;
      expect(underType1(src, p.input), src).toEqual([]);
    }
    expect(compared, 'programs that stop').toBeGreaterThan(15);
    expect(timed, 'programs that arm the timer (step mode)').toBeGreaterThan(5);
  });
});

function asm(src: string) {
  const r = assemble(src, 'guest.s', { isa: PG32 });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

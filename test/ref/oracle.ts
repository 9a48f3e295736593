/**
 * The reference interpreter as the fast CPU's oracle: a generated program
 * (test/fuzz/generator.ts) runs on both, and the whole machine — registers,
 * PSW, TIMER, the pending interrupt, instruction and trap counts, halt and
 * check-stop, every word of storage, console bytes out and input consumed —
 * must be the same after every step, or after every chunk of steps (so the
 * fast CPU's translated blocks and bursts run too), or at every trap with
 * the trap hook set. Shared by the vitest suite and `npm run fuzz`, so it
 * imports nothing from vitest.
 */
import fc from 'fast-check';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import type { Image } from '../../src/image.js';
import { EXTENSIONS, EXTRAS, INSTRUCTIONS, makeIsa, PG32, type Isa } from '../../src/isa/table.js';
import { Reference } from '../../src/ref/interp.js';
import type { Semantics } from '../../src/ref/semantics.js';
import { build, interesting32, MAX_STEPS, MEM, program, source, type Op, type Program } from '../fuzz/generator.js';
import { hotProgram, hotSource } from './hot.js';

export type Processor = Cpu | Reference;

/** The quick test, per step: are the two machines (and consoles) the same? */
function same(a: Processor, b: Processor, ac: Console, bc: Console): boolean {
  if (a.pc !== b.pc || a.flags !== b.flags || a.base !== b.base || a.bound !== b.bound || a.timer !== b.timer || a.pending !== b.pending) return false;
  if (a.instret !== b.instret || a.halted !== b.halted || (a.checkStop === null) !== (b.checkStop === null) || a.checkStop !== null) return false;
  for (let r = 0; r < 16; r++) if (a.regs[r] !== b.regs[r]) return false;
  for (let c = 0; c < 8; c++) if (a.traps[c] !== b.traps[c]) return false;
  const am = a.mem;
  const bm = b.mem;
  for (let i = 0; i < am.length; i++) if (am[i] !== bm[i]) return false;
  const ao = ac.output();
  const bo = bc.output();
  if (ao.length !== bo.length || ac.inputPosition() !== bc.inputPosition()) return false;
  for (let i = 0; i < ao.length; i++) if (ao[i] !== bo[i]) return false;
  return true;
}

/** Every difference between two machines and their consoles, named. */
export function machineDiff(a: Processor, b: Processor, ac: Console, bc: Console, names = ['fast', 'reference']): string[] {
  const [x, y] = names;
  const d: string[] = [];
  for (let r = 0; r < 16; r++) if (a.regs[r] !== b.regs[r]) d.push(`r${r}: ${x} ${a.regs[r]}, ${y} ${b.regs[r]}`);
  for (const k of ['flags', 'pc', 'base', 'bound', 'timer', 'pending', 'instret', 'halted'] as const) if (a[k] !== b[k]) d.push(`${k}: ${x} ${a[k]}, ${y} ${b[k]}`);
  for (let c = 0; c < a.traps.length; c++) if (a.traps[c] !== b.traps[c]) d.push(`traps of cause ${c}: ${x} ${a.traps[c]}, ${y} ${b.traps[c]}`);
  if (JSON.stringify(a.checkStop) !== JSON.stringify(b.checkStop)) d.push(`check-stop: ${x} ${JSON.stringify(a.checkStop)}, ${y} ${JSON.stringify(b.checkStop)}`);
  for (let i = 0; i < a.mem.length; i++) {
    if (a.mem[i] !== b.mem[i]) {
      d.push(`storage[${i}]: ${x} ${a.mem[i]}, ${y} ${b.mem[i]}`);
      break;
    }
  }
  const ao = ac.output();
  const bo = bc.output();
  if (ao.length !== bo.length || ao.some((v, i) => bo[i] !== v)) d.push(`console bytes: ${x} [${[...ao].join(' ')}], ${y} [${[...bo].join(' ')}]`);
  if (ac.inputPosition() !== bc.inputPosition()) d.push(`console input consumed: ${x} ${ac.inputPosition()}, ${y} ${bc.inputPosition()}`);
  return d;
}

/**
 * How the two are driven:
 * - step: one step at a time (run(1) against step()), compared after each;
 * - chunks: run(n) on both for each n, compared after each chunk;
 * - hook: the trap hook set, run until a trap, compared there, then both resume after it.
 */
export type Drive = { readonly kind: 'step' } | { readonly kind: 'chunks'; readonly sizes: readonly number[] } | { readonly kind: 'hook' };

/** What the suite covered. */
export const tally = { programs: 0, steps: 0, traps: [0, 0, 0, 0, 0, 0, 0], halts: 0, checkstops: 0, translations: 0, invalidations: 0 };

/** Run one program on both; returns the first differences, or []. `semantics` plants a change into the reference (to test the test). */
export function oracle(img: Image, input: Uint8Array, isa: Isa, drive: Drive, maxSteps = MAX_STEPS, semantics?: Semantics): string[] {
  const fast = new Cpu({ isa, memWords: MEM, devices: new Console(input) });
  const ref = new Reference({ isa, memWords: MEM, devices: new Console(input), ...(semantics ? { semantics } : {}) });
  const d = compareRuns(fast, ref, img, drive, maxSteps);
  count(fast);
  return d;
}

function compareRuns(fast: Cpu, ref: Reference, img: Image, drive: Drive, maxSteps: number): string[] {
  const fc_ = fast.devices as Console;
  const rc = ref.devices as Console;
  fast.load(img);
  ref.load(img);
  const compare = (what: string, a: string, b: string): string[] => {
    if (a === b && same(fast, ref, fc_, rc)) return [];
    const d = machineDiff(fast, ref, fc_, rc);
    if (a !== b) d.unshift(`stop: fast ${a}, reference ${b}`);
    return d.length ? [what, ...d] : [];
  };
  if (drive.kind === 'step') {
    for (let step = 0; step < maxSteps; step++) {
      const pc = fast.pc;
      const a = fast.run(1);
      const b = ref.step();
      const d = compare(`after step ${step + 1} (pc ${pc}):`, a, b);
      if (d.length || a !== 'budget') return d;
    }
    return [];
  }
  if (drive.kind === 'chunks') {
    let done = 0;
    for (const n of [...drive.sizes, maxSteps]) {
      const a = fast.run(n);
      const b = ref.run(n);
      done += n;
      const d = compare(`after a chunk of ${n} steps (${done} in all):`, a, b);
      if (d.length || a !== 'budget') return d;
    }
    return [];
  }
  fast.trapHook = ref.trapHook = true;
  for (let k = 0; k < 200; k++) {
    const a = fast.run(maxSteps);
    const b = ref.run(maxSteps);
    const d = compare(`at stop ${k + 1}:`, a, b);
    if (a === 'trap' && b === 'trap') {
      for (const f of ['trapCause', 'trapInfo', 'trapPc'] as const) if (fast[f] !== ref[f]) d.push(`${f}: fast ${fast[f]}, reference ${ref[f]}`);
    }
    if (d.length || a !== 'trap') return d;
    // resume after the trapping instruction, in supervisor mode (a handler's choice, the same for both)
    fast.pc = ref.pc = (fast.pc + 1) >>> 0;
    fast.flags = ref.flags = fast.flags | 1;
  }
  return [];
}

function count(m: Processor): void {
  tally.programs++;
  if (m instanceof Cpu && m.code) {
    tally.translations += m.code.translations;
    tally.invalidations += m.code.invalidations;
  }
  tally.steps += m.instret + m.trapCount;
  for (let c = 1; c < tally.traps.length; c++) tally.traps[c]! += m.traps[c]!;
  if (m.halted) tally.halts++;
  if (m.checkStop) tally.checkstops++;
}

const drive: fc.Arbitrary<Drive> = fc.oneof(
  fc.constant<Drive>({ kind: 'step' }),
  fc.array(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 700 })), { minLength: 1, maxLength: 12 }).map((sizes): Drive => ({ kind: 'chunks', sizes })),
  fc.constant<Drive>({ kind: 'hook' }),
);

// The fuzz generator's programs, with more of what only the reference comparison needs: the
// variants' extras with useful operands, jalr with rd = rs, loads and stores at the edge of
// storage, and PSW blocks whose flags carry bits other than S and IE.
const R = (n: number) => `r${n}`;
const reg = fc.integer({ min: 1, max: 9 });
const near = (i: number, n: number, d: number) => `L${Math.max(0, Math.min(n, i + d))}`;
const REGISTER_ALU = INSTRUCTIONS.filter((s) => s.format === 'RRR').map((s) => s.mnemonic);
/** C words 0–15 of a control block (ISA.md "Extension vt"): guest PSW, TIMER, pending, partition, intercepts, exit, inject */
const guestBlock: fc.Arbitrary<number[]> = fc
  .tuple(
    fc.constantFrom(0, 1, 2, 3),
    fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(0, 16, 40)),
    fc.constantFrom(0, 0, 8, 16, 200),
    fc.constantFrom(MEM, 256, 128, 16, 0),
    fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
    fc.constantFrom(0, 1),
    fc.constantFrom([0, MEM], [0, 256], [16, 256], [256, 256], [384, 128], [496, 16], [500, 16], [0, 15]),
    fc.integer({ min: 0, max: 127 }),
    fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 })),
  )
  .map(([flags, pc, base, bound, timer, pending, [pb, size], intercepts, inject]) => [flags, pc, base, bound, timer, pending, pb!, size!, intercepts, 0, 0, inject, 77, 0, 0, 0]);

const extraOp: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.constantFrom(...REGISTER_ALU), reg, interesting32, interesting32).map(([m, r, a, b]): Op => (i) => [`L${i}: li r11, ${a}`, `li ${R(r)}, ${b}`, `${m} ${R(r)}, r11, ${R(r)}`]),
  fc.integer({ min: -3, max: 6 }).map((d): Op => (i, n) => [`L${i}: la r11, ${near(i, n, d)}`, 'jalr r11, r11']),
  fc.tuple(fc.constantFrom('gpsw', 'getr'), reg).map(([m, r]): Op => (i) => [`L${i}: ${m} ${R(r)}`]),
  fc.constantFrom(0, 1, 2, 3, -1, -3).map((v): Op => (i) => [`L${i}: li r11, ${v}`, 'sflags r11']),
  fc.integer({ min: 1, max: 6 }).map((d): Op => (i, n) => [`L${i}: la r11, ${near(i, n, d)}`, 'jrstu r11']),
  fc.tuple(fc.constantFrom('ld', 'st'), reg, fc.constantFrom(MEM - 17, MEM - 16, MEM - 15, MEM - 6, MEM - 5, MEM - 2, MEM - 1, MEM), fc.integer({ min: -1, max: 1 })).map(
    ([m, r, at, k]): Op => (i) => [`L${i}: li r11, ${at}`, `${m} ${R(r)}, ${k}(r11)`],
  ),
);
const oddFlags = fc.oneof(fc.constantFrom(4, 5, 7, -1, -2), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
export const refProgram: fc.Arbitrary<Program> = fc
  .tuple(program, fc.array(fc.tuple(fc.nat(60), extraOp), { maxLength: 10 }), fc.array(fc.option(oddFlags, { freq: 3 }), { minLength: 4, maxLength: 4 }))
  .map(([p, extra, flags]) => {
    const body = [...p.body];
    for (const [at, o] of extra) body.splice(at % (body.length + 1), 0, o);
    return { ...p, body, psw: p.psw.map((b, k) => (flags[k] === null || flags[k] === undefined ? b : { ...b, flags: flags[k]! })) };
  });

/** pg32 (the extras are undefined words) or every extra defined; `vt` apart (vtProperty below). */
export const WITH_EXTRAS = makeIsa(['pg32', ...EXTRAS].join('+'), EXTRAS);
/** every extension: the four extras and `vt` */
export const WITH_VT = makeIsa(['pg32', ...EXTENSIONS].join('+'), EXTENSIONS);
const isa = fc.constantFrom(PG32, WITH_EXTRAS);

export class Disagreement extends Error {}

/** The property: one generated program, one ISA, one way of driving them. */
export const oracleProperty = (semantics?: Semantics) =>
  fc.property(refProgram, isa, drive, (p, i, dr) => {
    const d = oracle(build(source(p)), p.input, i, dr, MAX_STEPS, semantics);
    if (d.length) throw new Disagreement(`${i.name}, ${dr.kind}:\n${d.join('\n')}\n${source(p)}`);
  });

/** Hot-loop programs (hot.ts) per CI run. */
export const HOT_RUNS = 60;

/** Driven in chunks large enough for translated regions (a region runs only if the budget covers its longest path), or to each trap. */
const hotDrive: fc.Arbitrary<Drive> = fc.oneof(
  fc.array(fc.integer({ min: 30, max: 900 }), { minLength: 1, maxLength: 8 }).map((sizes): Drive => ({ kind: 'chunks', sizes })),
  fc.constant<Drive>({ kind: 'hook' }),
);

/** The property for translated code: one hot-loop program on pg32, driven in chunks or to each trap. */
export const hotProperty = (semantics?: Semantics) =>
  fc.property(hotProgram, hotDrive, (p, dr) => {
    const src = hotSource(p);
    const d = oracle(build(src), new Uint8Array(0), PG32, dr, 8000, semantics);
    if (d.length) throw new Disagreement(`hot loop, ${dr.kind}:\n${d.join('\n')}\n${src}`);
  });

/**
 * `vmrun` (vt) with a control block in line: a guest over the program's own storage (its code, the canary, or
 * both), with random intercepts, timers and injections, so guests run, trap, exit and time out.
 */
const vmrunOp: fc.Arbitrary<Op> = fc.tuple(guestBlock, fc.array(interesting32, { minLength: 4, maxLength: 4 })).map(([b, regs]): Op => (i) => [
  `L${i}: la r11, VB${i}`,
  'vmrun r11',
  `jmp VE${i}`,
  `VB${i}: .word ${b.join(', ')}`,
  `.word 0, ${regs.join(', ')}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0`,
  `VE${i}: nop`,
]);

/** Generated programs with guests: the fuzz programs, a few vmruns inserted. */
export const vtProgram: fc.Arbitrary<Program> = fc.tuple(refProgram, fc.array(fc.tuple(fc.nat(60), vmrunOp), { minLength: 1, maxLength: 4 })).map(([p, extra]) => {
  const body = [...p.body];
  for (const [at, o] of extra) body.splice(at % (body.length + 1), 0, o);
  return { ...p, body };
});

/** The property with guests: one generated program on every extension, vt included, one way of driving them. */
export const vtProperty = (semantics?: Semantics) =>
  fc.property(vtProgram, drive, (p, dr) => {
    const d = oracle(build(source(p)), p.input, WITH_VT, dr, MAX_STEPS, semantics);
    if (d.length) throw new Disagreement(`${WITH_VT.name}, ${dr.kind}:\n${d.join('\n')}\n${source(p)}`);
  });

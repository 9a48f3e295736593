/**
 * Programs with hot loops, for comparing the reference interpreter with the
 * fast CPU's translated code (src/cpu/translate.ts) rather than its
 * interpreter: a body of the instructions the translator translates (the
 * ALU, loads and stores, forward branches and small backward loops, a call
 * and its return), run some dozens of times round an outer loop, so it
 * becomes hot after HOT_AT passes and the rest run translated. Some bodies
 * rewrite an `addi`'s immediate every pass (self-modifying code: the
 * translation is dropped, then the word is read at run time), some set the
 * timer (bursts end inside translated code), and loads and stores reach
 * past the data area (a MEMORY trap inside translated code, which the fuzz
 * handler skips).
 */
import fc from 'fast-check';
import { FLAGS, INSTRUCTIONS, LOW } from '../../src/isa/table.js';
import { handlerSource, interesting32, MEM } from '../fuzz/generator.js';

/** r1..r8 hold the body's values; r9 counts passes; r10 points at the data area; r11 is scratch; r12..r15 are the handler's. */
const reg = fc.integer({ min: 0, max: 8 });
const dest = fc.integer({ min: 1, max: 8 });
const byFormat = (...f: string[]) => INSTRUCTIONS.filter((s) => f.includes(s.format) && !('extension' in s && s.extension)).map((s) => s.mnemonic);
const RRR = byFormat('RRR');
const IMM = byFormat('RRI', 'RRU');
const SHIFT = byFormat('RRS');
const BRANCHES = INSTRUCTIONS.filter((s) => s.group === 'branch').map((s) => s.mnemonic);
const simm = fc.oneof(fc.integer({ min: -4, max: 4 }), fc.constantFrom(-32768, 32767, 0xff), fc.integer({ min: -32768, max: 32767 }));

/** one body operation: lines, the first labelled H{i} (k: the body's length, for forward targets) */
type HotOp = (i: number, k: number) => string[];
const op: fc.Arbitrary<HotOp> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...RRR), dest, reg, reg).map(([m, d, s, t]): HotOp => (i) => [`H${i}: ${m} r${d}, r${s}, r${t}`]) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...IMM), dest, reg, simm).map(([m, d, s, v]): HotOp => (i) => [`H${i}: ${m} r${d}, r${s}, ${m === 'addi' || m === 'slti' ? v : v & 0xffff}`]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...SHIFT), dest, reg, fc.integer({ min: 0, max: 31 })).map(([m, d, s, v]): HotOp => (i) => [`H${i}: ${m} r${d}, r${s}, ${v}`]) },
  { weight: 1, arbitrary: fc.tuple(dest, fc.integer({ min: 0, max: 0xffff })).map(([d, v]): HotOp => (i) => [`H${i}: lui r${d}, ${v}`]) },
  // loads and stores: the data area, its edges, and now and then any register as the address
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ld', 'st'), dest, fc.integer({ min: -1, max: 33 })).map(([m, d, o]): HotOp => (i) => [`H${i}: ${m} r${d}, ${o}(r10)`]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('ld', 'st'), dest, reg, fc.constantFrom(0, 1, -1, MEM, MEM - 1)).map(([m, d, s, o]): HotOp => (i) => [`H${i}: ${m} r${d}, ${o}(r${s})`]) },
  // branches: forward within the body, or a few words back (an inner loop; the step limit ends a runaway one)
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...BRANCHES), reg, reg, fc.integer({ min: 1, max: 6 })).map(([m, s, t, d]): HotOp => (i, k) => [`H${i}: ${m} r${s}, r${t}, H${Math.min(k, i + d)}`]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('bne', 'blt', 'bltu'), dest, fc.integer({ min: 1, max: 3 })).map(([m, s, d]): HotOp => (i) => [`H${i}: addi r${s}, r${s}, -1`, `${m} r0, r${s}, H${Math.max(0, i - d)}`]) },
  { weight: 1, arbitrary: fc.constant<HotOp>((i) => [`H${i}: jal r11, fn`]) },
  // self-modifying: this addi's immediate grows by one each pass
  { weight: 1, arbitrary: dest.map((d): HotOp => (i) => [`H${i}: addi r${d}, r${d}, 0`, `ld r11, H${i}(r0)`, 'addi r11, r11, 1', `st r11, H${i}(r0)`]) },
);

export interface HotProgram {
  readonly init: readonly number[];
  readonly body: readonly HotOp[];
  readonly passes: number;
  readonly timer: number;
}

export const hotProgram: fc.Arbitrary<HotProgram> = fc.record({
  init: fc.array(interesting32, { minLength: 8, maxLength: 8 }),
  body: fc.array(op, { minLength: 2, maxLength: 24 }),
  passes: fc.integer({ min: 20, max: 60 }),
  timer: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1500 })),
});

export function hotSource(p: HotProgram): string {
  const k = p.body.length;
  const lines = [`; a generated hot loop (test/ref/hot.ts)`, `.org ${LOW.NEW_PSW}`, `.word ${FLAGS.S}, handler, 0, ${MEM}`, `.org ${LOW.LOAD_ORIGIN}`, `start:  la r10, data`];
  p.init.forEach((v, j) => lines.push(`        li r${j + 1}, ${v}`));
  if (p.timer) lines.push(`        li r11, ${p.timer}`, `        stimer r11`);
  lines.push(`        li r9, ${p.passes}`, 'top:');
  p.body.forEach((o, i) => lines.push(...o(i, k).map((l) => (l.startsWith('H') ? l : '        ' + l))));
  lines.push(`H${k}: addi r9, r9, -1`, '        bne r9, r0, top', 'done:   halt');
  lines.push('fn:     xor r1, r1, r2', '        addi r2, r2, 3', '        jr r11', 'codeend:');
  lines.push(handlerSource(MEM).trim());
  lines.push('data:   .word 0');
  return lines.join('\n') + '\n';
}

/**
 * Random PG32 programs for the reliability suites, built through the ISA
 * table (src/isa/table.ts): mnemonics, formats, operand kinds, reserved-bit
 * masks and causes all come from there; no opcode number is written here.
 *
 * A program is a list of body operations (about 50% ALU, 20% branches and
 * jumps, 10% memory, the rest privileged, SVC, illegal words and nops),
 * rendered as assembly text so a failing case can be printed, pasted into a
 * regression test and assembled again. Around the body:
 *
 * - a trap handler (new PSW at physical 8..11: supervisor, base 0, IE off)
 *   that counts each cause in `cnt`, sums the infos in r12, and resumes:
 *   faults skip the faulting instruction (old pc + 1), SVC and TIMER return
 *   to the old PSW, `svc 1` returns in supervisor mode with base 0, and a
 *   fetch fault resumes at the physical address in supervisor mode if that is
 *   inside the body (else the program halts at `exit`);
 * - up to four PSW blocks `P0..P3` for `lpsw` (random modes, IE, bases and
 *   bounds, pc = a body label seen through the block's base);
 * - a canary pattern in every word of storage the image does not use, so a
 *   stray write shows in the storage signature.
 *
 * The body writes only r1..r9 and r11 (r10 points at the data area); the
 * handler uses r12..r15. Programs may loop: runs are step-limited, and the
 * bare machine and the monitors stop at the same step.
 */
import fc from 'fast-check';
import { assemble, formatError } from '../../src/asm/assemble.js';
import type { Image, Segment } from '../../src/image.js';
import {
  ALL,
  CAUSES,
  EXTENSIONS,
  FLAGS,
  INSTRUCTIONS,
  LOW,
  PG32,
  fieldMask,
  opcodeWord,
  operandsOf,
  reservedMask,
  setField,
  type OperandSpec,
  type Spec,
} from '../../src/isa/table.js';
import { HYPERCALL_BASE } from '../../isa/hypercalls.js';

/** storage of the bare machine and of each guest, in words */
export const MEM = 512;
/** the step limit of every differential run */
export const MAX_STEPS = 2500;

// ---------------------------------------------------------------- operations

const byGroup = (g: string) => INSTRUCTIONS.filter((s) => s.group === g && !('extension' in s && s.extension));
const spec = (m: string): Spec => {
  const s = INSTRUCTIONS.find((x) => x.mnemonic === m);
  if (!s) throw new Error(`no instruction ${m} in the ISA table`);
  return s;
};
const ALU = [...byGroup('register ALU'), ...byGroup('immediate ALU')];
const BRANCH = byGroup('branch');
const MEMORY = byGroup('memory');
const JUMPS = byGroup('jump');
const PRIVILEGED = byGroup('privileged');
const EXTRA = INSTRUCTIONS.filter((s) => 'extension' in s && s.extension !== undefined);

/** one body operation: assembly lines, the first labelled with its index */
export type Op = (index: number, count: number) => string[];

const R = (n: number) => `r${n}`;
const dest = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 1, arbitrary: fc.constant(0) });
const src = fc.integer({ min: 0, max: 15 });

export const interesting32 = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 0x7fffffff, -0x80000000, MEM - 1, MEM, MEM + 1, 16, 8, 0xffff, -0x10000),
  fc.integer({ min: -40, max: 600 }),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
const simm16 = fc.oneof(fc.integer({ min: -8, max: 8 }), fc.constantFrom(-32768, 32767, MEM, -MEM), fc.integer({ min: -32768, max: 32767 }));
const uimm16 = fc.oneof(fc.integer({ min: 0, max: 16 }), fc.constantFrom(0xffff, 0x8000), fc.integer({ min: 0, max: 0xffff }));
const shamt = fc.oneof(fc.constantFrom(0, 1, 31), fc.integer({ min: 0, max: 31 }));
/** a memory operand: mostly the data area (r10), sometimes low storage or any register */
const memOperand = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -2, max: 40 }).map((o) => `${o}(r10)`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }).map((o) => `${o}(r0)`) },
  { weight: 2, arbitrary: fc.tuple(simm16, src).map(([o, r]) => `${o}(${R(r)})`) },
);
/** a store never targets low storage through r0: the handler's new PSW would go */
const storeOperand = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -2, max: 40 }).map((o) => `${o}(r10)`) },
  { weight: 2, arbitrary: fc.tuple(simm16, fc.integer({ min: 1, max: 15 })).map(([o, r]) => `${o}(${R(r)})`) },
);
/** a branch target: a label near this one (loops are allowed; the step limit ends them) */
const delta = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 2, arbitrary: fc.integer({ min: -8, max: 0 }) });
const target = (i: number, n: number, d: number) => `L${Math.max(0, Math.min(n, i + d))}`;

function operand(o: OperandSpec, store: boolean): fc.Arbitrary<(i: number, n: number) => string> {
  const k = <T>(a: fc.Arbitrary<T>, f: (v: T, i: number, n: number) => string) => a.map((v) => (i: number, n: number) => f(v, i, n));
  switch (o.kind) {
    case 'reg':
      return k(o.name === 'rd' ? dest : src, (r) => R(r));
    case 'simm16':
      return k(simm16, String);
    case 'uimm16':
      return k(uimm16, String);
    case 'shamt':
      return k(shamt, String);
    case 'mem':
      return k(store ? storeOperand : memOperand, (s) => s);
    case 'target':
      return k(delta, (d, i, n) => target(i, n, d));
  }
}

/** an instruction of `spec` with random operands, from its format in the table */
function instruction(s: Spec): fc.Arbitrary<Op> {
  const ops = operandsOf(s);
  const store = s.format === 'STORE';
  return fc.tuple(...ops.map((o) => operand(o, store))).map((parts) => (i: number, n: number) => [
    `L${i}: ${s.mnemonic}${parts.length ? ' ' + parts.map((p) => p(i, n)).join(', ') : ''}`,
  ]);
}
const oneOf = (specs: readonly Spec[]) => fc.oneof(...specs.map(instruction));

/** words that must trap ILLEGAL on pg32, by class */
export const illegalWord: fc.Arbitrary<number> = fc.oneof(
  // an opcode pg32 does not assign (0 included), any other bits
  fc.tuple(fc.integer({ min: 0, max: 255 }).filter((op) => PG32.byOpcode[op] === undefined), fc.integer({ min: -0x80000000, max: 0x7fffffff })).map(([op, bits]) => setField(bits, 'op', op)),
  // a pg32 instruction with a reserved bit set
  fc
    .tuple(fc.constantFrom(...PG32.instructions.filter((s) => (reservedMask(s) & ~fieldMask('op')) !== 0)), fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: -0x80000000, max: 0x7fffffff }))
    .map(([s, r, bits]) => {
      const res = reservedMask(s) & ~fieldMask('op');
      let extra = r & res;
      if (extra === 0) extra = res & -res; // lowest reserved bit
      return (opcodeWord(s) | (bits & ~reservedMask(s) & ~fieldMask('op')) | extra) | 0;
    }),
  // a variant's extra instruction: undefined on pg32
  fc.tuple(fc.constantFrom(...EXTRA), fc.integer({ min: 0, max: 15 })).map(([s, r]) => setField(opcodeWord(s), operandsOf(s)[0]!.field, r)),
);

const hex = (w: number) => '0x' + (w >>> 0).toString(16).padStart(8, '0');

/** privileged instructions with useful operands (r11 loaded just before) */
const privileged: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }).map((p): Op => (i) => [`L${i}: la r11, P${p}`, `lpsw r11`]) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }).map((k): Op => (i) => [`L${i}: addi r11, r10, ${k}`, `spsw r11`]) },
  { weight: 3, arbitrary: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(1, 2, 1000)).map((v): Op => (i) => [`L${i}: li r11, ${v}`, `stimer r11`]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PRIVILEGED.filter((s) => s.mnemonic !== 'halt')), src).map(([s, r]): Op => (i) => [`L${i}: ${s.mnemonic} ${s.mnemonic === 'in' ? R(Math.max(1, r % 10)) : R(r)}${s.format === 'IN' || s.format === 'OUT' ? ', 1' : ''}`]) },
  { weight: 2, arbitrary: fc.tuple(dest, fc.constantFrom(0, 1, 2, 3, 0xffff)).map(([r, port]): Op => (i) => [`L${i}: in ${R(r)}, ${port}`]) },
  { weight: 3, arbitrary: fc.tuple(src, fc.constantFrom(0, 2, 2, 1, 7)).map(([r, port]): Op => (i) => [`L${i}: out ${R(r)}, ${port}`]) },
  { weight: 1, arbitrary: fc.constant<Op>((i) => [`L${i}: halt`]) },
);

/** jr/jalr mostly to a body label, sometimes anywhere */
const indirect: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.constantFrom(...JUMPS.filter((s) => s.format === 'S' || s.format === 'DS')), delta, dest).map(([s, d, rd]): Op => (i, n) => [
    `L${i}: la r11, ${target(i, n, d)}`,
    s.format === 'DS' ? `${s.mnemonic} ${R(rd)}, r11` : `${s.mnemonic} r11`,
  ]),
  instruction(JUMPS.find((s) => s.format === 'S')!),
);

/**
 * svc numbers, less the hypercall range (0xFF00..0xFFFF): from virtual
 * supervisor mode those call the monitor (ISA.md "Hypercalls"), so a program
 * that uses them is paravirtual and is not meant to run the same bare.
 */
const svcNumber = uimm16.map((n) => (n >= HYPERCALL_BASE ? n - 0x100 : n));

export const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 50, arbitrary: oneOf(ALU) },
  { weight: 15, arbitrary: oneOf(BRANCH) },
  { weight: 3, arbitrary: oneOf(JUMPS.filter((s) => s.format === 'JUMP' || s.format === 'LINK')) },
  { weight: 2, arbitrary: indirect },
  { weight: 10, arbitrary: oneOf(MEMORY) },
  { weight: 10, arbitrary: privileged },
  { weight: 4, arbitrary: fc.oneof(fc.constantFrom(0, 1, 1, 2), svcNumber).map((n): Op => (i) => [`L${i}: ${spec('svc').mnemonic} ${n}`]) },
  { weight: 4, arbitrary: illegalWord.map((w): Op => (i) => [`L${i}: .word ${hex(w)}`]) },
  { weight: 2, arbitrary: fc.constant<Op>((i) => [`L${i}: nop`]) },
);

// ------------------------------------------------------------------- programs

export interface PswBlock {
  readonly flags: number;
  /** body label index the block's pc points at (seen through its base) */
  readonly to: number;
  readonly base: number;
  readonly bound: number;
}

const pswBlock: fc.Arbitrary<PswBlock> = fc.record({
  flags: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -0x80000000, max: 0x7fffffff }) }),
  to: fc.nat(60),
  base: fc.constantFrom(0, 0, 1, 5, 16),
  bound: fc.oneof(fc.constantFrom(MEM, MEM - 1, MEM - 16, MEM + 1, 0xffffffff, 0, 1), fc.integer({ min: 0, max: MEM + 32 })),
});

export interface Program {
  readonly init: readonly number[];
  readonly body: readonly Op[];
  readonly psw: readonly PswBlock[];
  readonly input: Uint8Array;
  /** start the body with interrupts enabled (supervisor, IE) */
  readonly ie: boolean;
  /** the TIMER set before the body (0: off) */
  readonly timer: number;
}

export const program: fc.Arbitrary<Program> = fc.record({
  init: fc.array(interesting32, { minLength: 9, maxLength: 9 }),
  body: fc.array(op, { minLength: 1, maxLength: 60 }),
  psw: fc.array(pswBlock, { minLength: 4, maxLength: 4 }),
  input: fc.uint8Array({ maxLength: 8 }),
  ie: fc.boolean(),
  timer: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
});

const C = CAUSES;

/** The trap handler described at the top of this file. */
export function handlerSource(mem = MEM): string {
  return `
handler: ld   r13, ${LOW.CAUSE}(r0)
        ld   r14, ${LOW.INFO}(r0)
        add  r12, r12, r14
        ld   r15, cnt(r13)
        addi r15, r15, 1
        st   r15, cnt(r13)
        li   r15, ${C.MEMORY}
        bne  r13, r15, notmem
        ld   r15, ${LOW.OLD_PSW + 1}(r0)
        bne  r15, r14, skip          ; a data fault: skip the instruction
        ld   r14, ${LOW.OLD_PSW + 2}(r0) ; a fetch fault: go on at the physical address, in supervisor mode
        add  r15, r15, r14
        la   r14, start
        bltu r15, r14, exit
        la   r14, codeend
        bgeu r15, r14, exit
        jmp  kernel
notmem: li   r15, ${C.SVC}
        beq  r13, r15, svc
        li   r15, ${C.TIMER}
        beq  r13, r15, resume
skip:   ld   r15, ${LOW.OLD_PSW + 1}(r0)
        addi r15, r15, 1
        st   r15, ${LOW.OLD_PSW + 1}(r0)
resume: lpsw r0
svc:    li   r15, 1
        bne  r14, r15, resume
        ld   r15, ${LOW.OLD_PSW + 1}(r0) ; svc 1: back to supervisor mode, base 0
        ld   r14, ${LOW.OLD_PSW + 2}(r0)
        add  r15, r15, r14
kernel: st   r15, ${LOW.OLD_PSW + 1}(r0)
        st   r0, ${LOW.OLD_PSW + 2}(r0)
        li   r14, ${mem}
        st   r14, ${LOW.OLD_PSW + 3}(r0)
        ld   r14, ${LOW.OLD_PSW}(r0)
        ori  r14, r14, ${FLAGS.S}
        st   r14, ${LOW.OLD_PSW}(r0)
        lpsw r0
exit:   halt
cnt:    .word 0, 0, 0, 0, 0, 0, 0, 0
`;
}

/** The program as assembly text (without the canary, which `image` adds). */
export function source(p: Program, mem = MEM): string {
  const n = p.body.length;
  const lines = [`; a generated program (test/fuzz/generator.ts)`, `.org ${LOW.NEW_PSW}`, `.word ${FLAGS.S}, handler, 0, ${mem}`, `.org ${LOW.LOAD_ORIGIN}`, `start:  la r10, data`];
  p.init.forEach((v, k) => lines.push(`        li r${k + 1}, ${v}`));
  if (p.timer) lines.push(`        li r11, ${p.timer}`, `        stimer r11`);
  if (p.ie) lines.push(`        la r11, PIE`, `        lpsw r11`);
  p.body.forEach((o, i) => lines.push(...o(i, n).map((l) => (l.startsWith('L') ? l : '        ' + l))));
  lines.push(`L${n}: halt`, `codeend:`);
  lines.push(handlerSource(mem).trim());
  p.psw.forEach((b, k) => lines.push(`P${k}: .word ${b.flags}, L${Math.min(b.to, n)} - ${b.base}, ${b.base}, ${b.bound}`));
  lines.push(`PIE: .word ${FLAGS.S | FLAGS.IE}, L0, 0, ${mem}`);
  lines.push(`data:   .word ${hex(canary(0))}`);
  return lines.join('\n') + '\n';
}

/** The canary word of physical address `a`: an unassigned opcode, so executing it traps ILLEGAL. */
export function canary(a: number): number {
  return (setField(Math.imul(a + 1, 0x9e3779b1), 'op', CANARY_OP) | 0) >>> 0;
}
const CANARY_OP = (() => {
  for (let op = 255; op > 0; op--) if (ALL.byOpcode[op] === undefined) return op;
  throw new Error('no free opcode for the canary');
})();

/** Fill every word of [LOAD_ORIGIN, mem) the image leaves empty with the canary pattern. */
export function withCanary(img: Image, mem = MEM): Image {
  const used = new Uint8Array(mem);
  for (const s of img.segments) used.fill(1, s.origin, Math.min(mem, s.origin + s.words.length));
  const extra: Segment[] = [];
  let a = LOW.LOAD_ORIGIN;
  while (a < mem) {
    if (used[a]) {
      a++;
      continue;
    }
    const from = a;
    while (a < mem && !used[a]) a++;
    const words = new Int32Array(a - from);
    for (let k = 0; k < words.length; k++) words[k] = canary(from + k);
    extra.push({ origin: from, words });
  }
  return { ...img, segments: [...img.segments, ...extra].sort((x, y) => x.origin - y.origin) };
}

/** Assemble generated (or pasted) source and add the canary. Throws on an assembly error: generated programs must assemble. */
export function build(src: string, mem = MEM): Image {
  const r = assemble(src, 'fuzz.s', { isa: ALL });
  if (!r.image || r.errors.length) throw new Error('generated program does not assemble:\n' + r.errors.map(formatError).join('\n') + '\n' + src);
  return withCanary(r.image, mem);
}

export const EXTENSION_NAMES = EXTENSIONS;

/**
 * Everything derived from isa/pg32.ts: lookups by mnemonic and opcode, field
 * extraction and insertion, reserved-bit masks, and variant resolution.
 * The assembler, disassembler, CPU and checker use these, never raw numbers.
 */
import {
  CAUSES,
  EXTENSIONS,
  FIELDS,
  FORMATS,
  INSTRUCTIONS,
  VARIANTS,
  type Extension,
  type FieldName,
  type InstructionSpec,
  type Mnemonic,
  type OperandSpec,
} from '../../isa/pg32.js';

export * from '../../isa/pg32.js';

export type Spec = (typeof INSTRUCTIONS)[number];

export const BY_MNEMONIC: ReadonlyMap<string, Spec> = new Map(INSTRUCTIONS.map((s) => [s.mnemonic, s]));
export const BY_OPCODE: ReadonlyArray<Spec | undefined> = (() => {
  const t: (Spec | undefined)[] = new Array(256).fill(undefined);
  for (const s of INSTRUCTIONS) t[s.opcode] = s;
  return t;
})();

/** The opcode of every mnemonic, for the CPU's dispatch constants. */
export const OPCODE = Object.fromEntries(INSTRUCTIONS.map((s) => [s.mnemonic, s.opcode])) as Record<Mnemonic, number>;

export function fieldWidth(f: FieldName): number {
  const [hi, lo] = FIELDS[f];
  return hi - lo + 1;
}

export function fieldMask(f: FieldName): number {
  const [hi, lo] = FIELDS[f];
  const w = hi - lo + 1;
  return (w === 32 ? -1 : ((1 << w) - 1) << lo) | 0;
}

/** Unsigned value of a field. */
export function getField(word: number, f: FieldName): number {
  const [hi, lo] = FIELDS[f];
  const w = hi - lo + 1;
  return (word >>> lo) & (w === 32 ? -1 : (1 << w) - 1);
}

/** Sign-extended value of a field. */
export function getSigned(word: number, f: FieldName): number {
  const [hi, lo] = FIELDS[f];
  const w = hi - lo + 1;
  return ((word >>> lo) << (32 - w)) >> (32 - w);
}

/** Insert `value` (already range-checked; low bits taken) into `f`. */
export function setField(word: number, f: FieldName, value: number): number {
  const [, lo] = FIELDS[f];
  const m = fieldMask(f);
  return ((word & ~m) | ((value << lo) & m)) | 0;
}

export function operandsOf(spec: InstructionSpec): readonly OperandSpec[] {
  return FORMATS[spec.format];
}

/** Bits an instruction uses (opcode and its operand fields). */
export function usedMask(spec: InstructionSpec): number {
  let m = fieldMask('op');
  for (const o of operandsOf(spec)) {
    m |= fieldMask(o.field);
    if (o.baseField) m |= fieldMask(o.baseField);
  }
  return m | 0;
}

/** Bits that must be zero in a valid encoding of `spec`. */
export function reservedMask(spec: InstructionSpec): number {
  return ~usedMask(spec) | 0;
}

/** Base word of an instruction: its opcode in place, every operand zero. */
export function opcodeWord(spec: InstructionSpec): number {
  return setField(0, 'op', spec.opcode);
}

export function opcodeOf(word: number): number {
  return getField(word, 'op');
}

/** A resolved ISA: a name and the set of extensions it enables. */
export interface Isa {
  readonly name: string;
  readonly extensions: ReadonlySet<Extension>;
  /** instructions of this ISA, in table order */
  readonly instructions: readonly Spec[];
  /** opcode → spec, undefined where the opcode is not defined in this ISA */
  readonly byOpcode: ReadonlyArray<Spec | undefined>;
  has(mnemonic: string): boolean;
}

export function makeIsa(name: string, exts: Iterable<Extension>): Isa {
  const extensions = new Set(exts);
  const instructions = INSTRUCTIONS.filter((s) => !('extension' in s) || s.extension === undefined || extensions.has(s.extension as Extension));
  const byOpcode: (Spec | undefined)[] = new Array(256).fill(undefined);
  for (const s of instructions) byOpcode[s.opcode] = s;
  const names = new Set(instructions.map((s) => s.mnemonic as string));
  return { name, extensions, instructions, byOpcode, has: (m) => names.has(m) };
}

export function variantNames(): string[] {
  return [...Object.keys(VARIANTS), ...EXTENSIONS.map((e) => `pg32+${e}`)];
}

/** `pg32`, `pg32-pdp10`, `pg32-x86`, or `pg32+ext+ext…` (a named variant may be extended too). */
export function resolveIsa(name: string): Isa | { error: string } {
  const parts = name.trim().split('+');
  const head = parts[0]!.toLowerCase();
  const base = Object.hasOwn(VARIANTS, head) ? VARIANTS[head] : undefined; // not inherited keys: '__proto__', 'constructor'
  const valid = `valid names: ${Object.keys(VARIANTS).join(', ')}, or pg32 plus any of ${EXTENSIONS.map((e) => '+' + e).join(' ')} (e.g. pg32+getr+jrstu)`;
  if (!base) return { error: `unknown ISA '${name}'; ${valid}` };
  const exts = new Set<Extension>(base);
  for (const p of parts.slice(1)) {
    const e = p.toLowerCase();
    if (!(EXTENSIONS as readonly string[]).includes(e)) return { error: `unknown extension '${p}' in ISA '${name}'; ${valid}` };
    exts.add(e as Extension);
  }
  return makeIsa(parts.length === 1 ? head : [head, ...parts.slice(1).map((p) => p.toLowerCase())].join('+'), exts);
}

export function isaOrThrow(name: string): Isa {
  const r = resolveIsa(name);
  if ('error' in r) throw new Error(r.error);
  return r;
}

/** Two ISAs are the same when they enable the same extensions, whatever their names (`pg32-pdp10` is `pg32+jrstu`). */
export function sameIsa(a: Isa, b: Isa): boolean {
  if (a.extensions.size !== b.extensions.size) return false;
  for (const e of a.extensions) if (!b.extensions.has(e)) return false;
  return true;
}

export const PG32 = makeIsa('pg32', []);
/** Every instruction enabled: what the assembler and disassembler accept by default. */
export const ALL = makeIsa('pg32+' + EXTENSIONS.join('+'), EXTENSIONS);

const CAUSE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CAUSES).map(([k, v]) => [v, k]));

/** PRIV, ILLEGAL, … for a cause number; `cause N` for one the manual does not define. */
export function causeName(cause: number): string {
  return CAUSE_NAMES.get(cause) ?? `cause ${cause}`;
}

/**
 * A copy of `isa` in which one instruction's declared class is replaced:
 * how tests plant a wrong declaration for the checker to catch.
 */
export function withDeclared(isa: Isa, mnemonic: string, declared: InstructionSpec['declared']): Isa {
  const instructions = isa.instructions.map((s) => (s.mnemonic === mnemonic ? ({ ...s, declared } as Spec) : s));
  const byOpcode: (Spec | undefined)[] = new Array(256).fill(undefined);
  for (const s of instructions) byOpcode[s.opcode] = s;
  return { ...isa, instructions, byOpcode, has: isa.has };
}

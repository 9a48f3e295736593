import { expect } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { ALL, BY_MNEMONIC, getField, opcodeWord, setField, type FieldName } from '../../src/isa/table.js';

/** Build a word from the ISA table (independently of the assembler's encoder). */
export function W(mnemonic: string, fields: Partial<Record<FieldName, number>> = {}): number {
  const s = BY_MNEMONIC.get(mnemonic);
  if (!s) throw new Error(mnemonic);
  let w = opcodeWord(s);
  for (const [f, v] of Object.entries(fields)) w = setField(w, f as FieldName, v);
  return w >>> 0;
}

/** Words of a program that must assemble, as unsigned numbers, keyed by address order. */
// These helpers test the assembler as such: every instruction of every variant is allowed.
export function words(src: string, file = 't.s'): number[] {
  const r = assemble(src, file, { isa: ALL });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image.segments.flatMap((s) => [...s.words].map((w) => w >>> 0));
}

export function image(src: string, file = 't.s') {
  const r = assemble(src, file, { isa: ALL });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

/** Formatted errors of a program that must fail. */
export function errors(src: string, file = 't.s'): string[] {
  const r = assemble(src, file, { isa: ALL });
  expect(r.image).toBeUndefined();
  return r.errors.map(formatError);
}

export const field = getField;

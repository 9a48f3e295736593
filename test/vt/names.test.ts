// The vt names (ISA.md "Extension vt": composable like the other extras;
// `pg32-x86-vt` names `pg32-x86+vt`) and vmrun in the assembler and
// disassembler.
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { disassembleImage, disassembleWord } from '../../src/asm/disassemble.js';
import { BY_MNEMONIC, PG32, getField, isaOrThrow, opcodeOf, resolveIsa, variantNames } from '../../src/isa/table.js';

const extensions = (name: string) => [...isaOrThrow(name).extensions].sort();

describe('ISA names with vt', () => {
  it('pg32+vt, pg32-x86-vt (= pg32-x86+vt), pg32+jrstu+vt resolve and have vmrun', () => {
    expect(extensions('pg32+vt')).toEqual(['vt']);
    expect(extensions('pg32-x86-vt')).toEqual(extensions('pg32-x86+vt'));
    expect(extensions('pg32-x86-vt')).toEqual(['getr', 'gpsw', 'sflags', 'vt']);
    expect(extensions('pg32+jrstu+vt')).toEqual(['jrstu', 'vt']);
    for (const name of ['pg32+vt', 'pg32-x86-vt', 'pg32-x86+vt', 'pg32+jrstu+vt', 'pg32-pdp10+vt', 'PG32+VT']) {
      expect(isaOrThrow(name).has('vmrun'), name).toBe(true);
    }
    expect(isaOrThrow('pg32-x86-vt').instructions.map((s) => s.mnemonic)).toEqual(isaOrThrow('pg32-x86+vt').instructions.map((s) => s.mnemonic));
  });

  it('without vt there is no vmrun', () => {
    for (const name of ['pg32', 'pg32-x86', 'pg32-pdp10', 'pg32+jrstu+gpsw+sflags+getr']) expect(isaOrThrow(name).has('vmrun'), name).toBe(false);
  });

  it('the names are listed, and a wrong one says what is valid', () => {
    expect(variantNames()).toEqual(expect.arrayContaining(['pg32-x86-vt', 'pg32+vt']));
    const bad = resolveIsa('pg32-vt');
    expect('error' in bad && bad.error).toMatch(/unknown ISA 'pg32-vt'.*pg32-x86-vt.*\+vt/);
    const ext = resolveIsa('pg32+vmx');
    expect('error' in ext && ext.error).toMatch(/unknown extension 'vmx'/);
  });
});

describe('vmrun in the assembler and disassembler', () => {
  const isa = isaOrThrow('pg32+vt');

  it('assembles as format S (rs in field b) on a vt ISA', () => {
    const r = assemble('.org 16\nstart: vmrun r7\n        vmrun sp\n', 't.s', { isa });
    expect(r.errors).toEqual([]);
    const [a, b] = r.image!.segments[0]!.words;
    expect(opcodeOf(a!)).toBe(BY_MNEMONIC.get('vmrun')!.opcode);
    expect(getField(a!, 'b')).toBe(7);
    expect(getField(b!, 'b')).toBe(15);
    expect(getField(a!, 'a')).toBe(0);
  });

  it('is an error on an ISA without vt, with file:line:col', () => {
    const r = assemble('.org 16\nstart: nop\n        vmrun r1\n', 't.s', { isa: PG32 });
    expect(r.image).toBeUndefined();
    expect(r.errors.map(formatError)).toEqual(["t.s:3:9: error: instruction 'vmrun' is not in ISA pg32"]);
  });

  it('disassembles, and round-trips: assemble → disassemble → assemble gives the same words', () => {
    const src = `.org 16\nstart: la r13, cb\nv:      vmrun r13\n        halt\ncb:     .space 32\n`;
    const one = assemble(src, 't.s', { isa });
    const text = disassembleImage(one.image!, { isa });
    expect(text).toMatch(/vmrun r13/);
    const two = assemble(text, 'd.s', { isa });
    expect(two.errors.map(formatError)).toEqual([]);
    expect(two.image!.segments.map((s) => [s.origin, [...s.words]])).toEqual(one.image!.segments.map((s) => [s.origin, [...s.words]]));
    const w = one.image!.segments[0]!.words[one.image!.symbols.get('v')! - 16]!;
    expect(disassembleWord(w, 0, { isa })).toBe('vmrun r13');
    expect(disassembleWord(w, 0, { isa: PG32 })).toMatch(/^\.word 0x/); // undefined on pg32
  });

  it('a vmrun word with a reserved bit set is not vmrun', () => {
    const w = assemble('.org 16\nstart: vmrun r1\n', 't.s', { isa }).image!.segments[0]!.words[0]! | (1 << 20);
    expect(disassembleWord(w, 0, { isa })).toMatch(/^\.word 0x/);
  });
});

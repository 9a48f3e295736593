import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkDisassembly, checkTable, REAL_TABLE, type Table } from '../../src/isa/check.js';
import { BY_OPCODE, INSTRUCTIONS } from '../../src/isa/table.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = { instructions: any[]; formats: any; fields: any };
const plant = (change: (t: Loose) => void): Table => {
  const t: Loose = {
    instructions: INSTRUCTIONS.map((s) => ({ ...s })),
    formats: { ...REAL_TABLE.formats },
    fields: { ...REAL_TABLE.fields },
  };
  change(t);
  return t as Table;
};

describe('the ISA table', () => {
  it('passes the table check', () => {
    expect(checkTable()).toEqual([]);
  });
  it('every mnemonic has a disassembly form that re-assembles', () => {
    expect(checkDisassembly()).toEqual([]);
  });
  it('opcode 0 is unassigned', () => {
    expect(BY_OPCODE[0]).toBeUndefined();
  });
});

describe('the table check catches planted mistakes', () => {
  it('two instructions sharing an opcode', () => {
    const p = checkTable(plant((t) => (t.instructions[1].opcode = t.instructions[0].opcode)));
    expect(p.some((x) => /add and sub overlap/.test(x))).toBe(true);
  });
  it('opcode 0', () => {
    expect(checkTable(plant((t) => (t.instructions[0].opcode = 0))).some((x) => /opcode 0 must stay unassigned/.test(x))).toBe(true);
  });
  it('an opcode too wide for the op field', () => {
    expect(checkTable(plant((t) => (t.instructions[0].opcode = 256))).some((x) => /does not fit/.test(x))).toBe(true);
  });
  it('a duplicate mnemonic', () => {
    expect(checkTable(plant((t) => (t.instructions[1].mnemonic = 'add'))).some((x) => /defined twice/.test(x))).toBe(true);
  });
  it('operand fields overlapping each other', () => {
    const p = checkTable(plant((t) => (t.formats = { ...t.formats, RRR: [t.formats.RRR[0], { ...t.formats.RRR[1], field: 'a' }, t.formats.RRR[2]] })));
    expect(p.some((x) => /operand field a overlaps/.test(x))).toBe(true);
  });
  it('an operand field overlapping the opcode', () => {
    const p = checkTable(plant((t) => (t.fields = { ...t.fields, off24: [25, 0] })));
    expect(p.some((x) => /jmp .*operand field off24 overlaps op/.test(x))).toBe(true);
  });
  it('a field outside the word', () => {
    expect(checkTable(plant((t) => (t.fields = { ...t.fields, c: [33, 12] }))).some((x) => /does not fit inside a 32-bit word/.test(x))).toBe(true);
  });
  it('an op field so narrow that encodings overlap', () => {
    const p = checkTable(plant((t) => (t.fields = { ...t.fields, op: [31, 30] })));
    expect(p.some((x) => / overlap: some words decode as both/.test(x))).toBe(true);
  });
});


import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { disassembleImage, disassembleWord } from '../../src/asm/disassemble.js';
import { listing } from '../../src/asm/listing.js';
import { ALL, PG32, fieldWidth, operandsOf, opcodeWord, setField } from '../../src/isa/table.js';
import { W, image } from './helpers.js';
import { includedFiles } from '../library.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dirs = [join(root, 'programs'), join(root, 'test/asm/fixtures')];
// (library parts, programs/lib/ and included files, are not programs: they assemble as part of one)
const parts = includedFiles();
const programs = dirs.flatMap((d) => (existsSync(d) ? readdirSync(d, { recursive: true }).map(String).filter((f) => f.endsWith('.s')).map((f) => join(d, f)) : [])).filter((f) => !parts.has(f));
const include = (path: string, from: string) => {
  const name = normalize(join(dirname(from), path));
  return { name, text: readFileSync(name, 'utf8') };
};

const plainWords = (img: ReturnType<typeof image>) => img.segments.map((s) => [s.origin, [...s.words]]);

describe('disassembleWord', () => {
  it('prints real instructions in assembler syntax', () => {
    expect(disassembleWord(W('addi', { a: 1, b: 15, imm16: 0xffff }), 16)).toBe('addi r1, sp, -1');
    expect(disassembleWord(W('ld', { a: 2, b: 14, imm16: 4 }), 16)).toBe('ld r2, 4(lr)');
    expect(disassembleWord(W('ori', { a: 2, b: 2, imm16: 0xffff }), 16)).toBe('ori r2, r2, 65535');
    expect(disassembleWord(W('halt'), 16)).toBe('halt');
  });
  it('uses a label name for a target when there is one, else the absolute address', () => {
    const w = W('bne', { a: 1, b: 2, imm16: 0xfffe }); // 2 back from next = addr - 1
    expect(disassembleWord(w, 0x20, { symbols: new Map([[0x1f, 'loop']]) })).toBe('bne r1, r2, loop');
    expect(disassembleWord(w, 0x20)).toBe('bne r1, r2, 0x001f');
  });
  it('prints undefined words, and words with reserved bits set, as .word', () => {
    expect(disassembleWord(0, 16)).toBe('.word 0x00000000');
    expect(disassembleWord(W('nop') | 1, 16)).toBe(`.word 0x${((W('nop') | 1) >>> 0).toString(16).padStart(8, '0')}`);
    expect(disassembleWord(W('jr', { b: 1 }) | (1 << 20), 16)).toMatch(/^\.word /);
    expect(disassembleWord(W('getr', { a: 1 }), 16, { isa: PG32 })).toMatch(/^\.word /);
  });
});

describe('round trip: assemble → disassemble → assemble gives identical words', () => {
  it('finds programs to try', () => expect(programs.length).toBeGreaterThanOrEqual(3));
  for (const file of programs)
    it(file.slice(root.length), () => {
      const r = assemble(readFileSync(file, 'utf8'), file, { include });
      expect(r.errors.map(formatError)).toEqual([]);
      const text = disassembleImage(r.image!);
      const again = assemble(text, 'dis.s');
      expect(again.errors.map(formatError)).toEqual([]);
      expect(plainWords(again.image!)).toEqual(plainWords(r.image!));
      expect(again.image!.entry).toBe(r.image!.entry);
      for (const l of r.image!.labels) expect(again.image!.symbols.get(l)).toBe(r.image!.symbols.get(l));
    });

  it('property: random valid instructions encode → disassemble → assemble identically', () => {
    const specs = ALL.instructions;
    const arbWord = fc
      .tuple(fc.integer({ min: 0, max: specs.length - 1 }), fc.array(fc.integer(), { minLength: 4, maxLength: 4 }))
      .map(([i, rnd]) => {
        const s = specs[i]!;
        let w = opcodeWord(s);
        operandsOf(s).forEach((o, k) => {
          w = setField(w, o.field, rnd[k]!);
          if (o.baseField) w = setField(w, o.baseField, rnd[3]!);
        });
        return w;
      });
    fc.assert(
      fc.property(fc.array(arbWord, { minLength: 1, maxLength: 20 }), fc.integer({ min: 0x1000, max: 0x10000 }), (ws, origin) => {
        const img = { entry: origin, segments: [{ origin, words: Int32Array.from(ws) }], symbols: new Map(), labels: new Set<string>(), sourceMap: new Map() };
        const again = assemble(disassembleImage(img), 'p.s');
        expect(again.errors.map(formatError)).toEqual([]);
        expect([...again.image!.segments[0]!.words]).toEqual(ws);
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });

  it('every field width the table declares is exercised by the property (sanity)', () => {
    expect(fieldWidth('off24')).toBe(24);
  });
});

describe('listing', () => {
  it('shows line number, address, words and source text', () => {
    const img = image('; hi\nstart: li r1, 100000\n  halt\n', 'l.s');
    const text = listing(img, 'l.s');
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^\s+1\s+; hi$/);
    expect(lines[2]).toMatch(/^\s+2\s+0x0010\s+0x[0-9a-f]{8} 0x[0-9a-f]{8}\s+start: li r1, 100000$/);
    expect(lines[3]).toMatch(/^\s+3\s+0x0012\s+0x[0-9a-f]{8}\s+halt$/);
  });
});

// `.isa NAME` (ISA.md "Assembly syntax"): a program says which ISA it is
// written for; the assembler checks its instructions against it, the image
// records it (image format version 2, isa/IMAGE.md), and loading it gives
// that ISA unless the caller asked for another (then an error naming both).
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { crc32, decodeImage, encodeImage, IMAGE_VERSION } from '../../src/asm/imagefile.js';
import { loadProgram } from '../../src/asm/index.js';
import { isaOrThrow, PG32, sameIsa } from '../../src/isa/table.js';

const errs = (src: string, opts = {}) => assemble(src, 'p.s', opts).errors.map(formatError);

describe('.isa', () => {
  it('lets the program use its ISA’s instructions and is recorded in the image', () => {
    const r = assemble('        .isa pg32-x86\nstart:  gpsw r1\n        getr r2\n        halt\n', 'p.s');
    expect(r.errors).toEqual([]);
    expect(r.image!.isa).toBe('pg32-x86');
  });
  it('takes every name --isa takes: variants, compositions, any case, or a quoted string', () => {
    for (const [name, want] of [
      ['pg32', 'pg32'],
      ['PG32-PDP10', 'pg32-pdp10'],
      ['pg32+getr+jrstu', 'pg32+getr+jrstu'],
      ['pg32-x86+jrstu', 'pg32-x86+jrstu'],
      ['"pg32+sflags"', 'pg32+sflags'],
    ] as const) {
      const r = assemble(`.isa ${name} ; a comment\nnop\n`, 'p.s');
      expect(r.errors.map(formatError), name).toEqual([]);
      expect(r.image!.isa, name).toBe(want);
    }
  });
  it('without .isa a program is pg32: a variant instruction is refused, naming the ISAs that have it', () => {
    expect(errs('nop\njrstu r1\n')).toEqual(["p.s:2:1: error: instruction 'jrstu' is not in ISA pg32; it is in pg32-pdp10 or pg32+jrstu (say which with .isa NAME before the first instruction)"]);
    expect(assemble('nop\n', 'p.s').image!.isa).toBeUndefined(); // not stated: not recorded
  });
  it('at most once, and before the first instruction', () => {
    expect(errs('.isa pg32\n.isa pg32-x86\nnop\n')).toEqual(['p.s:2:1: error: duplicate .isa (the first is on line 1)']);
    expect(errs('nop\n.isa pg32-x86\n')).toEqual(['p.s:2:1: error: .isa must come before the first instruction (line 1)']);
    // directives that emit no instruction may come first
    expect(errs('.equ N, 3\n.org 0x40\n.isa pg32-pdp10\njrstu r1\n')).toEqual([]);
  });
  it('an unknown name or a missing one is an error that says what is valid', () => {
    expect(errs('.isa pg33\nnop\n')[0]).toMatch(/^p\.s:1:6: error: unknown ISA 'pg33'; valid names: pg32, pg32-pdp10, pg32-x86/);
    expect(errs('.isa pg32+bogus\nnop\n')[0]).toMatch(/^p\.s:1:6: error: unknown extension 'bogus' in ISA 'pg32\+bogus'/);
    expect(errs('.isa\nnop\n')).toEqual(['p.s:1:1: error: .isa takes one ISA name (.isa pg32-x86)']);
  });
  it('an ISA asked for by the caller that names other extensions is one error naming both; the same set by another name is fine', () => {
    const x86 = isaOrThrow('pg32-x86');
    expect(errs('.isa pg32-x86\ngpsw r1\n', { isa: PG32, isaFrom: '--isa' })).toEqual(['p.s:1:6: error: the program says .isa pg32-x86 but --isa says pg32']);
    expect(errs('.isa pg32+gpsw+sflags+getr\ngpsw r1\n', { isa: x86 })).toEqual([]);
    // asked for, not stated: recorded as asked
    expect(assemble('gpsw r1\n', 'p.s', { isa: x86 }).image!.isa).toBe('pg32-x86');
  });
});

/** A version 1 file of the same image: no sections, version 1, length and CRC fixed up. */
function asVersion1(v2: Uint8Array): Uint8Array {
  const v = new DataView(v2.buffer, v2.byteOffset, v2.byteLength);
  // the last record of version 2 is the section list; an image without .isa has an empty one (one u32)
  const v1 = v2.slice(0, v2.length - 4);
  const d = new DataView(v1.buffer);
  expect(v.getUint32(v2.length - 4, true)).toBe(0);
  d.setUint32(8, 1, true);
  d.setUint32(12, v1.length, true);
  d.setUint32(16, crc32(v1, 20), true);
  return v1;
}

describe('the image records the ISA (format version 2)', () => {
  const withIsa = assemble('.isa pg32-pdp10\nstart: jrstu r1\n', 'p.s').image!;
  const plain = assemble('start: nop\nhalt\n', 'p.s').image!;

  it('writes version 2; the ISA survives a round trip', () => {
    const bytes = encodeImage(withIsa);
    expect(IMAGE_VERSION).toBe(2);
    expect(new DataView(bytes.buffer).getUint32(8, true)).toBe(2);
    const back = decodeImage(bytes, 'p.img');
    expect('error' in back).toBe(false);
    expect((back as typeof withIsa).isa).toBe('pg32-pdp10');
  });
  it('still reads version 1 images (no ISA recorded)', () => {
    const old = asVersion1(encodeImage(plain));
    const back = decodeImage(old, 'old.img');
    expect('error' in back).toBe(false);
    expect((back as typeof plain).segments[0]!.words).toEqual(plain.segments[0]!.words);
    expect((back as typeof plain).isa).toBeUndefined();
    const loaded = loadProgram(old, 'old.img');
    expect('isa' in loaded && loaded.isa.name).toBe('pg32');
  });
  it('skips a section it does not know (a later trapeze may add some)', () => {
    const bytes = encodeImage(plain);
    // replace the empty section list by one unknown section of 3 bytes
    const extra = new Uint8Array(bytes.length + 8 + 3);
    extra.set(bytes.subarray(0, bytes.length - 4));
    const d = new DataView(extra.buffer);
    let at = bytes.length - 4;
    d.setUint32(at, 1, true);
    d.setUint32((at += 4), 99, true);
    d.setUint32((at += 4), 3, true);
    extra.set([1, 2, 3], at + 4);
    d.setUint32(12, extra.length, true);
    d.setUint32(16, crc32(extra, 20), true);
    expect('error' in decodeImage(extra, 'p.img')).toBe(false);
  });
  it('loading: the recorded ISA, or the one asked for if it is the same set; another is refused naming both', () => {
    const bytes = encodeImage(withIsa);
    const own = loadProgram(bytes, 'p.img');
    expect('isa' in own && own.isa.name).toBe('pg32-pdp10');
    const same = loadProgram(bytes, 'p.img', isaOrThrow('pg32+jrstu'), '--isa');
    expect('isa' in same && sameIsa(same.isa, isaOrThrow('pg32-pdp10'))).toBe(true);
    expect(loadProgram(bytes, 'p.img', PG32, '--isa')).toEqual({ errors: ['p.img: the program is written for pg32-pdp10 (.isa), but --isa says pg32'] });
  });
  it('an image naming an ISA this trapeze does not know is refused with one line', () => {
    const bytes = encodeImage({ ...plain, isa: 'pg64' });
    expect(loadProgram(bytes, 'p.img')).toEqual({ errors: ["p.img: written for ISA 'pg64', which this trapeze does not know"] });
  });
});

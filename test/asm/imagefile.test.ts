import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeImage, encodeImage, IMAGE_VERSION } from '../../src/asm/imagefile.js';
import { loadProgram } from '../../src/asm/index.js';
import type { Image } from '../../src/image.js';
import { image } from './helpers.js';

const src = readFileSync(new URL('./fixtures/segments.s', import.meta.url), 'utf8');

const plain = (img: Image) => ({
  entry: img.entry,
  segments: img.segments.map((s) => [s.origin, [...s.words]]),
  symbols: [...img.symbols],
  labels: [...img.labels].sort(),
  sourceMap: [...img.sourceMap],
  sources: [...(img.sources ?? [])],
});

const bytes = encodeImage(image(src, 'segments.s'));

describe('image file', () => {
  it('round-trips an image exactly', () => {
    const img = image(src, 'segments.s');
    const back = decodeImage(encodeImage(img), 'x.img');
    expect('error' in back).toBe(false);
    expect(plain(back as Image)).toEqual(plain(img));
  });
  it('keeps .equ and label kinds apart, and negative constants', () => {
    const img = image('.equ K, -7\nstart: nop');
    const back = decodeImage(encodeImage(img), 'x.img') as Image;
    expect(back.symbols.get('K')).toBe(-7);
    expect(back.labels.has('K')).toBe(false);
    expect(back.labels.has('start')).toBe(true);
  });
  it('refuses a foreign file with one line', () => {
    expect(decodeImage(new TextEncoder().encode('hello world, not an image'), 'prog.img')).toEqual({ error: 'prog.img: not a trapeze image (bad magic number)' });
    expect(decodeImage(new Uint8Array(0), 'e.img')).toEqual({ error: 'e.img: not a trapeze image (bad magic number)' });
  });
  it('refuses every truncation', () => {
    for (const n of [8, 12, 23, 24, 100, bytes.length - 1]) {
      const r = decodeImage(bytes.slice(0, n), 'p.img');
      expect(r).toHaveProperty('error');
      expect((r as { error: string }).error).toMatch(/^p\.img: truncated trapeze image/);
    }
  });
  it('refuses a corrupted byte anywhere (checksum)', () => {
    for (const at of [20, 30, 60, bytes.length - 1]) {
      const b = bytes.slice();
      b[at]! ^= 0x40;
      expect((decodeImage(b, 'p.img') as { error: string }).error).toMatch(/^p\.img: corrupt trapeze image/);
    }
  });
  it('refuses another version', () => {
    const b = bytes.slice();
    new DataView(b.buffer).setUint32(8, IMAGE_VERSION + 1, true);
    expect(decodeImage(b, 'p.img')).toEqual({ error: `p.img: unsupported trapeze image version ${IMAGE_VERSION + 1} (this trapeze reads versions 1 and 2; a newer trapeze wrote it?)` });
  });
  it('refuses trailing bytes', () => {
    const b = new Uint8Array(bytes.length + 3);
    b.set(bytes);
    expect((decodeImage(b, 'p.img') as { error: string }).error).toMatch(/^p\.img: corrupt/);
  });
});

describe('loadProgram', () => {
  it('accepts an image file by its magic number, or assembly source', () => {
    const a = loadProgram(bytes, 'whatever.bin');
    expect('image' in a && a.image.entry).toBe(0x100);
    const b = loadProgram(new TextEncoder().encode(src), 'segments.s');
    expect('image' in b && b.image.entry).toBe(0x100);
  });
  it('returns assembly errors as formatted lines', () => {
    expect(loadProgram(new TextEncoder().encode('nop\nfrob\n'), 'bad.s')).toEqual({ errors: ["bad.s:2:1: error: unknown mnemonic 'frob'"] });
  });
  it('refuses a .img that is not an image', () => {
    expect(loadProgram(new TextEncoder().encode('nop'), 'x.img')).toEqual({ errors: ['x.img: not a trapeze image (bad magic number)'] });
    expect(loadProgram(new Uint8Array([0, 1, 2, 255]), 'x.bin')).toEqual({ errors: ['x.bin: not a trapeze image (bad magic number)'] });
  });
});

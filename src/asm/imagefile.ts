/**
 * The trapeze image file: a binary, self-checking container for an Image.
 * The format is documented in isa/IMAGE.md; keep the two in step.
 *
 * All integers little-endian.
 *
 *   header (24 bytes)
 *     0  magic     8 bytes  "TRAPEZE\x1a"
 *     8  version   u32      2 (version 1 files, without sections, are still read)
 *    12  length    u32      total file length in bytes
 *    16  crc32     u32      CRC-32 (IEEE) of bytes [20, length)
 *    20  entry     u32
 *   body
 *     u32 segment count; per segment: u32 origin, u32 word count, words (i32 each)
 *     u32 symbol count;  per symbol: u8 kind (0 label, 1 equ), f64 value, str name
 *     u32 file count;    per file: str name, u32 line count (0 = no text), str per line
 *     u32 map count;     per entry: u32 address, u32 file index, u32 line
 *     (version 2) u32 section count; per section: u32 tag, u32 byte length, bytes
 *       tag 1: the ISA the program is written for (UTF-8 name)
 *       other tags are skipped, so later versions can add sections old readers ignore
 *   str = u32 byte length + UTF-8 bytes
 */
import type { Image, Segment, SourceLine } from '../image.js';
import { CompactSourceMap, LazySourceLines } from './sourcemap.js';

export const IMAGE_MAGIC = new Uint8Array([0x54, 0x52, 0x41, 0x50, 0x45, 0x5a, 0x45, 0x1a]); // "TRAPEZE\x1a"
export const IMAGE_VERSION = 2;
/** Versions this reader accepts. */
const READS = [1, 2];
/** Section tags (version 2). */
const SECTION = { ISA: 1 } as const;
const HEADER = 24;

/** CRC-32 tables for slicing by four: T[k][b] is the CRC of byte b followed by k zero bytes. */
const CRC_TABLE = (() => {
  const t = new Int32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 4; k++) t[k * 256 + n] = t[t[(k - 1) * 256 + n]! & 0xff]! ^ (t[(k - 1) * 256 + n]! >>> 8);
  return t;
})();

/** CRC-32 (IEEE) of bytes [from, to), four bytes a step (a large image is tens of megabytes). */
export function crc32(bytes: Uint8Array, from = 0, to = bytes.length): number {
  const T = CRC_TABLE;
  let c = -1;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = T[768 + (c & 0xff)]! ^ T[512 + ((c >>> 8) & 0xff)]! ^ T[256 + ((c >>> 16) & 0xff)]! ^ T[c >>> 24]!;
  }
  for (; i < to; i++) c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** True if `bytes` starts with the image magic number. */
export function isImageFile(bytes: Uint8Array): boolean {
  if (bytes.length < IMAGE_MAGIC.length) return false;
  for (let i = 0; i < IMAGE_MAGIC.length; i++) if (bytes[i] !== IMAGE_MAGIC[i]) return false;
  return true;
}

/** Appends little-endian fields to a growing buffer. */
export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  /** `capacity`: the bytes expected (a good guess saves copying a large image as the buffer grows) */
  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }
  /** make room for n more bytes (then write through `view` from `pos`) */
  reserve(n: number): void {
    this.room(n);
  }
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf);
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.pos, v | 0, true);
    this.pos += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  str(s: string): void {
    this.strRange(s, 0, s.length);
  }
  /** s[from, to) as a str: UTF-8 straight into the buffer (ASCII byte by byte), its length before it */
  strRange(s: string, from: number, to: number): void {
    this.room(4 + 3 * (to - from)); // at most 3 bytes per UTF-16 unit
    const b = this.buf;
    const start = this.pos + 4;
    let p = start;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        p = start + enc.encodeInto(s.slice(from, to), b.subarray(start)).written;
        break;
      }
      b[p++] = c;
    }
    this.view.setUint32(this.pos, p - start, true);
    this.pos = p;
  }
  /** n little-endian words at once */
  words(w: ArrayLike<number>): void {
    this.room(4 * w.length);
    const v = this.view;
    let p = this.pos;
    for (let i = 0; i < w.length; i++, p += 4) v.setInt32(p, w[i]! | 0, true);
    this.pos = p;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeImage(image: Image): Uint8Array {
  const w = new Writer(sizeGuess(image));
  w.bytes(IMAGE_MAGIC);
  w.u32(IMAGE_VERSION);
  w.u32(0); // length, patched
  w.u32(0); // crc, patched
  w.u32(image.entry);
  w.u32(image.segments.length);
  for (const s of image.segments) {
    w.u32(s.origin);
    w.u32(s.words.length);
    w.words(s.words);
  }
  w.u32(image.symbols.size);
  for (const [name, value] of image.symbols) {
    w.u8(image.labels.has(name) ? 0 : 1);
    w.f64(value);
    w.str(name);
  }
  // files: those named by the source map, plus those with text
  const files: string[] = [];
  const fileIdx = new Map<string, number>();
  const addFile = (f: string) => {
    if (!fileIdx.has(f)) {
      fileIdx.set(f, files.length);
      files.push(f);
    }
  };
  for (const f of image.sources?.keys() ?? []) addFile(f);
  // The assembler's own maps (one file, lines per word in typed arrays) are written without an object per entry.
  const compact = image.sourceMap instanceof CompactSourceMap ? image.sourceMap : undefined;
  const entries: [number, SourceLine][] = [];
  if (compact) addFile(compact.file);
  else {
    for (const e of image.sourceMap) {
      addFile(e[1].file);
      entries.push(e);
    }
  }
  w.u32(files.length);
  for (const f of files) {
    w.str(f);
    if (image.sources instanceof LazySourceLines && image.sources.file === f) {
      image.sources.writeLines(w);
      continue;
    }
    const text = image.sources?.get(f);
    w.u32(text?.length ?? 0);
    for (const line of text ?? []) w.str(line);
  }
  if (compact) {
    w.u32(compact.size);
    const file = fileIdx.get(compact.file)!;
    w.reserve(12 * compact.size);
    const v = w.view;
    let p = w.pos;
    compact.forEachLine((addr, line) => {
      v.setUint32(p, addr, true);
      v.setUint32(p + 4, file, true);
      v.setUint32(p + 8, line, true);
      p += 12;
    });
    w.pos = p;
  } else {
    w.u32(entries.length);
    for (const [addr, loc] of entries) {
      w.u32(addr);
      w.u32(fileIdx.get(loc.file)!);
      w.u32(loc.line);
    }
  }
  const sections: [number, Uint8Array][] = [];
  if (image.isa !== undefined) sections.push([SECTION.ISA, enc.encode(image.isa)]);
  w.u32(sections.length);
  for (const [tag, body] of sections) {
    w.u32(tag);
    w.u32(body.length);
    w.bytes(body);
  }
  const out = w.buf.subarray(0, w.pos);
  const v = new DataView(out.buffer);
  v.setUint32(12, out.length, true);
  v.setUint32(16, crc32(out, 20), true);
  return out;
}

/** The image's size in bytes, about: its words, symbols, source map and (ASCII) source text. */
function sizeGuess(image: Image): number {
  let n = 1024;
  for (const s of image.segments) n += 8 + 4 * s.words.length;
  for (const name of image.symbols.keys()) n += 13 + name.length;
  n += 12 * image.sourceMap.size;
  if (image.sources instanceof LazySourceLines) n += image.sources.textLength + (image.sources.textLength >> 2);
  return n;
}

/** A structural problem in a file being decoded: becomes the one-line refusal. */
export class Corrupt extends Error {}

/** A little-endian reader that refuses to run past the end (also used by src/snapshot/format.ts). */
export class Reader {
  pos = HEADER;
  constructor(
    readonly b: Uint8Array,
    readonly v: DataView,
  ) {}
  need(n: number): void {
    if (n < 0 || this.pos + n > this.b.length) throw new Corrupt('a record runs past the end of the file');
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  u32(): number {
    this.need(4);
    const x = this.v.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }
  i32(): number {
    this.need(4);
    const x = this.v.getInt32(this.pos, true);
    this.pos += 4;
    return x;
  }
  f64(): number {
    this.need(8);
    const x = this.v.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }
  str(): string {
    const n = this.u32();
    this.need(n);
    const s = dec.decode(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  count(each: number): number {
    const n = this.u32();
    if (n * each > this.b.length - this.pos) throw new Corrupt('a count is larger than the file');
    return n;
  }
}

/**
 * Decode an image file. Truncated, corrupt, foreign and wrong-version files
 * are refused with one line naming `name`.
 */
export function decodeImage(bytes: Uint8Array, name: string): Image | { error: string } {
  const fail = (why: string) => ({ error: `${name}: ${why}` });
  if (!isImageFile(bytes)) return fail('not a trapeze image (bad magic number)');
  if (bytes.length < HEADER) return fail(`truncated trapeze image (${bytes.length} bytes, the header alone is ${HEADER})`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (!READS.includes(version)) return fail(`unsupported trapeze image version ${version} (this trapeze reads versions ${READS.join(' and ')}; a newer trapeze wrote it?)`);
  const length = v.getUint32(12, true);
  if (bytes.length < length) return fail(`truncated trapeze image (${bytes.length} of ${length} bytes)`);
  if (bytes.length > length) return fail(`corrupt trapeze image (${bytes.length - length} unexpected bytes after the end)`);
  if (crc32(bytes, 20) !== v.getUint32(16, true)) return fail('corrupt trapeze image (checksum mismatch)');
  try {
    const r = new Reader(bytes, v);
    const entry = v.getUint32(20, true);
    const segments: Segment[] = [];
    const nseg = r.count(8);
    let end = -1;
    for (let i = 0; i < nseg; i++) {
      const origin = r.u32();
      const n = r.count(4);
      if (origin < end) throw new Corrupt('segments overlap or are out of order');
      if (origin + n > 0x1_0000_0000) throw new Corrupt('a segment runs past the 32-bit address space');
      const words = new Int32Array(n);
      for (let k = 0; k < n; k++) words[k] = r.i32();
      segments.push({ origin, words });
      end = origin + n;
    }
    const symbols = new Map<string, number>();
    const labels = new Set<string>();
    const nsym = r.count(13);
    for (let i = 0; i < nsym; i++) {
      const kind = r.u8();
      const value = r.f64();
      const sname = r.str();
      if (kind > 1 || !Number.isInteger(value)) throw new Corrupt(`bad symbol record '${sname}'`);
      symbols.set(sname, value);
      if (kind === 0) labels.add(sname);
    }
    const files: string[] = [];
    const sources = new Map<string, string[]>();
    const nfiles = r.count(8);
    for (let i = 0; i < nfiles; i++) {
      const f = r.str();
      files.push(f);
      const nl = r.count(4);
      if (nl > 0) {
        const lines: string[] = new Array(nl);
        for (let k = 0; k < nl; k++) lines[k] = r.str();
        sources.set(f, lines);
      }
    }
    const sourceMap = new Map<number, SourceLine>();
    const nmap = r.count(12);
    const locs = new Map<string, SourceLine>();
    for (let i = 0; i < nmap; i++) {
      const addr = r.u32();
      const fi = r.u32();
      const line = r.u32();
      const file = files[fi];
      if (file === undefined) throw new Corrupt('a source map entry names a file that is not there');
      const key = fi + ':' + line;
      let loc = locs.get(key);
      if (!loc) locs.set(key, (loc = { file, line }));
      sourceMap.set(addr, loc);
    }
    let isa: string | undefined;
    if (version >= 2) {
      const nsec = r.count(8);
      for (let i = 0; i < nsec; i++) {
        const tag = r.u32();
        const n = r.u32();
        r.need(n);
        const body = bytes.subarray(r.pos, r.pos + n);
        r.pos += n;
        if (tag === SECTION.ISA) {
          if (isa !== undefined) throw new Corrupt('two ISA sections');
          isa = dec.decode(body);
        }
      }
    }
    if (r.pos !== bytes.length) throw new Corrupt('unexpected bytes after the last record');
    return { entry, segments, symbols, labels, sourceMap, sources, ...(isa !== undefined ? { isa } : {}) };
  } catch (e) {
    if (e instanceof Corrupt) return fail(`corrupt trapeze image (${e.message})`);
    if (e instanceof TypeError) return fail('corrupt trapeze image (bad UTF-8 text)');
    throw e;
  }
}

/**
 * A compact address → source line map for one source file: per segment, an
 * Int32Array of line numbers (0 = no source line). An assembler run over a
 * large file would otherwise build a Map entry and an object per word.
 * It implements ReadonlyMap, so it is a drop-in `Image.sourceMap`.
 */
import type { SourceLine } from '../image.js';
import { SourceMapView } from '../sourcemaps.js';

export interface LineRun {
  readonly origin: number;
  /** line per word from `origin`; 0 = unknown */
  readonly lines: Int32Array;
}

export class CompactSourceMap extends SourceMapView {
  readonly size: number;
  private readonly runs: LineRun[];

  /** `runs` must not overlap */
  constructor(
    readonly file: string,
    runs: readonly LineRun[],
  ) {
    super();
    this.runs = [...runs].filter((r) => r.lines.length > 0).sort((a, b) => a.origin - b.origin);
    let n = 0;
    for (const r of this.runs) for (const l of r.lines) if (l > 0) n++;
    this.size = n;
  }

  private lineAt(addr: number): number {
    const rs = this.runs;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid]!;
      if (addr < r.origin) hi = mid - 1;
      else if (addr >= r.origin + r.lines.length) lo = mid + 1;
      else return r.lines[addr - r.origin]!;
    }
    return 0;
  }

  get(addr: number): SourceLine | undefined {
    const line = this.lineAt(addr);
    return line > 0 ? { file: this.file, line } : undefined;
  }

  /** without building the SourceLine get() returns */
  override has(addr: number): boolean {
    return this.lineAt(addr) > 0;
  }

  *entries(): MapIterator<[number, SourceLine]> {
    for (const r of this.runs)
      for (let i = 0; i < r.lines.length; i++) {
        const line = r.lines[i]!;
        if (line > 0) yield [r.origin + i, { file: this.file, line }];
      }
  }

  /** Every (address, line) in address order, without an object per entry (the image writer's path). */
  forEachLine(fn: (addr: number, line: number) => void): void {
    for (const r of this.runs)
      for (let i = 0; i < r.lines.length; i++) {
        const line = r.lines[i]!;
        if (line > 0) fn(r.origin + i, line);
      }
  }
}

/** Where LazySourceLines writes its lines (the image writer). */
export interface LineSink {
  u32(v: number): void;
  str(s: string): void;
  strRange(s: string, from: number, to: number): void;
}

/**
 * `Image.sources` for one file: the source split into lines on first use
 * (a listing or an error display needs them; assembling a large file should
 * not build and keep a string per line that nobody reads).
 */
export class LazySourceLines implements ReadonlyMap<string, readonly string[]> {
  readonly size = 1;
  private lines: readonly string[] | undefined;

  constructor(
    readonly file: string,
    private readonly source: string,
  ) {}

  private all(): readonly string[] {
    return (this.lines ??= this.source.split(/\r\n|\r|\n/));
  }

  /** UTF-16 units of the whole text */
  get textLength(): number {
    return this.source.length;
  }

  /** The line count, then each line, as the image file stores them: without an array of a million strings if nobody split them yet. */
  writeLines(w: LineSink): void {
    if (this.lines) {
      w.u32(this.lines.length);
      for (const l of this.lines) w.str(l);
      return;
    }
    const src = this.source;
    let count = 1;
    for (let i = 0; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (c === 10) count++;
      else if (c === 13) {
        count++;
        if (src.charCodeAt(i + 1) === 10) i++;
      }
    }
    w.u32(count);
    let start = 0;
    for (let i = 0; i <= src.length; i++) {
      const c = i < src.length ? src.charCodeAt(i) : 10;
      if (c !== 10 && c !== 13) continue;
      w.strRange(src, start, i);
      if (c === 13 && src.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }

  get(file: string): readonly string[] | undefined {
    return file === this.file ? this.all() : undefined;
  }

  has(file: string): boolean {
    return file === this.file;
  }

  *entries(): MapIterator<[string, readonly string[]]> {
    yield [this.file, this.all()];
  }

  *keys(): MapIterator<string> {
    yield this.file;
  }

  *values(): MapIterator<readonly string[]> {
    yield this.all();
  }

  [Symbol.iterator](): MapIterator<[string, readonly string[]]> {
    return this.entries();
  }

  forEach(fn: (value: readonly string[], key: string, map: ReadonlyMap<string, readonly string[]>) => void, thisArg?: unknown): void {
    fn.call(thisArg, this.all(), this.file, this);
  }
}

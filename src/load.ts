/**
 * Loading several programs into one machine, the way a monitor's loader
 * would: the main program at its own addresses, each extra program shifted
 * to a physical offset, and a boot table in the main program's storage that
 * tells it where each one lies, how big it is, where it starts and how much
 * storage is its to give. isa/BOOT.md is the reference for the table.
 *
 * The result is one Image, so everything that runs images (the bare
 * machine, the VMM, equiv, the debugger) takes it unchanged.
 *
 * Nesting. A program loaded with a partition size (`FILE@ADDR:SIZE`) owns
 * the storage ADDR..ADDR+SIZE−1, and programs loaded inside it are *its*
 * guests: a monitor that starts it writes their table into its partition,
 * by the same rules (this is how type1.s runs type1.s). The loader checks
 * that every level's layout works before anything runs.
 *
 * No Node here: callers assemble or read the images.
 */
import { imageEnd, type Image, type Segment, type SourceLine } from './image.js';
import { LOW } from './isa/table.js';
import { SourceMapView } from './sourcemaps.js';

/** The boot table's layout (isa/BOOT.md). */
export const BOOT = {
  /** low-storage word that holds the table's address (0: no table) */
  POINTER: 12,
  /** 'PGBT' */
  MAGIC: 0x50474254,
  /** words before the first entry: magic, count, storage words, entry size */
  HEADER: 4,
  /** words per entry: origin, size, start, partition, name */
  ENTRY: 16,
  /** the name field: up to NAME − 1 characters, one per word, then 0 */
  NAME: 12,
  /** at most this many programs */
  MAX: 64,
} as const;

/** One `--load FILE@ADDR[:SIZE]`. */
export interface LoadSpec {
  /** the argument as the user wrote it, for messages */
  readonly arg: string;
  /** the name the table gives it (unique, at most BOOT.NAME − 1 characters) */
  readonly name: string;
  readonly image: Image;
  /** physical address of the program's word 0 */
  readonly at: number;
  /** storage it owns from `at` (declared), or undefined: up to the next program */
  readonly partition?: number;
}

/** One entry of a boot table, as the program reading it sees it. */
export interface BootEntry {
  readonly name: string;
  readonly origin: number;
  readonly size: number;
  readonly start: number;
  readonly partition: number;
}

export interface Layout {
  /** the main program, the loaded programs and the boot table, as one image */
  readonly image: Image;
  /** the top-level table (all programs, in address order) */
  readonly entries: readonly BootEntry[];
  /** physical address of the table */
  readonly table: number;
}

/** `FILE@ADDR` or `FILE@ADDR:SIZE` (ADDR, SIZE decimal or 0x hex; _ allowed). */
export function parseLoadArg(arg: string): { path: string; at: number; partition?: number } | { error: string } {
  const i = arg.lastIndexOf('@');
  if (i <= 0) return { error: `'${arg}' is not FILE@ADDR (e.g. programs/hello.s@0x8000)` };
  const path = arg.slice(0, i);
  const [addr, size, extra] = arg.slice(i + 1).split(':');
  const num = (s: string | undefined): number => {
    const t = (s ?? '').replace(/_/g, '');
    return /^(0x[0-9a-f]+|\d+)$/i.test(t) ? Number(t) : NaN;
  };
  const at = num(addr);
  if (!Number.isSafeInteger(at) || extra !== undefined) return { error: `'${arg}': the address must be a number, decimal or 0x hex, optionally followed by :SIZE (e.g. hello.s@0x8000 or type1.s@0x10000:0x20000)` };
  if (size === undefined) return { path, at };
  const partition = num(size);
  if (!Number.isSafeInteger(partition)) return { error: `'${arg}': the partition size after ':' must be a number, decimal or 0x hex` };
  return { path, at, partition };
}

/** Unique table names from file names: hello, hello-2, … (at most BOOT.NAME − 1 characters). */
export function loadNames(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const base = (p.split(/[\\/]/).pop() ?? p).replace(/\.(s|img)$/i, '').slice(0, BOOT.NAME - 1) || 'program';
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    if (k === 1) return base;
    const suffix = `-${k}`;
    return base.slice(0, BOOT.NAME - 1 - suffix.length) + suffix;
  });
}

/** Words a table of `n` entries takes. */
export const tableWords = (n: number): number => BOOT.HEADER + BOOT.ENTRY * n;

interface Placed {
  readonly spec: LoadSpec;
  readonly origin: number;
  readonly size: number;
  /** first and last+1 physical word the image occupies */
  readonly lo: number;
  readonly hi: number;
  partition: number;
  parent: Placed | undefined;
  readonly children: Placed[];
}

const hex = (n: number) => '0x' + n.toString(16);
const span = (lo: number, hi: number) => `words ${hex(lo)}..${hex(hi - 1)}`;

/**
 * Lay out `main` and `loads` in a storage of `memWords` words. Errors are
 * one line each, naming the `--load` argument at fault.
 */
export function layout(main: Image, loads: readonly LoadSpec[], memWords: number): Layout | { error: string } {
  if (loads.length > BOOT.MAX) return { error: `at most ${BOOT.MAX} programs can be loaded, not ${loads.length}` };
  const mainEnd = imageEnd(main);
  for (const s of main.segments) {
    if (s.origin <= BOOT.POINTER && BOOT.POINTER < s.origin + s.words.length) {
      return { error: `the main program has a word at address ${BOOT.POINTER}, which --load needs for the boot table's address (isa/BOOT.md)` };
    }
  }
  const table = memWords - tableWords(loads.length);
  if (mainEnd > table) return { error: `the main program (${mainEnd} words) and a boot table of ${loads.length} entries do not fit in ${memWords} words of storage (try a larger --mem)` };

  const placed: Placed[] = [];
  for (const spec of loads) {
    const size = imageEnd(spec.image);
    let lo = Infinity;
    let hi = 0;
    for (const s of spec.image.segments) {
      if (s.words.length === 0) continue;
      lo = Math.min(lo, spec.at + s.origin);
      hi = Math.max(hi, spec.at + s.origin + s.words.length);
    }
    if (hi === 0) lo = hi = spec.at;
    const what = `--load ${spec.arg}`;
    if (spec.at < LOW.LOAD_ORIGIN) return { error: `${what}: address ${spec.at} is in low storage (words 0..${LOW.LOAD_ORIGIN - 1} belong to the machine); use ${LOW.LOAD_ORIGIN} or more` };
    if (spec.partition !== undefined && spec.partition < LOW.LOAD_ORIGIN) return { error: `${what}: a partition of ${spec.partition} words cannot hold even low storage (${LOW.LOAD_ORIGIN} words)` };
    if (spec.partition !== undefined && spec.partition < size) return { error: `${what}: the program needs ${size} words (its highest address + 1), more than its partition of ${spec.partition}` };
    const end = spec.at + Math.max(size, spec.partition ?? 0);
    if (end > table) {
      return { error: `${what}: ${span(spec.at, end)} do not fit below the boot table at ${hex(table)} (storage is ${memWords} words; try a larger --mem or a lower address)` };
    }
    if (lo < mainEnd && hi > 0 && overlapsImage(main, lo, hi)) return { error: `${what}: ${span(lo, hi)} overlap the main program (${span(0, mainEnd)})` };
    placed.push({ spec, origin: spec.at, size, lo, hi, partition: spec.partition ?? 0, parent: undefined, children: [] });
  }

  // Images must not share a word.
  for (let i = 0; i < placed.length; i++)
    for (let j = i + 1; j < placed.length; j++) {
      const a = placed[i]!;
      const b = placed[j]!;
      if (a.lo < b.hi && b.lo < a.hi && imagesOverlap(a, b)) return { error: `--load ${b.spec.arg}: its words overlap those of --load ${a.spec.arg}` };
    }

  // Declared partitions nest or are apart; each program's parent is the smallest one around it.
  const declared = placed.filter((p) => p.spec.partition !== undefined);
  for (const a of declared)
    for (const b of declared) {
      if (a === b) continue;
      const aEnd = a.origin + a.partition;
      const bEnd = b.origin + b.partition;
      const partial = a.origin < b.origin && b.origin < aEnd && bEnd > aEnd;
      if (partial || (a.origin === b.origin && a.partition >= b.partition && placed.indexOf(a) < placed.indexOf(b))) {
        return { error: `--load ${b.spec.arg}: its partition (${span(b.origin, bEnd)}) must lie inside or outside that of --load ${a.spec.arg} (${span(a.origin, aEnd)}), not across its edge` };
      }
    }
  for (const p of placed) {
    let best: Placed | undefined;
    for (const d of declared) {
      if (d !== p && d.origin < p.origin && p.origin < d.origin + d.partition && (!best || d.partition < best.partition)) best = d;
    }
    p.parent = best;
    if (best) best.children.push(p);
    else if (p.origin < mainEnd) return { error: `--load ${p.spec.arg}: address ${hex(p.origin)} is inside the main program (${span(0, mainEnd)})` };
  }

  // Each level's own table sits at the top of its storage; undeclared partitions reach the next program.
  const descendants = (p: Placed): number => p.children.reduce((n, c) => n + 1 + descendants(c), 0);
  const levelEnd = (parent: Placed | undefined) => (parent ? parent.origin + parent.partition - tableWords(descendants(parent)) : table);
  const byOrigin = [...placed].sort((a, b) => a.origin - b.origin);
  for (const p of byOrigin) {
    let limit = levelEnd(p.parent);
    // At the top level the main program's own words (past a .org) are in the way too.
    if (!p.parent) for (const s of main.segments) if (s.words.length && s.origin > p.origin && s.origin < limit) limit = s.origin;
    const next = byOrigin.find((q) => q.parent === p.parent && q.origin > p.origin);
    const end = Math.min(limit, next ? next.origin : limit);
    const what = `--load ${p.spec.arg}`;
    if (p.spec.partition === undefined) p.partition = end - p.origin;
    if (p.origin + p.partition > end || p.hi > p.origin + p.partition) {
      const over = p.origin + Math.max(p.partition, p.size);
      const whose =
        next && next.origin < over
          ? `--load ${next.spec.arg}`
          : p.parent
            ? `the boot table of --load ${p.parent.spec.arg}'s guests (${span(limit, p.parent.origin + p.parent.partition)})`
            : limit < table
              ? `the main program's words at ${hex(limit)}`
              : `the boot table (${span(table, memWords)})`;
      return { error: `${what}: ${span(p.origin, p.origin + Math.max(p.partition, p.size))} run into ${whose}` };
    }
    if (p.partition < LOW.LOAD_ORIGIN) return { error: `${what}: only ${p.partition} words are left for it before the next program` };
    if (p.children.length > 0 && p.hi > levelEnd(p)) return { error: `${what}: its own words run into the boot table of its guests at ${hex(levelEnd(p))}` };
  }

  const entries: BootEntry[] = byOrigin.map((p) => ({ name: p.spec.name, origin: p.origin, size: p.size, start: p.origin + p.spec.image.entry, partition: p.partition }));
  const tableWordsArr = encodeTable(entries, memWords);
  const segments: Segment[] = [...main.segments, { origin: BOOT.POINTER, words: Int32Array.of(table) }];
  for (const p of placed) for (const s of p.spec.image.segments) segments.push({ origin: p.origin + s.origin, words: s.words });
  segments.push({ origin: table, words: tableWordsArr });
  segments.sort((a, b) => a.origin - b.origin);

  const image: Image = {
    entry: main.entry,
    segments,
    symbols: main.symbols,
    labels: main.labels,
    sourceMap: new LoadedSourceMap(main.sourceMap, placed.map((p) => ({ origin: p.origin, end: p.origin + p.size, map: p.spec.image.sourceMap }))),
    sources: mergeSources([main, ...placed.map((p) => p.spec.image)]),
  };
  return { image, entries, table };
}

/** The table's words (isa/BOOT.md): header, then the entries in address order. */
export function encodeTable(entries: readonly BootEntry[], memWords: number): Int32Array {
  const w = new Int32Array(tableWords(entries.length));
  w[0] = BOOT.MAGIC;
  w[1] = entries.length;
  w[2] = memWords;
  w[3] = BOOT.ENTRY;
  entries.forEach((e, k) => {
    const at = BOOT.HEADER + BOOT.ENTRY * k;
    w[at] = e.origin;
    w[at + 1] = e.size;
    w[at + 2] = e.start;
    w[at + 3] = e.partition;
    const bytes = new TextEncoder().encode(e.name).slice(0, BOOT.NAME - 1);
    w.set(bytes, at + 4);
  });
  return w;
}

/** Read a boot table back from storage (tests, the debugger): undefined if there is none. */
export function readTable(mem: Int32Array): { entries: BootEntry[]; memWords: number; table: number } | undefined {
  const t = mem[BOOT.POINTER]! >>> 0;
  if (t === 0 || t + BOOT.HEADER > mem.length || mem[t] !== BOOT.MAGIC) return undefined;
  const n = mem[t + 1]!;
  const entries: BootEntry[] = [];
  for (let k = 0; k < n; k++) {
    const at = t + BOOT.HEADER + BOOT.ENTRY * k;
    const chars: number[] = [];
    for (let c = 0; c < BOOT.NAME && mem[at + 4 + c]; c++) chars.push(mem[at + 4 + c]!);
    entries.push({ origin: mem[at]!, size: mem[at + 1]!, start: mem[at + 2]!, partition: mem[at + 3]!, name: new TextDecoder().decode(Uint8Array.from(chars)) });
  }
  return { entries, memWords: mem[t + 2]!, table: t };
}

function overlapsImage(img: Image, lo: number, hi: number): boolean {
  return img.segments.some((s) => s.origin < hi && lo < s.origin + s.words.length);
}

function imagesOverlap(a: Placed, b: Placed): boolean {
  for (const s of a.spec.image.segments) {
    const lo = a.origin + s.origin;
    const hi = lo + s.words.length;
    for (const t of b.spec.image.segments) {
      const tlo = b.origin + t.origin;
      if (tlo < hi && lo < tlo + t.words.length) return true;
    }
  }
  return false;
}

function mergeSources(images: readonly Image[]): ReadonlyMap<string, readonly string[]> {
  const m = new Map<string, readonly string[]>();
  for (const img of images) for (const [k, v] of img.sources ?? []) if (!m.has(k)) m.set(k, v);
  return m;
}

/** Source lines of the combined image: the main program's, then each loaded program's at its offset. */
class LoadedSourceMap extends SourceMapView {
  constructor(
    private readonly main: ReadonlyMap<number, SourceLine>,
    private readonly loaded: readonly { origin: number; end: number; map: ReadonlyMap<number, SourceLine> }[],
  ) {
    super();
  }

  get size(): number {
    return this.main.size + this.loaded.reduce((n, l) => n + l.map.size, 0);
  }

  get(addr: number): SourceLine | undefined {
    for (const l of this.loaded) if (addr >= l.origin && addr < l.end) return l.map.get(addr - l.origin);
    return this.main.get(addr);
  }

  *entries(): MapIterator<[number, SourceLine]> {
    yield* this.main.entries();
    for (const l of this.loaded) for (const [a, s] of l.map) yield [a + l.origin, s];
  }
}

/**
 * One CPU's translated code: which physical words are hot, which are
 * entries of a translated region, which are covered by one (a bitmap the
 * stores check), and which keep being rewritten.
 *
 * Bookkeeping is per physical word, in typed arrays as large as storage
 * (the operating system maps their pages only when touched, so a gigaword
 * machine pays for the pages its code lies in): nothing aliases, between
 * partitions or anywhere else, and nothing is a JS array indexed by address
 * (which V8 would turn into a dictionary above 2^25 elements).
 *
 *   ent[p]   0 .. HOT_AT−1   taken branches to p so far
 *            HOT_AT          p was hot but could not be translated (not tried again until reset)
 *            ENTRY + id      p starts block pk[id] of the region placed as pl[id]
 *   code     bit p set: word p belongs to a live translation
 *
 * A region placed at some address is a Placement; its function (the Region)
 * is shared with every other placement of the same code (translate.ts).
 */
import { FIELDS } from '../isa/table.js';
import { layout, runtimeField, templateFor, translatedAt, type Region, type RegionFn, type Surroundings } from './translate.js';

const OP_SHIFT = FIELDS.op[1];

/** A branch target becomes hot, and is translated, after this many taken branches to it. */
export const HOT_AT = 16;
/** ent[] values from here up name a translated entry */
export const ENTRY = HOT_AT + 1;
/**
 * A word whose translation has been dropped this many times, because the
 * program rewrote it, is volatile: from then on it is translated with the
 * rewritten field read at run time, if only that field changed (see
 * translate.ts), or it is left to the interpreter (until reset).
 */
export const VOLATILE_AT = 2;
/** More live placements than this and the cache starts over (a runaway code generator cannot grow it without end). */
const MAX_PLACEMENTS = 1 << 16;
/** bookkeeping pages (for clearing the hot counters on reset), in words */
const PAGE_SHIFT = 10;
/** the epoch stays a small integer: at this value every block is checked again and it starts over */
export const EPOCH_WRAP = 1 << 30;

/** A region at a physical address, in this CPU. */
export interface Placement {
  readonly region: Region;
  readonly fn: RegionFn;
  /** physical address of the region's first word; it covers [lo, hi) */
  readonly p0: number;
  readonly lo: number;
  readonly hi: number;
  /** per block: the CPU epoch in which its words were last compared with storage */
  readonly V: Int32Array;
  /** the entry id of each head */
  readonly ids: Int32Array;
  dead: boolean;
}

export class CodeCache implements Surroundings {
  readonly ent: Int32Array;
  /** bit p: word p is part of a live translation (stores into it must drop the translation) */
  readonly code: Int32Array;
  /** by entry id: the placement and the block the entry starts */
  readonly pl: Placement[] = [];
  readonly pk: number[] = [];
  private readonly freeIds: number[] = [];
  private live = 0;
  /** placements by the bookkeeping page they cover (for invalidation) */
  private readonly owners = new Map<number, Placement[]>();
  /** invalidating writes per word, for the words that had any, and the bits they changed */
  private readonly rewrites = new Map<number, number>();
  private readonly changedBits = new Map<number, number>();
  /** bookkeeping pages whose hot counters are not all zero */
  private readonly touched = new Set<number>();

  /** counts since construction (for tests and --stats) */
  translations = 0;
  invalidations = 0;

  constructor(
    readonly E: Int32Array,
    readonly reserved: Int32Array,
    code: Int32Array,
  ) {
    this.ent = new Int32Array(E.length);
    this.code = code;
  }

  rewritten(p: number): number {
    if ((this.rewrites.get(p) ?? 0) < VOLATILE_AT) return 0;
    const f = runtimeField(this.E[p]! >>> OP_SHIFT);
    return f !== 0 && (this.changedBits.get(p)! & ~f) === 0 ? f : -1;
  }

  covered(p: number): boolean {
    return this.ent[p]! >= ENTRY;
  }

  /** A first taken branch into a bookkeeping page: remember it, so reset can clear its counters. */
  touch(p: number): void {
    this.touched.add(p >>> PAGE_SHIFT);
  }

  /**
   * The first taken branch to p: remember its page (reset clears it), and
   * if this process has translated the code entered at p before (another
   * machine, another partition, an earlier run), place that translation
   * here now (translate.ts translatedAt). Returns true if p is now an entry.
   * Not while any word of this CPU keeps being rewritten: those words are
   * translated differently here (rewritten()), so such code waits to be hot.
   */
  first(p: number): boolean {
    this.touch(p);
    if (this.rewrites.size !== 0) return false;
    const region = translatedAt(this, p);
    if (region === undefined) return false;
    this.place(region, p - region.heads[0]!);
    return true;
  }

  /**
   * p has become hot (ent[p] reached HOT_AT): translate the region entered
   * there. Returns true if p is now an entry. `env` shapes the region
   * instead of this cache: the checker (src/checker/translated.ts) passes
   * one that admits the word at p alone, to run one instruction translated.
   */
  hot(p: number, env: Surroundings = this): boolean {
    this.touch(p);
    const shape = layout(env, p);
    if (shape === undefined) return false; // ent[p] stays HOT_AT: not tried again until reset
    this.place(templateFor(env, shape), shape.p0);
    return true;
  }

  /** Place a translated region at p0: its heads become entries, its words are marked. */
  private place(region: Region, p0: number): void {
    if (this.live >= MAX_PLACEMENTS) this.flush();
    const nh = region.heads.length;
    const placed: Placement = {
      region,
      fn: region.fn,
      p0,
      lo: p0,
      hi: p0 + region.span,
      V: new Int32Array(nh),
      ids: new Int32Array(nh),
      dead: false,
    };
    for (let j = 0; j < nh; j++) {
      const id = this.freeIds.length ? this.freeIds.pop()! : this.pl.length;
      this.pl[id] = placed;
      this.pk[id] = j;
      placed.ids[j] = id;
      const s = placed.p0 + region.heads[j]!;
      // A head another region already enters stays that region's entry.
      if (this.ent[s]! < ENTRY) {
        if (this.ent[s] === 0) this.touch(s);
        this.ent[s] = ENTRY + id;
      }
    }
    this.mark(placed);
    for (let g = placed.lo >>> PAGE_SHIFT; g <= (placed.hi - 1) >>> PAGE_SHIFT; g++) {
      let o = this.owners.get(g);
      if (!o) this.owners.set(g, (o = []));
      o.push(placed);
    }
    this.live++;
    this.translations++;
  }

  /**
   * A store (by the running guest) hit word p of translated code: drop every
   * translation covering it. A word rewritten again and again becomes
   * volatile: the code around it is translated without it, and it is
   * interpreted.
   */
  written(p: number): void {
    const o = this.owners.get(p >>> PAGE_SHIFT);
    let was: number | undefined;
    if (o) {
      for (const pl of [...o]) {
        if (!covers(pl, p)) continue;
        was = pl.region.W[p - pl.p0]!; // the word as translated (a field read at run time is 0 there)
        this.kill(pl);
      }
    }
    this.rewrites.set(p, (this.rewrites.get(p) ?? 0) + 1);
    if (was !== undefined) this.changedBits.set(p, (this.changedBits.get(p) ?? 0) | (was ^ this.E[p]!));
  }

  /** A block of `pl` found its words changed (storage written while the CPU was not running): drop it. */
  changed(pl: Placement): void {
    if (!pl.dead) this.kill(pl);
  }

  /** Stores that the CPU makes outside its instructions' own path (the trap sequence, spsw): words p .. p+n−1. */
  wrote(p: number, n: number): void {
    const C = this.code;
    for (let q = p; q < p + n; q++) if ((C[q >>> 5]! & (1 << q)) !== 0) this.written(q);
  }

  /**
   * Reset: forget hot counts and volatile words (a new program may lie
   * anywhere). Translations stay: each block checks its words on its first
   * entry after this, so one that no longer matches storage is dropped then.
   */
  reset(): void {
    const ent = this.ent;
    for (const g of this.touched) {
      const from = g << PAGE_SHIFT;
      const to = Math.min(ent.length, from + (1 << PAGE_SHIFT));
      for (let p = from; p < to; p++) if (ent[p]! < ENTRY) ent[p] = 0;
    }
    this.touched.clear();
    for (const pl of this.pl) if (pl && !pl.dead) for (let j = 0; j < pl.ids.length; j++) this.touch(pl.p0 + pl.region.heads[j]!);
    this.rewrites.clear();
    this.changedBits.clear();
  }

  /** Every live placement's blocks will compare their words again (the CPU's epoch wrapped). */
  recheck(): void {
    for (const pl of this.pl) if (pl && !pl.dead) pl.V.fill(0);
  }

  /** Placements alive now. */
  get size(): number {
    return this.live;
  }

  /** The live placements, by their heads (physical addresses): for tests and reports. */
  placements(): { p0: number; heads: number[]; words: number }[] {
    const seen = new Set<Placement>();
    for (const pl of this.pl) if (pl && !pl.dead) seen.add(pl);
    return [...seen].map((pl) => ({ p0: pl.p0, heads: [...pl.region.heads].map((o) => pl.p0 + o), words: pl.region.words.length }));
  }

  private kill(pl: Placement): void {
    pl.dead = true;
    this.live--;
    this.invalidations++;
    const r = pl.region;
    for (let j = 0; j < pl.ids.length; j++) {
      const id = pl.ids[j]!;
      const s = pl.p0 + r.heads[j]!;
      if (this.ent[s] === ENTRY + id) this.ent[s] = 0; // hot again from zero
      this.pl[id] = undefined as unknown as Placement;
      this.freeIds.push(id);
    }
    const pages: number[] = [];
    for (let g = pl.lo >>> PAGE_SHIFT; g <= (pl.hi - 1) >>> PAGE_SHIFT; g++) {
      const o = this.owners.get(g)!;
      o.splice(o.indexOf(pl), 1);
      if (o.length === 0) this.owners.delete(g);
      pages.push(g);
    }
    // Clear its words, then mark again what the placements still alive there cover.
    this.unmark(pl);
    const again = new Set<Placement>();
    for (const g of pages) for (const o of this.owners.get(g) ?? []) again.add(o);
    for (const o of again) this.mark(o);
  }

  /** Drop every translation (the placement limit was reached, or the checker starts its next probe). */
  flush(): void {
    for (const pl of this.pl) if (pl && !pl.dead) this.kill(pl);
  }

  /** Stores into the words of pl (but those it reads at run time) must leave translated code. */
  private mark(pl: Placement): void {
    const C = this.code;
    const m = pl.region.marked;
    for (let i = 0; i < m.length; i++) {
      const q = pl.p0 + m[i]!;
      C[q >>> 5] = C[q >>> 5]! | (1 << q);
    }
  }

  private unmark(pl: Placement): void {
    const C = this.code;
    const m = pl.region.marked;
    for (let i = 0; i < m.length; i++) {
      const q = pl.p0 + m[i]!;
      C[q >>> 5] = C[q >>> 5]! & ~(1 << q);
    }
  }
}

/** Does pl translate word p? */
function covers(pl: Placement, p: number): boolean {
  if (p < pl.lo || p >= pl.hi) return false;
  const w = pl.region.words;
  const o = p - pl.p0;
  let lo = 0;
  let hi = w.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (w[mid] === o) return true;
    if (w[mid]! < o) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}


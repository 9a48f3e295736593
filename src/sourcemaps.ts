/**
 * Image source maps that are views of others (an assembly with `.include`,
 * several images laid out as one): each defines `get`, `entries` and `size`;
 * the rest of ReadonlyMap follows from those, written once here.
 */
import type { SourceLine } from './image.js';

export abstract class SourceMapView implements ReadonlyMap<number, SourceLine> {
  abstract readonly size: number;
  abstract get(addr: number): SourceLine | undefined;
  abstract entries(): MapIterator<[number, SourceLine]>;

  has(addr: number): boolean {
    return this.get(addr) !== undefined;
  }

  *keys(): MapIterator<number> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<SourceLine> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[number, SourceLine]> {
    return this.entries();
  }

  forEach(fn: (value: SourceLine, key: number, map: ReadonlyMap<number, SourceLine>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}

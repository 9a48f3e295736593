/**
 * A program as a tool takes it: an image file or assembly source, and the
 * ISA to run it on. This file does not import the assembler, so a tool can
 * load an image without loading Chevrotain; `loadProgram` (src/asm/index.ts)
 * and the command line's `loadFile` put the two halves together.
 */
import type { Image } from '../image.js';
import { PG32, resolveIsa, sameIsa, type Isa } from '../isa/table.js';
import { decodeImage, isImageFile } from './imagefile.js';

/** An ISA a caller asks for, and where the request came from (for messages: `--isa`). */
export interface IsaRequest {
  readonly isa: Isa;
  readonly from: string;
}

/** A loaded program and the ISA it runs on. */
export interface LoadedProgram {
  readonly image: Image;
  readonly isa: Isa;
}

/** Errors are lines ready to print: `file:line:col: error: …` for source, one line otherwise. */
export type LoadResult = LoadedProgram | { readonly errors: string[] };

/**
 * Tell an image file (by its magic number) from assembly source (any other
 * UTF-8 text without NULs; a name ending in .img, or binary bytes, must be an
 * image). An image is decoded here; source is returned as text to assemble.
 */
export function readProgram(bytes: Uint8Array, name: string, requested?: IsaRequest): LoadResult | { readonly source: string } {
  if (isImageFile(bytes)) {
    const r = decodeImage(bytes, name);
    return 'error' in r ? { errors: [r.error] } : withIsa(r, name, requested);
  }
  const notImage = { errors: [`${name}: not a trapeze image (bad magic number)`] };
  if (/\.img$/i.test(name)) return notImage;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return notImage; // binary, and not ours
  }
  if (text.includes('\0')) return notImage;
  return { source: text };
}

/**
 * The ISA to run `image` on: the one it records (its `.isa`), else the one
 * asked for, else pg32. Asked for one and recording another (another set of
 * extensions) is an error naming both.
 */
export function withIsa(image: Image, name: string, requested?: IsaRequest): LoadResult {
  if (image.isa === undefined) return { image, isa: requested?.isa ?? PG32 };
  const own = resolveIsa(image.isa);
  if ('error' in own) return { errors: [`${name}: written for ISA '${image.isa}', which this trapeze does not know`] };
  if (requested && !sameIsa(own, requested.isa)) return { errors: [`${name}: the program is written for ${own.name} (.isa), but ${requested.from} says ${requested.isa.name}`] };
  return { image, isa: requested?.isa ?? own };
}

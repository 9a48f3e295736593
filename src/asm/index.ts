/**
 * The assembler's public surface, and `loadProgram`: what `run` (and any
 * other tool taking a program) uses to accept either an image file or
 * assembly source.
 */
import type { Image } from '../image.js';
import type { Isa } from '../isa/table.js';
import { assemble, formatError } from './assemble.js';
import { decodeImage, isImageFile } from './imagefile.js';
import type { IncludeReader } from './include.js';

export { assemble, formatError, type AsmError, type AssembleOptions, type AssembleResult } from './assemble.js';
export type { IncludeReader } from './include.js';
export { encodeImage, decodeImage, isImageFile } from './imagefile.js';
export { disassembleWord, disassembleImage } from './disassemble.js';
export { listing } from './listing.js';

/**
 * An image file (recognised by its magic number) or assembly source (any
 * other UTF-8 text; a name ending in .img, or binary bytes, must be an image). Errors are lines ready to print:
 * `file:line:col: error: …` for source, one line for a bad image file.
 */
export function loadProgram(bytes: Uint8Array, name: string, isa?: Isa, include?: IncludeReader): { image: Image } | { errors: string[] } {
  if (isImageFile(bytes)) {
    const r = decodeImage(bytes, name);
    return 'error' in r ? { errors: [r.error] } : { image: r };
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
  const r = assemble(text, name, { ...(isa ? { isa } : {}), ...(include ? { include } : {}) });
  return r.image ? { image: r.image } : { errors: r.errors.map(formatError) };
}

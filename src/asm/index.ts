/**
 * The assembler's public surface, and `loadProgram`: what `run` (and any
 * other tool taking a program) uses to accept either an image file or
 * assembly source.
 */
import type { Isa } from '../isa/table.js';
import { assemble, formatError } from './assemble.js';
import type { IncludeReader } from './include.js';
import { readProgram, withIsa, type IsaRequest, type LoadResult } from './program.js';

export { assemble, formatError, type AsmError, type AssembleOptions, type AssembleResult } from './assemble.js';
export type { IncludeReader } from './include.js';
export { encodeImage, decodeImage, isImageFile } from './imagefile.js';
export { disassembleWord, disassembleImage } from './disassemble.js';
export { listing } from './listing.js';
export { readProgram, withIsa, type IsaRequest, type LoadedProgram, type LoadResult } from './program.js';

/**
 * An image file (recognised by its magic number) or assembly source (any
 * other UTF-8 text; a name ending in .img, or binary bytes, must be an
 * image), and the ISA to run it on: the program's own `.isa`, else `isa`,
 * else pg32. Errors are lines ready to print: `file:line:col: error: …` for
 * source, one line for a bad image file or an ISA that disagrees.
 */
export function loadProgram(bytes: Uint8Array, name: string, isa?: Isa, isaFrom = 'the isa option', include?: IncludeReader): LoadResult {
  const requested = isa ? { isa, from: isaFrom } : undefined;
  const r = readProgram(bytes, name, requested);
  return 'source' in r ? assembleProgram(r.source, name, requested, include) : r;
}

/** Assemble source for `loadProgram`; `include` reads the files `.include` names. */
export function assembleProgram(source: string, name: string, requested?: IsaRequest, include?: IncludeReader): LoadResult {
  const r = assemble(source, name, { ...(requested ? { isa: requested.isa, isaFrom: requested.from } : {}), ...(include ? { include } : {}) });
  return r.image ? withIsa(r.image, name, requested) : { errors: r.errors.map(formatError) };
}

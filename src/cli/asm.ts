/**
 * trapeze asm FILE.s [-o FILE.img] [--listing FILE] [--isa NAME]
 */
import { assemble, formatError } from '../asm/assemble.js';
import { encodeImage } from '../asm/imagefile.js';
import { listing } from '../asm/listing.js';
import { parseArgs, stringFlag } from './args.js';
import { includeReader, isaFlag } from './common.js';
import { UsageError, readInput, writeOutput, type Io } from './io.js';

export const ASM_USAGE = 'usage: trapeze asm FILE.s [-o FILE.img] [--listing FILE] [--isa NAME]';

const HELP = `${ASM_USAGE}

Assemble PG32 source into an image file.

options:
  -o, --output FILE   where to write the image (default: FILE.s with .img)
  --listing FILE      also write a listing (address, words, source line)
  --isa NAME          the instruction set to assemble for: pg32, pg32-pdp10,
                      pg32-x86, or pg32+ext+... (default: the program's own
                      .isa, else pg32); recorded in the image, as .isa is
  -h, --help          this text
`;

export function decodeSource(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`trapeze: '${path}' is not UTF-8 text`);
  }
}

export async function asmCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs('asm', args, { output: { value: true, short: 'o' }, listing: { value: true }, isa: { value: true }, help: { short: 'h' } }, ASM_USAGE);
  if (p.flags.has('help')) {
    io.out(HELP);
    return 0;
  }
  if (p.positional.length !== 1) throw new UsageError(`trapeze asm: ${p.positional.length === 0 ? 'no source file given' : 'only one source file at a time'}\n${ASM_USAGE}`);
  const path = p.positional[0]!;
  const isa = isaFlag('asm', stringFlag(p, 'isa'));
  const source = decodeSource(readInput(io, path), path);
  const r = assemble(source, path, { ...(isa ? { isa, isaFrom: '--isa' } : {}), include: includeReader(io) });
  if (!r.image) {
    for (const e of r.errors) io.err(io.paint.diagnostic(formatError(e)) + '\n');
    io.err(`trapeze asm: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}, no image written\n`);
    return 1;
  }
  const out = stringFlag(p, 'output') ?? (/\.s$/i.test(path) ? path.replace(/\.s$/i, '.img') : path + '.img');
  writeOutput(io, out, encodeImage(r.image));
  const lst = stringFlag(p, 'listing');
  if (lst !== undefined) writeOutput(io, lst, listing(r.image, path));
  return 0;
}

/**
 * trapeze disasm FILE.img   (or FILE.s: assembled first)
 */
import { disassembleImage } from '../asm/disassemble.js';
import { parseArgs, stringFlag } from './args.js';
import { isaFlag, loadFile } from './common.js';
import { UsageError, type Io } from './io.js';

export const DISASM_USAGE = 'usage: trapeze disasm FILE.img|FILE.s [--isa NAME]';

const HELP = `${DISASM_USAGE}

Print an image as assembly source that re-assembles to the same words.
A .s file is assembled first.

options:
  --isa NAME   decode only this instruction set's instructions (others print
               as .word); default: the program's own (.isa), else pg32
  -h, --help   this text
`;

export async function disasmCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs('disasm', args, { isa: { value: true }, help: { short: 'h' } }, DISASM_USAGE);
  if (p.flags.has('help')) {
    io.out(HELP);
    return 0;
  }
  if (p.positional.length !== 1) throw new UsageError(`trapeze disasm: ${p.positional.length === 0 ? 'no file given' : 'only one file at a time'}\n${DISASM_USAGE}`);
  const path = p.positional[0]!;
  const isa = isaFlag('disasm', stringFlag(p, 'isa'));
  const r = await loadFile('disasm', io, path, isa);
  io.out(disassembleImage(r.image, { isa: r.isa }));
  return 0;
}

/**
 * Options shared by the commands that run programs (run, vmm, equiv,
 * classify): which ISA, how much storage, how many steps, and loading a
 * program from source or image.
 */
import { posix } from 'node:path';
import { loadProgram, type IncludeReader } from '../asm/index.js';
import type { Image } from '../image.js';
import { DEFAULT_MEM_WORDS, MIN_MEM_WORDS, resolveIsa, type Isa } from '../isa/table.js';
import { intFlag, stringFlag, type FlagSpec, type Parsed } from './args.js';
import { readInput, UsageError, type Io } from './io.js';

/** Large enough for any sensible program, small enough that a runaway one stops in seconds. */
export const DEFAULT_MAX_STEPS = 1_000_000_000;

export const MACHINE_FLAGS: Record<string, FlagSpec> = {
  isa: { value: true },
  mem: { value: true },
  'max-steps': { value: true },
};

export const MACHINE_USAGE = [
  '  --isa NAME         pg32 (default), pg32-pdp10, pg32-x86, or pg32+EXT+... (EXT: jrstu gpsw sflags getr)',
  `  --mem WORDS        storage size in words (default ${DEFAULT_MEM_WORDS})`,
  `  --max-steps N      stop a runaway program after N steps (default ${DEFAULT_MAX_STEPS})`,
];

export interface MachineOptions {
  readonly isa: Isa;
  readonly memWords: number;
  readonly maxSteps: number;
}

export function machineOptions(command: string, p: Parsed): MachineOptions {
  const name = stringFlag(p, 'isa') ?? 'pg32';
  const isa = resolveIsa(name);
  if ('error' in isa) throw new UsageError(`trapeze ${command}: ${isa.error}`);
  return {
    isa,
    memWords: intFlag(command, p, 'mem', DEFAULT_MEM_WORDS, MIN_MEM_WORDS, 2 ** 30),
    maxSteps: intFlag(command, p, 'max-steps', DEFAULT_MAX_STEPS, 1, Number.MAX_SAFE_INTEGER),
  };
}

/**
 * Load FILE.s or FILE.img. Assembly errors are printed (every one, one per
 * line) and become a failure with status 1.
 */
export function loadFile(command: string, io: Io, path: string, isa: Isa): Image {
  const bytes = readInput(io, path);
  const r = loadProgram(bytes, path, isa, includeReader(io));
  if ('errors' in r) {
    for (const e of r.errors) io.err(e.endsWith('\n') ? e : e + '\n');
    // Each error already names the file: nothing more to say.
    throw new UsageError('', 1);
  }
  return r.image;
}

/**
 * How the CLI reads `.include "file"`: relative to the including file's
 * directory (absolute names as they are), from the same file system as the
 * program itself. The name it returns is what messages show.
 */
export function includeReader(io: Io): IncludeReader {
  return (path, from) => {
    const name = path.startsWith('/') ? posix.normalize(path) : posix.normalize(posix.join(posix.dirname(from), path));
    let bytes: Uint8Array;
    try {
      bytes = io.readFile(name);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { error: code === 'ENOENT' ? `no such file '${name}'` : code === 'EISDIR' ? `'${name}' is a directory` : code === 'EACCES' ? `permission denied reading '${name}'` : (e as Error).message };
    }
    try {
      return { name, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      return { error: `'${name}' is not UTF-8 text` };
    }
  };
}

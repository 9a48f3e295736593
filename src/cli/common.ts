/**
 * Options shared by the commands that run programs (run, vmm, equiv,
 * classify): which ISA, how much storage, how many steps, and loading a
 * program from source or image.
 */
import { posix } from 'node:path';
import { loadProgram, type IncludeReader } from '../asm/index.js';
import type { Image } from '../image.js';
import { layout, loadNames, parseLoadArg, type LoadSpec } from '../load.js';
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

/** `--load FILE@ADDR[:SIZE]`, repeatable: extra programs placed beside the main one (isa/BOOT.md). */
export const LOAD_FLAGS: Record<string, FlagSpec> = { load: { value: true, repeat: true } };

export const LOAD_USAGE = [
  '  --load FILE@ADDR[:SIZE]  also load FILE at physical ADDR (repeatable); a boot table tells the',
  '                     program where each one lies (isa/BOOT.md); :SIZE gives FILE a partition of',
  '                     SIZE words, and programs loaded inside it are its guests',
];

/**
 * The program FILE together with every `--load` of the command line, laid
 * out as one image in a storage of `memWords` words: what run, vmm, equiv
 * and debug load. Without `--load` it is just FILE's image. Any problem with
 * a `--load` (syntax, a missing file, overlap, storage) is one line, status 1.
 */
export function loadMain(command: string, io: Io, p: Parsed, file: string, isa: Isa, memWords: number): Image {
  return loadWithExtras(command, io, file, p.lists.get('load') ?? [], isa, memWords);
}

/** `loadMain` for callers that hold the `--load` arguments themselves (e.g. a debugger's restart). */
export function loadWithExtras(command: string, io: Io, file: string, loads: readonly string[], isa: Isa, memWords: number): Image {
  const main = loadFile(command, io, file, isa);
  if (loads.length === 0) return main;
  const parsed = loads.map((arg) => {
    const r = parseLoadArg(arg);
    if ('error' in r) throw new UsageError(`trapeze ${command}: --load ${r.error}`, 2);
    return { arg, ...r };
  });
  const names = loadNames(parsed.map((l) => l.path));
  const specs: LoadSpec[] = parsed.map((l, i) => ({
    arg: l.arg,
    name: names[i]!,
    image: loadExtra(command, io, l.arg, l.path, isa),
    at: l.at,
    ...(l.partition !== undefined ? { partition: l.partition } : {}),
  }));
  const r = layout(main, specs, memWords);
  if ('error' in r) throw new UsageError(`trapeze ${command}: ${r.error}`, 1);
  return r.image;
}

/** A `--load`ed file: as loadFile, but a file that cannot be read is named by its --load argument. */
function loadExtra(command: string, io: Io, arg: string, path: string, isa: Isa): Image {
  try {
    return loadFile(command, io, path, isa);
  } catch (e) {
    if (e instanceof UsageError && e.message) throw new UsageError(`trapeze ${command}: --load ${arg}: ${e.message.replace(/^trapeze: /, '')}`, e.status);
    throw e;
  }
}

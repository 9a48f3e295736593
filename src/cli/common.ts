/**
 * Options shared by the commands that run programs (run, vmm, equiv,
 * classify): which ISA, how much storage, how many steps, and loading a
 * program from source or image.
 */
import { posix } from 'node:path';
import type { IncludeReader } from '../asm/index.js';
import type { LoadedProgram } from '../asm/program.js';
import { readProgram } from '../asm/program.js';
import type { Image } from '../image.js';
import { layout, loadNames, parseLoadArg, type LoadSpec } from '../load.js';
import { DEFAULT_MEM_WORDS, EXTENSIONS, MIN_MEM_WORDS, PG32, resolveIsa, sameIsa, VARIANTS, type Isa } from '../isa/table.js';
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
  `  --isa NAME         the program's own (.isa NAME), else pg32; or ${Object.keys(VARIANTS).slice(1).join(', ')}, pg32+EXT+...`,
  `                     (EXT: ${EXTENSIONS.join(' ')}); a program whose .isa says otherwise is refused`,
  `  --mem WORDS        storage size in words (default ${DEFAULT_MEM_WORDS})`,
  `  --max-steps N      stop a runaway program after N steps (default ${DEFAULT_MAX_STEPS})`,
];

export interface MachineOptions {
  /** the ISA asked for with --isa, if any; the program's own `.isa` decides otherwise (see `loadFile`) */
  readonly isaFlag: Isa | undefined;
  readonly memWords: number;
  readonly maxSteps: number;
}

export function machineOptions(command: string, p: Parsed): MachineOptions {
  return {
    isaFlag: isaFlag(command, stringFlag(p, 'isa')),
    memWords: intFlag(command, p, 'mem', DEFAULT_MEM_WORDS, MIN_MEM_WORDS, 2 ** 30),
    maxSteps: intFlag(command, p, 'max-steps', DEFAULT_MAX_STEPS, 1, Number.MAX_SAFE_INTEGER),
  };
}

/** The ISA named by --isa, or undefined; an unknown name is a usage error. */
export function isaFlag(command: string, name: string | undefined): Isa | undefined {
  if (name === undefined) return undefined;
  const r = resolveIsa(name);
  if ('error' in r) throw new UsageError(`trapeze ${command}: ${r.error}`);
  return r;
}

/**
 * Load FILE.s or FILE.img, and the ISA to run it on (its `.isa`, else
 * --isa, else pg32; the two disagreeing is an error naming both). The
 * assembler (and Chevrotain under it) is imported only for source: running
 * an image never loads it. Assembly errors are printed (every one, one per
 * line) and become a failure with status 1.
 */
export async function loadFile(command: string, io: Io, path: string, isa: Isa | undefined, from = '--isa'): Promise<LoadedProgram> {
  const bytes = readInput(io, path);
  const requested = isa ? { isa, from } : undefined;
  let r = readProgram(bytes, path, requested);
  if ('source' in r) r = (await import('../asm/index.js')).assembleProgram(r.source, path, requested, includeReader(io));
  if ('errors' in r) {
    for (const e of r.errors) io.err(io.paint.diagnostic(e.endsWith('\n') ? e : e + '\n'));
    // Each error already names the file: nothing more to say.
    throw new UsageError('', 1);
  }
  return r;
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
export function loadMain(command: string, io: Io, p: Parsed, file: string, isa: Isa | undefined, memWords: number): Promise<LoadedProgram> {
  return loadWithExtras(command, io, file, p.lists.get('load') ?? [], isa, memWords);
}

/** `loadMain` for callers that hold the `--load` arguments themselves (e.g. a debugger's restart). */
export async function loadWithExtras(command: string, io: Io, file: string, loads: readonly string[], isa: Isa | undefined, memWords: number): Promise<LoadedProgram> {
  const main = await loadFile(command, io, file, isa);
  if (loads.length === 0) return main;
  const parsed = loads.map((arg) => {
    const r = parseLoadArg(arg);
    if ('error' in r) throw new UsageError(`trapeze ${command}: --load ${r.error}`, 2);
    return { arg, ...r };
  });
  const names = loadNames(parsed.map((l) => l.path));
  const specs: LoadSpec[] = [];
  for (const [i, l] of parsed.entries()) {
    specs.push({
      arg: l.arg,
      name: names[i]!,
      // every program shares the main one's machine, and so its ISA
      image: await loadExtra(command, io, l.arg, l.path, main.isa, `${file}'s ISA`),
      at: l.at,
      ...(l.partition !== undefined ? { partition: l.partition } : {}),
    });
  }
  const r = layout(main.image, specs, memWords);
  if ('error' in r) throw new UsageError(`trapeze ${command}: ${r.error}`, 1);
  return { image: r.image, isa: main.isa };
}

/** A `--load`ed file: as loadFile, but a file that cannot be read is named by its --load argument. */
async function loadExtra(command: string, io: Io, arg: string, path: string, isa: Isa, from: string): Promise<Image> {
  try {
    return (await loadFile(command, io, path, isa, from)).image;
  } catch (e) {
    if (e instanceof UsageError && e.message) throw new UsageError(`trapeze ${command}: --load ${arg}: ${e.message.replace(/^trapeze: /, '')}`, e.status);
    throw e;
  }
}

/**
 * The one ISA several programs run on (`vmm`: one machine under all the
 * VMs): --isa if given (each program already agrees with it), else the one
 * the programs that say name. Two that disagree are an error naming both.
 */
export function commonIsa(command: string, files: readonly string[], programs: readonly LoadedProgram[], flag: Isa | undefined): Isa {
  if (flag) return flag;
  let chosen: { isa: Isa; file: string } | undefined;
  programs.forEach((p, i) => {
    if (p.image.isa === undefined) return;
    if (chosen && !sameIsa(chosen.isa, p.isa)) throw new UsageError(`trapeze ${command}: ${chosen.file} is written for ${chosen.isa.name} but ${files[i]} for ${p.isa.name}; they cannot share one machine`, 1);
    chosen ??= { isa: p.isa, file: files[i]! };
  });
  return chosen?.isa ?? PG32;
}


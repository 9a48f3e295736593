/**
 * Options shared by the commands that run programs (run, vmm, equiv,
 * classify): which ISA, how much storage, how many steps, and loading a
 * program from source or image.
 */
import type { LoadedProgram } from '../asm/program.js';
import { readProgram } from '../asm/program.js';
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
export async function loadFile(command: string, io: Io, path: string, isa: Isa | undefined): Promise<LoadedProgram> {
  const bytes = readInput(io, path);
  const requested = isa ? { isa, from: '--isa' } : undefined;
  let r = readProgram(bytes, path, requested);
  if ('source' in r) r = (await import('../asm/index.js')).assembleProgram(r.source, path, requested);
  if ('errors' in r) {
    for (const e of r.errors) io.err(io.paint.diagnostic(e.endsWith('\n') ? e : e + '\n'));
    // Each error already names the file: nothing more to say.
    throw new UsageError('', 1);
  }
  return r;
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


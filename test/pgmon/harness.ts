/**
 * Running the PG32 monitors (programs/vmm/) in tests and benchmarks: lay
 * out a monitor and its guests as `--load` would, run the whole thing on the
 * bare machine (or under trapeze's VMM), and take each guest's console
 * lines back out of the prefixed output, to compare with the guest's own
 * bare run.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { assemble, formatError } from '../../src/asm/assemble.js';
import type { IncludeReader } from '../../src/asm/include.js';
import { Cpu, type CheckStop, type StopReason } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import type { Image } from '../../src/image.js';
import { causeName, PG32 } from '../../src/isa/table.js';
import { layout, loadNames, type LoadSpec } from '../../src/load.js';
import { ROOT } from '../library.js';

/** A guest's console line is at most this long (programs/vmm/core.s LINE_MAX); longer ones come in pieces. */
export const LINE_MAX = 256;

const fsReader: IncludeReader = (path, from) => {
  const name = normalize(join(dirname(from), path));
  try {
    return { name, text: readFileSync(join(ROOT, name), 'utf8') };
  } catch {
    return { error: `no such file '${name}'` };
  }
};

const cache = new Map<string, Image>();

/** Assemble a program of the repository (path relative to its root), includes and all. */
export function assembleFile(rel: string): Image {
  let img = cache.get(rel);
  if (!img) {
    const r = assemble(readFileSync(join(ROOT, rel), 'utf8'), rel, { isa: PG32, include: fsReader });
    if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
    cache.set(rel, (img = r.image));
  }
  return img;
}

export interface Load {
  /** a repository path, or an image with a name */
  readonly file: string;
  readonly image?: Image;
  readonly at: number;
  readonly size?: number;
}

/** The image `trapeze run MAIN --load …` would run. */
export function arrange(main: string | Image, loads: readonly Load[], memWords: number): Image {
  const names = loadNames(loads.map((l) => l.file));
  const specs: LoadSpec[] = loads.map((l, i) => ({
    arg: `${l.file}@${l.at}${l.size ? ':' + l.size : ''}`,
    name: names[i]!,
    image: l.image ?? assembleFile(l.file),
    at: l.at,
    ...(l.size !== undefined ? { partition: l.size } : {}),
  }));
  const r = layout(typeof main === 'string' ? assembleFile(main) : main, specs, memWords);
  if ('error' in r) throw new Error(r.error);
  return r.image;
}

export interface Outcome {
  readonly reason: StopReason;
  /** the console, one character per byte (latin1), so that byte-level comparisons are exact */
  readonly out: string;
  readonly cpu: Cpu;
  readonly checkStop: CheckStop | null;
}

export function runImage(image: Image, memWords: number, input: Uint8Array = new Uint8Array(0), maxSteps = 200_000_000): Outcome {
  const con = new Console(input);
  const cpu = new Cpu({ isa: PG32, memWords, devices: con });
  cpu.load(image);
  const reason = cpu.run(maxSteps);
  return { reason, out: Buffer.from(con.output()).toString('latin1'), cpu, checkStop: cpu.checkStop };
}

/** A program alone on the bare machine, with storage of `memWords` words (its partition's size). */
export function bare(file: string | Image, memWords: number, input?: Uint8Array, maxSteps?: number): Outcome {
  return runImage(typeof file === 'string' ? assembleFile(file) : file, memWords, input, maxSteps);
}

/**
 * The lines of one guest, taken from a monitor's output: `path` is the chain
 * of prefixes, outermost first (['type1', 'hello'] for "[type1] [hello] …").
 * Returns its console output as the monitor shows it, and the monitor's
 * verdict on it ("halted (…)" or "check-stop: …").
 */
export function guest(out: string, path: readonly string[], monitor = 'type1'): { text: string; verdict: string | undefined } {
  const outer = path.slice(0, -1).map((p) => `[${p}] `).join('');
  const prefix = outer + `[${path.at(-1)}] `;
  const mine = `${outer}${monitor}: ${path.at(-1)}: `;
  let text = '';
  let verdict: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith(prefix)) text += line.slice(prefix.length) + '\n';
    else if (line.startsWith(mine) && /^(halted|check-stop)/.test(line.slice(mine.length))) verdict = line.slice(mine.length);
  }
  return { text, verdict };
}

/** A bare run's console output as a monitor shows it: lines longer than LINE_MAX in pieces, and a last line ended. */
export function asShown(bareOut: string): string {
  if (bareOut === '') return '';
  const lines = bareOut.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const pieces: string[] = [];
  for (const l of lines) {
    if (l.length === 0) pieces.push('');
    for (let i = 0; i < l.length; i += LINE_MAX) pieces.push(l.slice(i, i + LINE_MAX));
  }
  return pieces.map((p) => p + '\n').join('');
}

/** What the monitor should say about a guest that stopped as `b` did. */
export function verdictOf(b: Outcome): RegExp {
  if (b.reason === 'halt') return /^halted \(/;
  const c = b.checkStop!;
  const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
  return new RegExp(`^check-stop: ${causeName(c.cause)} trap at pc ${hex(c.pc)}, info ${hex(c.info)}: `);
}

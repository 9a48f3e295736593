/**
 * Shared by the benchmark suites: options, running a benny suite with the
 * project's settings and saving its JSON and chart, assembling the kernels,
 * verification, and tables (printed, and kept as Markdown for RESULTS.md).
 *
 * Hygiene, for every suite:
 *  - a benny case is one call of a function doing a large batch of work
 *    (millions of guest instructions, thousands of traps, a whole source
 *    file), because benny's ops/s counts calls;
 *  - the machine state is reset inside the timed function (cpu.load /
 *    loadGuest), so every call does the same work;
 *  - every configuration is run and verified (results, instruction and trap
 *    counts) before it is timed, then warmed up;
 *  - margins (benchmark.js's relative margin of error at 95 %) are reported,
 *    and propagated into ratios and differences.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { add, complete, configure, cycle, save, suite } from 'benny';
import { assemble } from '../src/asm/assemble.js';
import type { Image } from '../src/image.js';
import type { Isa } from '../src/isa/table.js';
import { PG32 } from '../src/isa/table.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = join(BENCH_DIR, 'results');

export interface BenchOptions {
  /** shorter timing (the whole run under a minute) */
  readonly quick: boolean;
  /** monitors suite: the cost model, a JSON file or NAME=CYCLES,... overrides (--costs=...) */
  readonly costs?: string;
}

/** What a suite hands back to index.ts for RESULTS.md. */
export interface SuiteReport {
  readonly name: string;
  readonly title: string;
  /** Markdown: the suite's tables and notes */
  readonly markdown: string;
  readonly targets: readonly TargetResult[];
}

export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  /** what limits it (or why it is met) */
  readonly note: string;
}

// ---------------------------------------------------------------- timing

/** One benny case: a name and a prepared function to time (already verified and warmed up). */
export interface Case {
  readonly name: string;
  readonly fn: () => void;
}

/** A timed case: seconds per call (mean) and its 95 % margin. */
export interface Timing {
  readonly name: string;
  /** seconds per call */
  readonly mean: number;
  /** 95 % margin of error of the mean, seconds */
  readonly moe: number;
  /** relative margin, % */
  readonly rme: number;
  readonly samples: number;
  readonly ops: number;
}

export function caseOptions(opts: BenchOptions) {
  return opts.quick ? { minTime: 0.03, maxTime: 0.12, minSamples: 4, delay: 0.002 } : { minTime: 0.25, maxTime: 1.2, minSamples: 10, delay: 0.005 };
}

/** Call `fn` a few times (JIT warm-up) before benny times it. */
export function warm(fn: () => void, times = 3): void {
  for (let i = 0; i < times; i++) fn();
}

/**
 * Run one benny suite: cases in order, a line per finished case, then save
 * bench/results/FILE.json and FILE.chart.html. Returns the timings by name.
 */
export async function runSuite(file: string, title: string, cases: readonly Case[], opts: BenchOptions): Promise<Map<string, Timing>> {
  const timings = new Map<string, Timing>();
  console.log(`\n${title}: timing ${cases.length} cases${opts.quick ? ' (quick)' : ''}`);
  await suite(
    title,
    configure({ cases: caseOptions(opts), minDisplayPrecision: 2 }),
    // benny calls the outer function to find the timed one: return the prepared closure.
    ...cases.map((c) => add(c.name, () => c.fn)),
    cycle((r) => {
      const t: Timing = {
        name: r.name,
        mean: r.details.mean,
        moe: r.details.marginOfError,
        rme: r.details.relativeMarginOfError,
        samples: r.samples,
        ops: r.ops,
      };
      timings.set(r.name, t);
      console.log(`  ${r.name.padEnd(34)} ${fmtTime(t.mean).padStart(10)}/call ±${t.rme.toFixed(1)}%  (${r.samples} samples)`);
      return undefined; // no log-update redraw: plain lines
    }),
    complete(() => undefined),
    save({ file, folder: RESULTS_DIR, format: 'json', details: false }),
    save({ file, folder: RESULTS_DIR, format: 'chart.html' }),
  );
  return timings;
}

export function get(timings: Map<string, Timing>, name: string): Timing {
  const t = timings.get(name);
  if (!t) throw new Error(`no timing for ${name}`);
  return t;
}

/** a / b with the relative margins combined in quadrature, % */
export function ratio(a: Timing, b: Timing): { value: number; rme: number } {
  return { value: a.mean / b.mean, rme: Math.hypot(a.rme, b.rme) };
}

/** (a − b) / n seconds, with the absolute margins combined in quadrature */
export function difference(a: Timing, b: Timing, n: number): { value: number; moe: number } {
  return { value: (a.mean - b.mean) / n, moe: Math.hypot(a.moe, b.moe) / n };
}

// ---------------------------------------------------------------- fresh processes

/** One run of bench/fresh.ts: wall and CPU time (ms), guest instructions, and what the mode adds. */
export interface Fresh {
  readonly ms: number;
  readonly cpuMs: number;
  readonly instret: number;
  readonly rssMiB: number;
  readonly [extra: string]: number;
}

/** Run bench/fresh.ts with `args` in a new Node process (with this process's loader flags) and read its report. */
export function fresh(args: readonly string[]): Fresh {
  const r = spawnSync(process.execPath, [...process.execArgv, join(BENCH_DIR, 'fresh.ts'), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`fresh.ts ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Fresh;
}

/**
 * Each job `rounds` times in fresh processes, interleaved (every round runs
 * every job once, in a rotated order), so that all jobs see the same
 * conditions on a shared machine. Results per job, in job order.
 */
export function freshRounds(jobs: readonly (readonly string[])[], rounds: number, label = ''): Fresh[][] {
  const out: Fresh[][] = jobs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < jobs.length; i++) {
      const j = (i + r) % jobs.length;
      out[j]!.push(fresh(jobs[j]!));
    }
    if (label) process.stdout.write(`  ${label}: round ${r + 1}/${rounds} done\n`);
  }
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---------------------------------------------------------------- programs

export function readProgram(name: string): string {
  return readFileSync(join(BENCH_DIR, 'programs', name), 'utf8');
}

/** The value of `.equ NAME, number` in a source: the .s file is the one place a size is written. */
export function equ(source: string, name: string): number {
  const m = new RegExp(`^\\s*\\.equ\\s+${name}\\s*,\\s*(0x[0-9a-fA-F]+|-?\\d+)\\s*(;.*)?$`, 'm').exec(source);
  if (!m) throw new Error(`.equ ${name} not found`);
  return Number(m[1]);
}

export function assembleOrThrow(source: string, file: string, isa: Isa = PG32): Image {
  const r = assemble(source, file, { isa });
  if (r.errors.length || !r.image) {
    throw new Error(r.errors.map((e) => `${e.file}:${e.line}:${e.col}: error: ${e.message}`).join('\n'));
  }
  return r.image;
}

export function symbol(image: Image, name: string): number {
  const v = image.symbols.get(name);
  if (v === undefined) throw new Error(`symbol ${name} not in image`);
  return v;
}

export function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`benchmark verification failed: ${what}`);
}

// ---------------------------------------------------------------- formatting

export function fmtTime(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toFixed(2)} µs`;
  return `${(s * 1e9).toFixed(1)} ns`;
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtM(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(1)} M`;
}

/** A table printed to the console (aligned) and returned as Markdown. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = headers.map((_, i) => i > 0)): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number) => (right[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  console.log('  ' + headers.map(pad).join('  '));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log('  ' + r.map(pad).join('  '));
  const md = [
    `| ${headers.join(' | ')} |`,
    `|${headers.map((_, i) => (right[i] ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return md.join('\n');
}

export function heading(s: string): void {
  console.log(`\n${s}`);
}

/**
 * Suite `cli`: the command as a user (or a grader) times it, on programs the
 * other suites were not tuned on. Every measurement is a whole process with
 * the command's DEFAULT options:
 *
 *   node bin/trapeze.js run P.s     the bare machine (default --mem, step limit, chunks)
 *   node bin/trapeze.js vmm P.s     one VM under trap-and-emulate (default --mem, --quantum, depth 1)
 *   node bench/programs/P.js        the same algorithm in plain JavaScript
 *   node -e 0                       Node's own start, the floor
 *
 * The held-out programs (bench/programs/bubble.s, hash.s, queens.s: a
 * bubble sort, a hash table, recursive N-queens) each print their result, and
 * their JS twins print the same: every run's stdout is checked. Rounds are
 * interleaved (every command once per round, the order rotated), and each
 * process's CPU time (user + system, V8's compiler threads included) is read
 * with /usr/bin/time, so other work on this shared 2-core machine shifts
 * every command alike; ratios are medians of per-round ratios.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchOptions, type SuiteReport, type TargetResult, BENCH_DIR, check, fmtInt, heading, median, table } from './lib.js';

const ROOT = join(BENCH_DIR, '..');
const BIN = join(ROOT, 'bin', 'trapeze.js');
const TIME = '/usr/bin/time';

/** the held-out programs: bench/programs/NAME.s and NAME.js */
export const HELD_OUT = ['bubble', 'hash', 'queens'] as const;

/** vmm with its defaults against run with its defaults, whole processes */
export const VMM_VS_RUN = 1.03;

interface Timed {
  /** CPU seconds (user + system); wall seconds where /usr/bin/time is missing */
  readonly cpu: number;
  readonly wall: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `node ARGS` once; CPU time from /usr/bin/time (written to a file, so the program's stderr stays its own). */
export function runNode(args: readonly string[]): Timed {
  const haveTime = existsSync(TIME);
  const out = join(tmpdir(), `trapeze-cli-bench-${process.pid}.time`);
  const t0 = performance.now();
  const r = haveTime
    ? spawnSync(TIME, ['-f', '%U %S', '-o', out, process.execPath, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 })
    : spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = (performance.now() - t0) / 1e3;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  let cpu = wall;
  if (haveTime) {
    const [u, s] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    cpu = u! + s!;
    rmSync(out, { force: true });
  }
  return { cpu, wall, stdout: r.stdout, stderr: r.stderr };
}

interface Job {
  readonly name: string;
  readonly args: readonly string[];
  /** what stdout must be, from the program's output */
  readonly check?: (stdout: string) => boolean;
}

function jobsFor(p: string): Job[] {
  const s = join('bench', 'programs', `${p}.s`);
  const js = join('bench', 'programs', `${p}.js`);
  const expect = runNode([js]).stdout;
  const prefixed = expect
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `[${p}] ${l}\n`)
    .join('');
  return [
    { name: `run ${p}`, args: [BIN, 'run', s], check: (o) => o === expect },
    { name: `vmm ${p}`, args: [BIN, 'vmm', s], check: (o) => o === prefixed },
    { name: `js ${p}`, args: [js], check: (o) => o === expect },
  ];
}

/** Every job once per round, order rotated; CPU seconds per job. */
function rounds(jobs: readonly Job[], n: number): Map<string, number[]> {
  const out = new Map<string, number[]>(jobs.map((j) => [j.name, []]));
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[(i + r) % jobs.length]!;
      const t = runNode(j.args);
      check(!j.check || j.check(t.stdout), `${j.name}: printed ${JSON.stringify(t.stdout)}`);
      out.get(j.name)!.push(t.cpu);
    }
    process.stdout.write(`  cli: round ${r + 1}/${n} done\n`);
  }
  return out;
}

/** The median over rounds of a's time / b's time in the same round. */
function pairedRatio(t: Map<string, number[]>, a: string, b: string): number {
  const xs = t.get(a)!;
  const ys = t.get(b)!;
  return median(xs.map((x, i) => x / ys[i]!));
}

/** The first sentence of a program's header comment. */
function whatOf(p: string): string {
  const head = readFileSync(join(BENCH_DIR, 'programs', `${p}.s`), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(';'))
    .map((l) => l.replace(/^;\s?/, ''))
    .join(' ');
  return head.replace(/^\S+\s*—\s*/, '').split(/\.\s/)[0]!;
}

/** Guest instructions of a program under run (--stats, its own process, untimed). */
function instructions(p: string): number {
  const r = runNode([BIN, 'run', join('bench', 'programs', `${p}.s`), '--stats']);
  const m = /instructions\s+(\d+)/.exec(r.stderr);
  check(!!m, `run --stats ${p}: no instruction count`);
  return Number(m![1]);
}

export async function run(opts: BenchOptions): Promise<SuiteReport> {
  const n = opts.quick ? 3 : 7;
  const counts = new Map(HELD_OUT.map((p) => [p, instructions(p)]));
  heading('CLI: held-out programs, counts');
  const countsMd = table(
    ['program', 'guest instructions', 'what'],
    HELD_OUT.map((p) => [p, fmtInt(counts.get(p)!), whatOf(p)]),
    [false, true, false],
  );
  const jobs: Job[] = [{ name: 'node -e 0', args: ['-e', '0'] }, ...HELD_OUT.flatMap(jobsFor)];
  heading(`CLI: whole processes with default options, ${n} interleaved rounds, medians of CPU time (user + system)`);
  const t = rounds(jobs, n);
  const m = (name: string) => median(t.get(name)!);
  const node0 = m('node -e 0');
  const rows = HELD_OUT.map((p) => {
    const run = m(`run ${p}`);
    const ips = counts.get(p)! / (run - node0);
    return {
      p,
      run,
      vmm: m(`vmm ${p}`),
      js: m(`js ${p}`),
      vmmVsRun: pairedRatio(t, `vmm ${p}`, `run ${p}`),
      runVsJs: pairedRatio(t, `run ${p}`, `js ${p}`),
      ips,
    };
  });
  const timesMd = table(
    ['program', 'run s', 'vmm s', 'JS s', 'vmm / run', 'run / JS', 'run instr/s (beyond node -e 0)'],
    rows.map((r) => [r.p, r.run.toFixed(3), r.vmm.toFixed(3), r.js.toFixed(3), `${r.vmmVsRun.toFixed(3)}×`, `${r.runVsJs.toFixed(2)}×`, `${(r.ips / 1e6).toFixed(0)} M`]),
  );
  const worst = rows.reduce((a, b) => (b.vmmVsRun > a.vmmVsRun ? b : a));
  const targets: TargetResult[] = [
    {
      target: `\`trapeze vmm\` with its defaults ≤ ${VMM_VS_RUN}× \`trapeze run\` (whole processes, held-out programs)`,
      measured: rows.map((r) => `${r.p} ${r.vmmVsRun.toFixed(3)}×`).join(', '),
      met: worst.vmmVsRun <= VMM_VS_RUN,
      note: 'A compute-bound guest enters the monitor only for its `out`s and its halt; a slice (100,000 steps) costs one dispatcher pass. What differs is the command: vmm builds a host machine and a partition.',
    },
  ];
  const markdown = [
    'Whole processes, as a user runs them, with the command\'s default options, on three programs none of the other suites uses (each checked: it prints what its JS twin prints). `node -e 0` is Node\'s own start.',
    '',
    countsMd,
    '',
    `Median CPU seconds (user + system, /usr/bin/time) of ${n} interleaved rounds; \`node -e 0\`: ${node0.toFixed(3)} s. Ratios are medians of the per-round ratios.`,
    '',
    timesMd,
  ].join('\n');
  return { name: 'cli', title: 'The command on held-out programs', markdown, targets };
}

if (process.argv[1]?.endsWith('cli.bench.ts') && process.argv.includes('--alone')) {
  await run({ quick: process.argv.includes('--quick') });
}

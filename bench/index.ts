/**
 * The benchmark runner: `npm run bench` (all suites, then bench/RESULTS.md),
 * `npm run bench -- --quick` (shorter timing, the whole run under a minute),
 * `npm run bench -- interp nano` (only the named suites).
 *
 * Suites: interp (interpreter vs plain JS), vmm (bare vs virtualized, per
 * nesting level), nano (trap round trips), asm (assembler throughput),
 * startup (the command as whole processes, beside `node -e 0`), and
 * monitors (every monitor on one workload at a time, with modelled cycles
 * from bench/costmodel.json; --costs=FILE|NAME=CYCLES,... changes the model),
 * classify, debug (reverse execution), and cli (the command with its default
 * options, run against vmm against plain JS, on held-out programs).
 * Each prints its counts, then its timings and ratios, and saves
 * bench/results/NAME.json and NAME.chart.html (benny).
 *
 * RESULTS.md is written after a full (not --quick) run of every suite; the
 * monitors suite also rewrites its own section of it whenever it runs.
 * Every suite's report is kept (bench/results/NAME.report.json), so
 * `npm run bench -- --write` writes RESULTS.md again from the last full
 * runs of each suite (after rerunning one of them alone, say).
 *
 * When more than one suite runs, each runs in a fresh Node process: one
 * suite's heap and V8's optimized code for the shared functions (Cpu.run
 * above all) would otherwise bias the next one's numbers.
 */
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as asm from './asm.bench.js';
import * as classify from './classify.bench.js';
import * as cli from './cli.bench.js';
import * as debug from './debug.bench.js';
import * as interp from './interp.bench.js';
import { BENCH_DIR, caseOptions, type BenchOptions, type SuiteReport } from './lib.js';
import * as monitors from './monitors.bench.js';
import * as nano from './nano.bench.js';
import * as startup from './startup.bench.js';
import * as vmm from './vmm.bench.js';

const SUITES: Record<string, (o: BenchOptions) => Promise<SuiteReport>> = {
  interp: interp.run,
  vmm: vmm.run,
  nano: nano.run,
  asm: asm.run,
  startup: startup.run,
  monitors: monitors.run,
  classify: classify.run,
  debug: debug.run,
  cli: cli.run,
};

function usage(): never {
  console.error(`usage: npm run bench -- [--quick] [--costs=FILE.json|NAME=CYCLES,...] [${Object.keys(SUITES).join('|')} ...]\n       npm run bench -- --write   (RESULTS.md from every suite's last full report)`);
  process.exit(2);
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const child = args.includes('--child');
  const rewrite = args.includes('--write');
  const names = args.filter((a) => !a.startsWith('--'));
  for (const a of args) if (a.startsWith('--') && a !== '--quick' && a !== '--child' && a !== '--write' && !a.startsWith('--costs=')) usage();
  const costs = args.find((a) => a.startsWith('--costs='))?.slice('--costs='.length);
  for (const n of names) if (!SUITES[n]) usage();
  const chosen = names.length ? names : Object.keys(SUITES);
  const opts: BenchOptions = { quick, ...(costs ? { costs } : {}) };

  if (rewrite) {
    // RESULTS.md from the reports the suites' last full runs kept.
    const reports = Object.keys(SUITES).map((n) => {
      if (!existsSync(reportPath(n))) {
        console.error(`bench: suite '${n}' has no full run to write from (${reportPath(n)}): run \`npm run bench -- ${n}\` first`);
        process.exit(1);
      }
      const saved = JSON.parse(readFileSync(reportPath(n), 'utf8')) as Partial<SavedReport> & SuiteReport;
      if (saved.quick) {
        console.error(`bench: ${reportPath(n)} is from a --quick run: run \`npm run bench -- ${n}\` first`);
        process.exit(1);
      }
      return { ...saved, at: saved.at ?? statSync(reportPath(n)).mtime.toISOString(), load: saved.load ?? 'not recorded', quick: false };
    });
    const at = reports.map((r) => r.at).sort();
    writeResults(reports, { started: new Date(at[0]!), seconds: NaN, loadBefore: reports.map((r) => `${r.name} ${r.load}`).join('; '), loadAfter: '', quick: false, ended: at[at.length - 1]! });
    console.log('Wrote bench/RESULTS.md from bench/results/*.report.json');
    return;
  }
  const started = new Date();
  const loadBefore = load();
  const t0 = performance.now();
  console.log(`trapeze benchmarks: ${chosen.join(', ')}${quick ? ' (quick)' : ''}; node ${process.version}, ${cpus().length} CPUs (${cpuModel()}), load ${loadBefore}`);
  if (child) {
    // One suite, in this fresh process; the parent reads its report.
    const report = await SUITES[chosen[0]!]!(opts);
    save(report, quick, loadBefore);
    return;
  }
  const reports: SuiteReport[] = [];
  for (const n of chosen) {
    if (chosen.length === 1) {
      const report = await SUITES[n]!(opts);
      save(report, quick, `${loadBefore} before, ${load()} after`);
      reports.push(report);
      continue;
    }
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--child', n, ...(quick ? ['--quick'] : []), ...(costs ? [`--costs=${costs}`] : [])], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`suite ${n} failed (exit ${r.status})`);
    reports.push(JSON.parse(readFileSync(reportPath(n), 'utf8')) as SuiteReport);
  }
  const seconds = (performance.now() - t0) / 1000;
  const loadAfter = load();

  console.log('\nTargets (measured by this run; not asserted):');
  for (const r of reports) {
    for (const t of r.targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${t.measured}`);
  }
  console.log(`\n${seconds.toFixed(1)} s; load average ${loadBefore} before, ${loadAfter} after. Results in bench/results/.`);

  if (!quick && chosen.length === Object.keys(SUITES).length) {
    writeResults(reports, { started, seconds, loadBefore, loadAfter, quick });
    console.log('Wrote bench/RESULTS.md');
  }
}

function reportPath(suite: string): string {
  return join(BENCH_DIR, 'results', `${suite}.report.json`);
}

/** A suite's report as kept on disk: when it ran, at what load, and whether quick. */
interface SavedReport extends SuiteReport {
  readonly at: string;
  readonly load: string;
  readonly quick: boolean;
}

function save(report: SuiteReport, quick: boolean, loadAvg: string): void {
  const saved: SavedReport = { ...report, at: new Date().toISOString(), load: loadAvg, quick };
  writeFileSync(reportPath(report.name), JSON.stringify(saved));
}

interface RunInfo {
  readonly started: Date;
  readonly seconds: number;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly quick: boolean;
  /** written from saved reports (--write): when the last of them ran */
  readonly ended?: string;
}

function writeResults(reports: readonly SuiteReport[], run: RunInfo): void {
  const commit = sh('git rev-parse --short HEAD');
  const mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo");
  const c = caseOptions({ quick: run.quick });
  const lines: string[] = [
    '# Benchmark results',
    '',
    run.ended
      ? `Written by \`npm run bench -- --write\` (bench/index.ts)${commit ? ` at commit ${commit}` : ''} from each suite's last full run, ${run.started.toISOString()} to ${run.ended}. Targets are measured here, never asserted by a test.`
      : `Generated by \`npm run bench\` (bench/index.ts) on ${run.started.toISOString()}${commit ? ` at commit ${commit}` : ''}; the whole run took ${run.seconds.toFixed(0)} s. Targets are measured here, never asserted by a test.`,
    '',
    '## Machine',
    '',
    `- CPUs: ${sh('nproc') || cpus().length} (\`nproc\`), ${cpuModel()}`,
    `- memory: ${mem || 'unknown'}`,
    `- Node ${process.version} (V8 ${process.versions.v8}), ${process.platform} ${process.arch}`,
    run.ended
      ? `- load average (1, 5, 15 min) per suite: ${run.loadBefore}. The machine is shared: other work running at the same time shows up as wider margins, and in CPU time too.`
      : `- load average (1, 5, 15 min): ${run.loadBefore} before the run, ${run.loadAfter} after. The machine is shared: other work running at the same time shows up as wider margins, and in CPU time too.`,
    '',
    '## Commands',
    '',
    '```sh',
    'npm run bench                 # every suite, then this file (a few minutes)',
    'npm run bench -- --quick      # every suite with short timing: under a minute; does not write this file',
    'npm run bench -- interp nano  # only the named suites (interp, vmm, nano, asm, startup, monitors, classify, debug, cli)',
    'npm run bench -- monitors --costs=exit=2000,trap=300   # the monitor comparison under another cost model',
    'node --cpu-prof --import tsx bench/index.ts nano   # profile a suite (writes CPU.*.cpuprofile)',
    '```',
    '',
    `benny (benchmark.js) settings for this run: minTime ${c.minTime} s, maxTime ${c.maxTime} s, at least ${c.minSamples} samples per case. ` +
      'Each case is one call doing a large batch of work (millions of guest instructions, 100,000 trap round trips, a whole source file) with the machine state reset inside the call; ' +
      'every configuration is run and its results verified (against the plain-JS kernels, and instruction and trap counts across machines) before it is timed, then warmed up. ' +
      'Margins are benchmark.js\'s 95 % relative margin of error; ratios and differences combine both sides\' margins. ' +
      'Raw results: `bench/results/*.json` (benny); charts: `bench/results/*.chart.html` (not committed).',
    '',
    '## Targets',
    '',
    '| target | measured | | what limits it |',
    '|:---|:---|:---|:---|',
    ...reports.flatMap((r) => r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? '**met**' : '**missed**'} | ${t.note} |`)),
    '',
  ];
  for (const r of reports) lines.push(`## ${r.title} (\`${r.name}\`)`, '', r.markdown, '');
  const notes = join(BENCH_DIR, 'NOTES.md');
  try {
    lines.push(readFileSync(notes, 'utf8').trim(), '');
  } catch {
    // no notes
  }
  // A section another script owns (bench/pgmon.ts: the PG32 monitors' counts) survives a full run.
  let old = '';
  try {
    old = readFileSync(join(BENCH_DIR, 'RESULTS.md'), 'utf8');
  } catch {
    // first run
  }
  const kept = /<!-- pgmon:[\s\S]*?<!-- \/pgmon -->/.exec(old);
  if (kept) lines.push(kept[0], '');
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), lines.join('\n'));
}

await main();

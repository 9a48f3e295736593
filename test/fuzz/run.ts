/**
 * npm run fuzz — the reliability properties, longer and with random seeds.
 *
 *   npm run fuzz                          # every suite, 60 s in all
 *   npm run fuzz -- --time 600            # ten minutes
 *   npm run fuzz -- --runs 20000 --suite differential --seed 123
 *
 * Each suite gets an equal share of the time (or --runs cases), in batches
 * with fresh random seeds; a progress bar goes to stderr. On a failure the
 * case is shrunk, and the seed, the path and the shrunk case are printed —
 * for a program, as assembly ready to paste into test/fuzz/regressions.ts —
 * and the exit status is 1.
 */
import fc from 'fast-check';
import { config, differentialProperty, lockstepProperty, tally } from './differential.js';
import { program, source, type Program } from './generator.js';
import { assemblyProperty, cliProperty, imageProperty, wordProperty } from './hostile.js';
import { spatialProperty, temporalProperty } from './isolation.js';
import { pgmonProperty } from '../pgmon/fuzz.js';

type Check = (p: fc.Parameters<never>) => fc.RunDetails<unknown[]> | Promise<fc.RunDetails<unknown[]>>;
const SUITES: Record<string, Check> = {
  differential: (p) => fc.check(differentialProperty(), p as never) as unknown as fc.RunDetails<unknown[]>,
  lockstep: (p) => fc.check(lockstepProperty(), p as never) as unknown as fc.RunDetails<unknown[]>,
  spatial: (p) => fc.check(spatialProperty(), p as never) as unknown as fc.RunDetails<unknown[]>,
  temporal: (p) => fc.check(temporalProperty(), p as never) as unknown as fc.RunDetails<unknown[]>,
  assembly: (p) => fc.check(assemblyProperty(), p as never) as unknown as fc.RunDetails<unknown[]>,
  image: (p) => fc.check(imageProperty(), p as never) as unknown as Promise<fc.RunDetails<unknown[]>>,
  words: (p) => fc.check(wordProperty(), p as never) as unknown as fc.RunDetails<unknown[]>,
  cli: (p) => fc.check(cliProperty(), p as never) as unknown as Promise<fc.RunDetails<unknown[]>>,
  pgmon: (p) => fc.check(pgmonProperty(), p as never) as unknown as fc.RunDetails<unknown[]>,
};
void config;

function usage(msg?: string): never {
  if (msg) process.stderr.write(`fuzz: ${msg}\n`);
  process.stderr.write(`usage: npm run fuzz -- [--time SECONDS] [--runs N] [--suite NAME[,NAME]] [--seed N] [--batch N]\nsuites: ${Object.keys(SUITES).join(', ')}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? usage(`--${name} needs a value`)) : undefined;
};
if (args.includes('--help') || args.includes('-h')) usage();
const num = (name: string, d: number) => {
  const v = opt(name);
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) usage(`--${name} must be a positive number`);
  return n;
};
const runs = opt('runs') !== undefined ? num('runs', 1) : undefined;
const seconds = num('time', runs !== undefined ? 1e9 : 60);
const batch = num('batch', 200);
const fixedSeed = opt('seed') !== undefined ? num('seed', 1) : undefined;
const names = (opt('suite') ?? Object.keys(SUITES).join(',')).split(',');
for (const n of names) if (!SUITES[n]) usage(`unknown suite '${n}'`);

const tty = process.stderr.isTTY;
function bar(name: string, done: number, total: number, cases: number, started: number) {
  const w = 30;
  const f = Math.min(1, done / total);
  const line = `${name.padEnd(12)} [${'#'.repeat(Math.round(f * w)).padEnd(w, '.')}] ${(f * 100).toFixed(0).padStart(3)}%  ${cases} cases  ${((performance.now() - started) / 1000).toFixed(1)} s`;
  process.stderr.write(tty ? `\r${line}` : `${line}\n`);
}

const summary: string[] = [];
let failed = false;
const t0 = performance.now();
for (const name of names) {
  const budgetMs = (seconds * 1000) / names.length;
  const started = performance.now();
  let cases = 0;
  let lastBar = 0;
  const seeds: number[] = [];
  while (runs !== undefined ? cases < runs : performance.now() - started < budgetMs) {
    const seed = fixedSeed !== undefined && seeds.length === 0 ? fixedSeed : (Math.random() * 2 ** 31) | 0;
    seeds.push(seed);
    const n = runs !== undefined ? Math.min(batch, runs - cases) : batch;
    const r = await SUITES[name]!({ seed, numRuns: n } as fc.Parameters<never>);
    cases += r.numRuns;
    const now = performance.now();
    if (now - lastBar > 250 || r.failed) {
      bar(name, runs !== undefined ? cases : now - started, runs ?? budgetMs, cases, started);
      lastBar = now;
    }
    if (r.failed) {
      failed = true;
      process.stderr.write('\n');
      report(name, seed, r);
      break;
    }
  }
  bar(name, 1, 1, cases, started);
  if (tty) process.stderr.write('\n');
  summary.push(`${name.padEnd(12)} ${String(cases).padStart(7)} cases  ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  seeds ${seeds.length <= 4 ? seeds.join(', ') : `${seeds.slice(0, 3).join(', ')}, … (${seeds.length})`}`);
  if (failed) break;
}
process.stdout.write(
  [
    `fuzz: ${failed ? 'FAILED' : 'all properties held'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    ...summary,
    tally.programs ? `differential: ${tally.programs} programs (${tally.bareSteps} bare steps; ${tally.halts} halted, ${tally.budgets} at the step limit, ${tally.checkstops} check-stopped; traps by cause ${tally.reflected.slice(1).join('/')})` : '',
  ]
    .filter(Boolean)
    .join('\n') + '\n',
);
process.exit(failed ? 1 : 0);

function report(name: string, seed: number, r: fc.RunDetails<unknown[]>) {
  const out: string[] = [`fuzz: the ${name} property FAILED`, `  replay: fc.check(…, { seed: ${seed}, path: ${JSON.stringify(r.counterexamplePath)} })`, `  or:     npm run fuzz -- --suite ${name} --seed ${seed} --runs ${batch}`, '', String(r.errorInstance instanceof Error ? r.errorInstance.message : r.errorInstance), ''];
  const ce = r.counterexample;
  if ((name === 'differential' || name === 'lockstep') && ce) {
    const [p, cfg] = ce as [Program, unknown];
    out.push(
      'shrunk case, as an entry for PROGRAMS in test/fuzz/regressions.ts:',
      '  {',
      `    name: 'fuzz seed ${seed}: <what went wrong>',`,
      `    source: \`\n${source(p)}\`,`,
      `    input: [${[...p.input].join(', ')}],`,
      `    config: ${JSON.stringify(cfg)},`,
      '  },',
    );
  } else if (ce) out.push('shrunk case:', JSON.stringify(ce, (_k, v) => (v instanceof Uint8Array ? [...v] : v), 2));
  process.stdout.write(out.join('\n') + '\n');
}
void program;

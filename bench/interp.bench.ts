/**
 * Suite 1, the CPU: guest instructions per second on the kernels, and the
 * same algorithms in plain JavaScript in the same run, so each kernel's
 * slowdown (time on PG32 / time in JS) is a ratio of two measurements taken
 * side by side, under the same load.
 *
 * Two ways, both reported:
 *   fresh   the headline, as the CLI runs: every measurement a new Node
 *           process, a new machine, one run (bench/fresh.ts), interleaved
 *           round by round with the JS twin and the interpreter alone
 *           (translation off); the median of the rounds. V8 compiling the
 *           interpreter and the translated code while the guest runs is
 *           part of it.
 *   warm    the best case: one machine, reused, after warm-up, timed by
 *           benny (one call = load the image + run to halt).
 */
import { VOLATILE_AT } from '../src/cpu/codecache.js';
import { Cpu } from '../src/cpu/cpu.js';
import { Console } from '../src/cpu/devices.js';
import type { Image } from '../src/image.js';
import { PG32 } from '../src/isa/table.js';
import { assembleKernel, kernels, memFor, type Kernel } from './kernels.js';
import {
  type BenchOptions,
  type Case,
  type Fresh,
  type SuiteReport,
  type TargetResult,
  check,
  fmtInt,
  fmtM,
  fmtTime,
  freshRounds,
  get,
  heading,
  median,
  ratio,
  runSuite,
  table,
  warm,
} from './lib.js';

/** a step budget no kernel reaches */
export const BUDGET = 1e10;

export const TARGETS = {
  countIps: 2.5e9,
  countVsJs: 2,
  fibIps: 1e9,
  stateIps: 600e6,
  loopsIps: 1.5e9, // sieve, memcpy, sort
  coremarkVsJs: 4,
};

/** Sink for the JS kernels' results, so the JIT cannot drop the work. */
export let sink: unknown;

export interface BareRun {
  readonly kernel: Kernel;
  readonly image: Image;
  readonly memWords: number;
  readonly cpu: Cpu;
  /** guest instructions per call */
  readonly instret: number;
  readonly traps: number;
  /** load + run to halt: the timed function */
  readonly fn: () => void;
}

/** A bare machine for a kernel, run once and verified, then warmed up. */
export function bare(kernel: Kernel, image = assembleKernel(kernel), memWords = memFor(image)): BareRun {
  const cpu = new Cpu({ isa: PG32, memWords, devices: new Console() });
  const fn = () => {
    cpu.load(image);
    if (cpu.run(BUDGET) !== 'halt') throw new Error(`${kernel.name}: did not halt (${cpu.checkStop?.why ?? 'budget'})`);
  };
  fn();
  kernel.verify(cpu.regs, cpu.mem, image);
  const instret = cpu.instret;
  const traps = cpu.trapCount;
  warm(fn);
  check(cpu.instret === instret, `${kernel.name}: the same instruction count every run`);
  return { kernel, image, memWords, cpu, instret, traps, fn };
}

/**
 * The kernels' sizes for fresh runs: each runs for a tenth of a second or
 * more once warm, long enough that its speed, not only V8's start, is what
 * is measured (the warm-up is reported beside it). The plain-JS twin does
 * the same work.
 */
export const FRESH_SIZES: Readonly<Record<string, readonly string[]>> = {
  count: ['N=100000000'],
  fib: ['N=33'],
  sieve: ['REPS=40'],
  memcpy: ['REPS=512'],
  matmul: ['REPS=25'],
  sort: ['N=12000'],
  state: ['REPS=1000'],
  coremark: ['ITER=10000'],
  smc: ['N=15000000'],
  straight: [],
};

/** Per kernel, the medians of its fresh runs. */
export interface FreshKernel {
  readonly name: string;
  readonly instret: number;
  /** CPU and wall ms: translating CPU, JS twin, interpreter alone */
  readonly pg: { cpu: number; wall: number };
  readonly js: { cpu: number; wall: number };
  /** the interpreter alone (for the kernels whose target compares with it) */
  readonly interp?: { cpu: number; wall: number };
}

/** Kernels also run with translation off, in fresh processes (their targets compare with the interpreter). */
export const VS_INTERPRETER = ['smc', 'straight'];

const med = (rs: readonly Fresh[]) => ({ cpu: median(rs.map((r) => r.cpuMs)), wall: median(rs.map((r) => r.ms)) });

export function freshKernels(names: readonly string[], rounds: number): FreshKernel[] {
  const size = (n: string) => FRESH_SIZES[n] ?? [];
  const jobs: string[][] = [];
  const at = names.map((n) => {
    const i = jobs.length;
    jobs.push(['run', n, ...size(n)], ['js', n, ...size(n)]);
    if (VS_INTERPRETER.includes(n)) jobs.push(['interp', n, ...size(n)]);
    return i;
  });
  const r = freshRounds(jobs, rounds, 'fresh processes');
  return names.map((name, k) => {
    const i = at[k]!;
    return {
      name,
      instret: r[i]![0]!.instret,
      pg: med(r[i]!),
      js: med(r[i + 1]!),
      ...(VS_INTERPRETER.includes(name) ? { interp: med(r[i + 2]!) } : {}),
    };
  });
}

export async function run(opts: BenchOptions): Promise<SuiteReport> {
  const all = kernels();
  const runs = all.map((k) => bare(k));
  const jsFns = runs.map((r) => {
    const f = r.kernel.js;
    const fn = () => {
      sink = f();
    };
    warm(fn);
    return fn;
  });

  heading('CPU: what one run does');
  const countsMd = table(
    ['kernel', 'work', 'guest instructions', 'traps', 'storage words'],
    runs.map((r) => [r.kernel.name, r.kernel.what, fmtInt(r.instret), String(r.traps), fmtInt(r.memWords)]),
    [false, false, true, true, true],
  );

  // Fresh processes, interleaved: translating CPU, JS twin, interpreter alone.
  const rounds = opts.quick ? 1 : 3;
  heading(`CPU, fresh: every run a new process and a new machine, ${rounds} round${rounds > 1 ? 's' : ''}, medians (CPU time of the process; wall time beside it)`);
  const fr = freshKernels(runs.map((r) => r.kernel.name), rounds);
  const by = new Map(fr.map((f) => [f.name, f]));
  const ips = (f: FreshKernel, t: { cpu: number }) => f.instret / (t.cpu / 1e3);
  const freshMd = table(
    ['kernel', 'instructions', 'PG32 ms (wall)', 'PG32 instr/s', 'JS ms (wall)', 'PG32 / JS', 'interpreted ms', 'translated / interpreted'],
    fr.map((f) => [
      f.name,
      fmtInt(f.instret),
      `${f.pg.cpu.toFixed(1)} (${f.pg.wall.toFixed(1)})`,
      fmtM(ips(f, f.pg)),
      `${f.js.cpu.toFixed(1)} (${f.js.wall.toFixed(1)})`,
      `${(f.pg.cpu / f.js.cpu).toFixed(2)}×`,
      f.interp ? f.interp.cpu.toFixed(1) : '–',
      f.interp ? (f.pg.cpu / f.interp.cpu).toFixed(2) : '–',
    ]),
  );

  // Warm: benny, one machine reused.
  const cases: Case[] = [];
  runs.forEach((r, i) => {
    cases.push({ name: `pg32 ${r.kernel.name}`, fn: r.fn });
    cases.push({ name: `js ${r.kernel.name}`, fn: jsFns[i]! });
  });
  const t = await runSuite('interp', 'interp: PG32 vs plain JS, warm', cases, opts);
  heading('CPU, warm: one machine reused after warm-up (guest instructions/s = calls/s × instructions per call)');
  const warmIps = new Map<string, number>();
  const warmMd = table(
    ['kernel', 'PG32 time/call', 'guest instr/s', 'ns/instr', 'JS time/call', 'PG32 / JS'],
    runs.map((r) => {
      const pg = get(t, `pg32 ${r.kernel.name}`);
      const j = get(t, `js ${r.kernel.name}`);
      const slow = ratio(pg, j);
      warmIps.set(r.kernel.name, r.instret / pg.mean);
      return [
        r.kernel.name,
        `${fmtTime(pg.mean)} ±${pg.rme.toFixed(1)}%`,
        fmtM(r.instret / pg.mean),
        ((pg.mean / r.instret) * 1e9).toFixed(2),
        `${fmtTime(j.mean)} ±${j.rme.toFixed(1)}%`,
        `${slow.value.toFixed(2)}× ±${slow.rme.toFixed(1)}%`,
      ];
    }),
  );

  const f = (n: string) => by.get(n)!;
  // The warm-up a fresh process pays: its time beyond what the same instructions take warm.
  const warmupMs = (n: string) => f(n).pg.cpu - (f(n).instret / warmIps.get(n)!) * 1e3;
  heading('Warm-up: fresh CPU time beyond the same instructions at the warm speed');
  const warmupMd = table(['kernel', 'fresh ms', 'at warm speed ms', 'warm-up ms'], fr.map((x) => [x.name, x.pg.cpu.toFixed(1), ((x.instret / warmIps.get(x.name)!) * 1e3).toFixed(1), warmupMs(x.name).toFixed(1)]));
  const g = (n: string) => ips(f(n), f(n).pg);
  const w = (n: string) => fmtM(warmIps.get(n)!);
  const targets: TargetResult[] = [
    {
      target: `counting loop ≥ ${TARGETS.countIps / 1e9} G instructions/s, within ${TARGETS.countVsJs}× plain JS`,
      measured: `${fmtM(g('count'))}/s, ${(f('count').pg.cpu / f('count').js.cpu).toFixed(2)}× JS (warm: ${w('count')}/s)`,
      met: g('count') >= TARGETS.countIps && f('count').pg.cpu / f('count').js.cpu <= TARGETS.countVsJs,
      note: 'One tree: the addi and the bne as JS, the back edge a JS `continue` with one budget check per pass.',
    },
    {
      target: `recursive fib ≥ ${TARGETS.fibIps / 1e9} G instructions/s`,
      measured: `${fmtM(g('fib'))}/s (warm: ${w('fib')}/s)`,
      met: g('fib') >= TARGETS.fibIps,
      note: 'One region holds the function, its two return addresses and the leaf return: calls continue at the callee\'s head, returns go through the address-to-head table (the return-address check), all inside one JS function.',
    },
    {
      target: `state machine ≥ ${TARGETS.stateIps / 1e6} M instructions/s`,
      measured: `${fmtM(g('state'))}/s (warm: ${w('state')}/s)`,
      met: g('state') >= TARGETS.stateIps,
      note: 'The scan loop is one tree: every chain of compares and branches is nested `if`s, the back edge a `continue`.',
    },
    {
      target: 'self-modifying loop at least as fast as the interpreter',
      measured: `translated / interpreted = ${(f('smc').pg.cpu / f('smc').interp!.cpu).toFixed(2)} (${fmtM(g('smc'))}/s vs ${fmtM(ips(f('smc'), f('smc').interp!))}/s)`,
      met: f('smc').pg.cpu <= f('smc').interp!.cpu,
      note: `The rewritten word is translated with its immediate read at run time once it has been rewritten ${VOLATILE_AT} times (the rest of the word checked each time): the loop is not re-translated and stays translated.`,
    },
    ...(['sieve', 'memcpy', 'sort'] as const).map((n) => ({
      target: `${n} ≥ ${TARGETS.loopsIps / 1e9} G instructions/s`,
      measured: `${fmtM(g(n))}/s (warm: ${w(n)}/s)`,
      met: g(n) >= TARGETS.loopsIps,
      note: 'Loops as JS loops; every load and store checks relocation and every store the code bitmap.',
    })),
    {
      target: `CoreMark-like workload within ${TARGETS.coremarkVsJs}× plain JS`,
      measured: `${(f('coremark').pg.cpu / f('coremark').js.cpu).toFixed(2)}× (${fmtM(g('coremark'))}/s; warm ${w('coremark')}/s)`,
      met: f('coremark').pg.cpu / f('coremark').js.cpu <= TARGETS.coremarkVsJs,
      note: 'List, matrix, state machine and CRC functions in one region; calls and returns inside it.',
    },
    {
      target: 'straight-line code run once: translation no slower than interpreting',
      measured: `translated / interpreted = ${(f('straight').pg.cpu / f('straight').interp!.cpu).toFixed(2)} (${f('straight').pg.cpu.toFixed(1)} vs ${f('straight').interp!.cpu.toFixed(1)} ms)`,
      met: f('straight').pg.cpu <= f('straight').interp!.cpu * 1.1,
      note: 'Nothing is translated before a target has taken 16 branches (counted per word): code that runs once is never translated.',
    },
  ];
  const markdown = [
    countsMd,
    '',
    `**Fresh** (the targets): each figure is the median of ${rounds} new Node processes, each making a new machine and running the kernel once, as \`trapeze run\` does (storage: the default --mem), at the sizes ${Object.entries(FRESH_SIZES).filter(([, v]) => v.length).map(([k, v]) => `${k} ${v.join(' ')}`).join(', ')}; the process's CPU time (user + system, V8's compiler threads included), wall time in parentheses. "interpreted" is the same with translation off (for the kernels whose target is about it). The JS twin does the same work, timed the same way in its own fresh process.`,
    '',
    freshMd,
    '',
    '**Warm** (the best case): one machine reused, after warm-up; benny\'s mean per call (`cpu.load` + `cpu.run` to the halt), at the kernels\' own sizes.',
    '',
    warmMd,
    '',
    '**Warm-up**: what a fresh process pays over the warm speed for the same instructions: V8 compiling the interpreter and the translated regions while the guest runs (regions run in V8\'s bytecode interpreter and baseline compiler until then, at tens of M instructions/s).',
    '',
    warmupMd,
  ].join('\n');
  return { name: 'interp', title: 'CPU', markdown, targets };
}

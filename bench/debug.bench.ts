/**
 * Reverse execution (src/debug): how long `reverse-step` takes at the end of
 * a 10-million-step run, bare and under the trap-and-emulate monitor, and
 * what recording the history costs.
 *
 * The debugger runs the program to its end (`continue`), taking checkpoints
 * on the way; a reverse-step restores the checkpoint before the target step
 * and replays from it at full speed, twice (once to show the step it undid).
 * So its cost is a restore plus at most one checkpoint interval of replay:
 *  - "successive": reverse-step after reverse-step from the end (benny's
 *    calls walk back one step each: the replay length varies over the interval);
 *  - "longest replay": each call lands just before a checkpoint (the longest
 *    replay there is), then steps forward again.
 * The same is measured in a fresh process (cold code, as the CLI runs).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cpu } from '../src/cpu/cpu.js';
import { Console } from '../src/cpu/devices.js';
import { Engine } from '../src/debug/engine.js';
import { BareTarget, VmmTarget, type Target } from '../src/debug/target.js';
import type { Image } from '../src/image.js';
import { PG32 } from '../src/isa/table.js';
import { startVmm } from '../src/snapshot/machine.js';
import { assembleOrThrow, check, fmtInt, fmtTime, get, heading, readProgram, runSuite, table, type BenchOptions, type Case, type SuiteReport } from './lib.js';

const TARGET_MS = 100;

function bare(image: Image): BareTarget {
  const con = new Console();
  const cpu = new Cpu({ isa: PG32, devices: con });
  cpu.load(image);
  return new BareTarget(cpu, con, { name: 'debuggee.s', image }, 1e9);
}

function virtual(image: Image): VmmTarget {
  const run = startVmm([image], new Uint8Array(0), { isa: PG32, monitor: 'trap-emulate', depth: 1, quantum: 1000, guestWords: 65536, maxSteps: 1e9 });
  return new VmmTarget(run, [{ name: 'debuggee', image }]);
}

interface Prepared {
  readonly name: string;
  readonly engine: Engine;
  readonly steps: number;
  readonly continueMs: number;
  /** the step just before a checkpoint with the longest replay behind it */
  readonly worst: number;
  readonly replay: number;
}

function prepare(name: string, make: () => Target): Prepared {
  const engine = new Engine(make(), { maxSteps: 1e9 });
  const t0 = performance.now();
  const stop = Engine.drive(engine.continue());
  const continueMs = performance.now() - t0;
  check(stop.kind === 'halt', `${name}: the run ends in a halt, not ${stop.kind}`);
  const steps = engine.time;
  // the last checkpoint, and the step before it: the longest replay from the one before
  const last = engine.history.at(steps - 1)!;
  const prev = engine.history.before(last)!;
  return { name, engine, steps, continueMs, worst: last.time - 1, replay: last.time - 1 - prev.time };
}

/** The first reverse-step in a fresh process: cold code, as `trapeze debug` meets it. */
function fresh(kind: 'bare' | 'vmm'): { continueMs: number; reverseMs: number } {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--fresh', kind], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fresh ${kind} run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { continueMs: number; reverseMs: number };
}

export async function run(opts: BenchOptions): Promise<SuiteReport> {
  const image = assembleOrThrow(readProgram('debuggee.s'), 'debuggee.s');
  const plain = bare(image);
  const p0 = performance.now();
  plain.run(1e9);
  const plainMs = performance.now() - p0;
  const prepared = [prepare('bare', () => bare(image)), prepare('trap-emulate', () => virtual(image))];
  check(prepared[0]!.steps === plain.time, `the debugger's run takes ${prepared[0]!.steps} steps, the plain run ${plain.time}`);

  heading('Reverse execution: what one call undoes, and the history behind it');
  const countsMd = table(
    ['machine', 'steps in the run', 'checkpoints', 'interval (steps)', 'pages held', 'longest replay (steps)', 'continue to the end'],
    prepared.map((p) => [p.name, fmtInt(p.steps), fmtInt(p.engine.history.size), fmtInt(p.engine.history.interval), `${(p.engine.history.heldBytes / 1048576).toFixed(2)} MiB`, fmtInt(p.replay), `${p.continueMs.toFixed(0)} ms`]),
    [false, true, true, true, true, true, true],
  );

  const cases: Case[] = [];
  for (const p of prepared) {
    const e = p.engine;
    cases.push({
      name: `${p.name}: reverse-step, successive`,
      fn: () => {
        if (e.time < p.steps - 5000) e.goTo(p.steps); // stay near the end
        Engine.drive(e.reverseStep());
      },
    });
    cases.push({
      name: `${p.name}: reverse-step, longest replay`,
      fn: () => {
        e.goTo(p.worst + 1);
        Engine.drive(e.reverseStep());
      },
    });
  }
  // verify and warm up: a reverse-step lands one step back
  for (const p of prepared) {
    p.engine.goTo(p.worst + 1);
    const before = p.engine.time;
    Engine.drive(p.engine.reverseStep());
    check(p.engine.time === before - 1, `${p.name}: reverse-step from ${before} lands at ${p.engine.time}`);
  }
  const t = await runSuite('debug', 'debug: reverse-step at the end of a 10M-step run', cases, opts);
  const cold = { bare: fresh('bare'), vmm: fresh('vmm') };

  heading('Reverse execution: time per reverse-step');
  const rows = prepared.map((p) => {
    const s = get(t, `${p.name}: reverse-step, successive`);
    const w = get(t, `${p.name}: reverse-step, longest replay`);
    const c = p.name === 'bare' ? cold.bare : cold.vmm;
    return [p.name, `${fmtTime(s.mean)} ±${s.rme.toFixed(1)}%`, `${fmtTime(w.mean)} ±${w.rme.toFixed(1)}%`, `${c.reverseMs.toFixed(1)} ms`, `${c.continueMs.toFixed(0)} ms`];
  });
  const timesMd = table(['machine', 'successive (mean)', 'longest replay (mean)', 'first, fresh process', 'continue, fresh process'], rows, [false, true, true, true, true]);
  const worst = Math.max(...prepared.map((p) => get(t, `${p.name}: reverse-step, longest replay`).mean * 1000), cold.bare.reverseMs, cold.vmm.reverseMs);
  const overhead = prepared[0]!.continueMs / plainMs;
  const markdown = [
    'One call = one `reverse-step` as the debugger does it (Engine.reverseStep: restore the checkpoint before the target step, replay to it, observe the step undone, replay again), at the end of `bench/programs/debuggee.s` run to its halt with `continue` (10,023,305 steps: loads, stores, calls and an `out` per pass; under the monitor each `out` and the `halt` trap and are emulated).',
    '',
    countsMd,
    '',
    timesMd,
    '',
    `Recording: \`continue\` to the end takes ${prepared[0]!.continueMs.toFixed(0)} ms with checkpoints against ${plainMs.toFixed(0)} ms for the plain run (${overhead.toFixed(1)}×): each checkpoint compares every page of storage with the previous checkpoint's and copies the ones that changed.`,
  ].join('\n');
  return {
    name: 'debug',
    title: 'Reverse execution',
    markdown,
    targets: [
      {
        target: `reverse-step on a 10-million-step run < ${TARGET_MS} ms`,
        measured: `longest replay ${fmtTime(Math.max(...prepared.map((p) => get(t, `${p.name}: reverse-step, longest replay`).mean)))} (bare and trap-and-emulate); first in a fresh process ${cold.bare.reverseMs.toFixed(1)} / ${cold.vmm.reverseMs.toFixed(1)} ms`,
        met: worst < TARGET_MS,
        note: `A reverse-step costs one restore (a copy of storage) and at most one checkpoint interval of replay (${fmtInt(prepared[0]!.engine.history.interval)} steps here, at full speed through the translator), twice. Intervals grow to 1/64 of the run for long runs and the history is thinned beyond its memory budget, so far longer runs replay longer.`,
      },
    ],
  };
}

// `--fresh bare|vmm`: one run, one reverse-step, in this new process
if (process.argv[2] === '--fresh') {
  const image = assembleOrThrow(readProgram('debuggee.s'), 'debuggee.s');
  const e = new Engine(process.argv[3] === 'vmm' ? virtual(image) : bare(image), { maxSteps: 1e9 });
  const t0 = performance.now();
  Engine.drive(e.continue());
  const continueMs = performance.now() - t0;
  const t1 = performance.now();
  Engine.drive(e.reverseStep());
  const reverseMs = performance.now() - t1;
  console.log(JSON.stringify({ continueMs, reverseMs }));
}

/**
 * The monitor nanobenchmarks, in the page (bench/nano.bench.ts's guests,
 * after Adams & Agesen): each operation's loop run bare and under every
 * monitor the library has. Counts first (guest instructions, round trips,
 * monitor entries), then time: each machine is prepared once and reloaded
 * for every run (as bench/ does), warmed up, and timed as the best of
 * REPEATS measurements; the round trip = (time with the operation − time of the bare loop on the same
 * machine) / round trips.
 *
 * These are browser timings (performance.now() is coarse in a page, so
 * each run is long enough to measure); bench/ has the careful numbers.
 */
import { MEM_WORDS, OPS, source, type Op } from '../../../bench/nano-programs.js';
import { assemble } from '../../../src/asm/index.js';
import { Cpu } from '../../../src/cpu/cpu.js';
import { Console } from '../../../src/cpu/devices.js';
import type { Image } from '../../../src/image.js';
import { PG32 } from '../../../src/isa/table.js';
import { buildStack, loadGuest } from '../../../src/vmm/stack.js';
import { MONITORS } from '../../../src/vmm/monitor.js';
import type { BenchRow, BenchView } from '../protocol.js';

export const REPEATS = 5;
/** each measurement lasts at least this long */
const MIN_MS = 15;
const BUDGET = 1e9;

interface Case {
  readonly op: Op;
  readonly machine: string;
}

interface Counts {
  readonly instructions: number;
  readonly trips: number;
  readonly entries: number;
}

const sum = (a: Float64Array) => a.reduce((n, x) => n + x, 0);

/** A machine ready to run `image` again and again (reloaded each time, its translations kept, as bench/ does it). */
function prepare(image: Image, machine: string, op: Op, k: number): () => Counts {
  if (machine === 'bare') {
    const cpu = new Cpu({ isa: PG32, memWords: MEM_WORDS, devices: new Console() });
    return () => {
      cpu.load(image);
      if (cpu.run(BUDGET) !== 'halt') throw new Error(`bare ${op.name}: did not halt (${cpu.checkStop?.why ?? 'budget'})`);
      return { instructions: cpu.instret, trips: op.cause ? cpu.traps[op.cause]! : k, entries: 0 };
    };
  }
  const stack = buildStack({ isa: PG32, monitor: machine as (typeof MONITORS)[number], depth: 1, count: 1, guestWords: MEM_WORDS });
  const vm = stack.guests[0]!;
  const console = new Console();
  // Monitor entries: traps into a software monitor, exits from hardware guest mode.
  const entries = () => sum(vm.stats.traps) + sum(vm.stats.exits);
  return () => {
    const before = entries();
    loadGuest(vm, image, console);
    if (vm.run(BUDGET) !== 'halt') throw new Error(`${machine} ${op.name}: the guest did not halt (${vm.checkStop?.why ?? 'budget'})`);
    // The guest does the same work on every machine: its round trips are the bare machine's (checked in the tests).
    return { instructions: vm.instret, trips: -1, entries: entries() - before };
  };
}

/** Milliseconds per call of `fn`: the best of `repeats` measurements, each of as many calls as fill `minMs` (the page's clock is coarse). */
function time(fn: () => unknown, repeats: number, minMs: number): number {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      fn();
      n++;
      t = performance.now();
    } while (t - t0 < minMs);
    best = Math.min(best, (t - t0) / n);
  }
  return best;
}

export class BenchRun {
  readonly machines = ['bare', ...MONITORS];
  private readonly cases: Case[];
  private readonly images = new Map<string, Image>();
  private readonly rows: BenchRow[] = [];
  private readonly loopMs = new Map<string, number>();
  private readonly bareTrips = new Map<string, number>();
  private index = 0;

  constructor(
    readonly iterations: number,
    /** timing: measurements per case and the least time each lasts (tests use less) */
    private readonly timing = { repeats: REPEATS, minMs: MIN_MS },
  ) {
    this.cases = OPS.flatMap((op) => this.machines.map((machine) => ({ op, machine })));
    for (const op of OPS) {
      const r = assemble(source(op, iterations), `nano-${op.name}.s`);
      if (!r.image) throw new Error(`nano-${op.name}.s does not assemble: ${r.errors[0]?.message}`);
      this.images.set(op.name, r.image);
    }
  }

  get done(): boolean {
    return this.index >= this.cases.length;
  }

  /** Measure the next case: verify it once, warm it up, then time it. */
  next(): void {
    const c = this.cases[this.index++]!;
    const run = prepare(this.images.get(c.op.name)!, c.machine, c.op, this.iterations);
    let counts = run();
    if (c.machine === 'bare') this.bareTrips.set(c.op.name, counts.trips);
    counts = { ...counts, trips: this.bareTrips.get(c.op.name) ?? counts.trips };
    run();
    const ms = time(run, this.timing.repeats, this.timing.minMs);
    if (c.op.name === 'loop') this.loopMs.set(c.machine, ms);
    const loop = this.loopMs.get(c.machine);
    this.rows.push({
      op: c.op.name,
      what: c.op.what,
      machine: c.machine,
      ...counts,
      ms,
      roundTripNs: c.op.name === 'loop' || loop === undefined ? null : ((ms - loop) * 1e6) / Math.max(1, counts.trips),
    });
  }

  view(): BenchView {
    return { iterations: this.iterations, machines: this.machines, rows: this.rows, done: this.done };
  }
}

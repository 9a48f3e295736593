/**
 * The monitor nanobenchmarks, in the page (bench/nano.bench.ts's guests,
 * after Adams & Agesen): each operation's loop run bare and under every
 * monitor the library has. Counts first (guest instructions, round trips,
 * monitor entries), then time: the best of REPEATS fresh runs, and the
 * round trip = (time with the operation − time of the bare loop on the same
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
import { MONITORS } from '../../../src/vmm/vmm.js';
import type { BenchRow, BenchView } from '../protocol.js';

export const REPEATS = 5;
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

/** One run of `image` on `machine` from a fresh load; what it did. */
function runOnce(image: Image, machine: string, op: Op, k: number): Counts {
  if (machine === 'bare') {
    const cpu = new Cpu({ isa: PG32, memWords: MEM_WORDS, devices: new Console() });
    cpu.load(image);
    if (cpu.run(BUDGET) !== 'halt') throw new Error(`bare ${op.name}: did not halt (${cpu.checkStop?.why ?? 'budget'})`);
    return { instructions: cpu.instret, trips: op.cause ? cpu.traps[op.cause]! : k, entries: 0 };
  }
  const stack = buildStack({ isa: PG32, monitor: machine as (typeof MONITORS)[number], depth: 1, count: 1, guestWords: MEM_WORDS });
  const vm = stack.guests[0]!;
  loadGuest(vm, image, new Console());
  if (vm.run(BUDGET) !== 'halt') throw new Error(`${machine} ${op.name}: the guest did not halt (${vm.checkStop?.why ?? 'budget'})`);
  return { instructions: vm.instret, trips: op.cause ? vm.stats.reflected[op.cause]! : k, entries: sum(vm.stats.traps) };
}

export class BenchRun {
  readonly machines = ['bare', ...MONITORS];
  private readonly cases: Case[];
  private readonly images = new Map<string, Image>();
  private readonly rows: BenchRow[] = [];
  private readonly loopMs = new Map<string, number>();
  private index = 0;

  constructor(readonly iterations: number) {
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

  /** Measure the next case: verify it once, then the best of REPEATS timed runs. */
  next(): void {
    const c = this.cases[this.index++]!;
    const image = this.images.get(c.op.name)!;
    const counts = runOnce(image, c.machine, c.op, this.iterations);
    let best = Infinity;
    for (let i = 0; i < REPEATS; i++) {
      const t0 = performance.now();
      runOnce(image, c.machine, c.op, this.iterations);
      best = Math.min(best, performance.now() - t0);
    }
    if (c.op.name === 'loop') this.loopMs.set(c.machine, best);
    const loop = this.loopMs.get(c.machine);
    this.rows.push({
      op: c.op.name,
      what: c.op.what,
      machine: c.machine,
      ...counts,
      ms: best,
      roundTripNs: c.op.name === 'loop' || loop === undefined ? null : ((best - loop) * 1e6) / Math.max(1, counts.trips),
    });
  }

  view(): BenchView {
    return { iterations: this.iterations, machines: this.machines, rows: this.rows, done: this.done };
  }
}

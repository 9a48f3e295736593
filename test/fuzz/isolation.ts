/**
 * Spatial and temporal isolation properties, shared by the vitest suites and
 * `npm run fuzz`.
 *
 * Spatial: a guest enters a random mode and relocation (base B, bound N) and
 * loads, stores, jumps to, and lpsw/spsw's at addresses chosen at the edges
 * (0, bound−1, bound, the partition's end seen through B, −B, wrap-around,
 * 2³¹) and at random. A model written here from ISA.md alone (fault iff
 * a ≥ bound or B + a ≥ storage) predicts every trap, cause and info; the
 * guest's handler logs what it got. Under the monitor, beside two other VMs,
 * the log must match the model and the bare machine, and the hash of all real
 * storage outside the guest's partition (the monitor's low storage, the other
 * VMs, the levels below) must not change.
 *
 * Temporal: a spinning (or trap-storming) VM beside N−1 workers under round
 * robin: every slice is at most one quantum, a worker waits at most (N−1)
 * quanta between its slices, and while all N run each gets at least
 * 1/N − ε of the steps (ε = one quantum's worth).
 */
import fc from 'fast-check';
import { Console } from '../../src/cpu/devices.js';
import { CAUSES, FLAGS, INSTRUCTIONS, LOW, PG32, opcodeWord, setField } from '../../src/isa/table.js';
import { checkEquivalence } from '../../src/vmm/equiv.js';
import { roundRobin } from '../../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import { overhead, type MonitorKind } from '../../src/vmm/monitor.js';
import type { VirtualMachine } from '../../src/vmm/vm.js';
import { Mismatch } from './differential.js';
import { build, canary, MEM, program, source } from './generator.js';

const spec = (m: string) => INSTRUCTIONS.find((s) => s.mnemonic === m)!;

/** FNV-1a over words */
export function hash(mem: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < mem.length; i++) h = Math.imul(h ^ mem[i]!, 16777619);
  return h >>> 0;
}

// ------------------------------------------------------------------- spatial

type Kind = 'ld' | 'st' | 'jr' | 'lpsw' | 'spsw';
export interface Access {
  readonly kind: Kind;
  /** an edge (resolved against the guest's relocation) or a raw address */
  readonly at: { edge: string; plus: number } | { raw: number };
}
export interface SpatialCase {
  readonly supervisor: boolean;
  readonly base: number;
  /** 'tight' = just past the code; else a number */
  readonly bound: number | 'tight' | 'room' | 'room+1' | 'room-1';
  readonly accesses: readonly Access[];
  readonly monitor: MonitorKind;
  readonly depth: 1 | 2;
  readonly slot: 0 | 1 | 2;
}

const EDGES = ['zero', 'limit', 'bound', 'room', 'minusBase', 'top', 'int-min', 'code-end'] as const;
const access: fc.Arbitrary<Access> = fc.record({
  kind: fc.constantFrom<Kind>('ld', 'st', 'jr', 'lpsw', 'spsw', 'ld', 'st'),
  at: fc.oneof(
    { weight: 4, arbitrary: fc.record({ edge: fc.constantFrom(...EDGES), plus: fc.integer({ min: -4, max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ raw: fc.integer({ min: 0, max: 0xffffffff }) }) },
    { weight: 1, arbitrary: fc.record({ raw: fc.integer({ min: 0, max: MEM + 40 }) }) },
  ),
});

export const spatialCase: fc.Arbitrary<SpatialCase> = fc.record({
  supervisor: fc.boolean(),
  base: fc.constantFrom(0, 1, 3, 16),
  bound: fc.oneof(fc.constantFrom('tight' as const, 'room' as const, 'room+1' as const, 'room-1' as const, MEM, 0xffffffff), fc.integer({ min: 200, max: MEM + 64 })),
  accesses: fc.array(access, { minLength: 1, maxLength: 24 }),
  monitor: fc.constantFrom<MonitorKind>('trap-emulate', 'hybrid', 'hw'),
  depth: fc.constantFrom(1 as const, 2 as const),
  slot: fc.constantFrom(0 as const, 1 as const, 2 as const),
});

/** the value a guest stores: an illegal word, so a jump to it traps ILLEGAL with it as info */
const STORED = (canary(0) ^ 0x00123456) | 0;
/** an upper bound on the code and log area, so the layout is known before assembling */
const CODE_END = 16 + 24 * 6 + 80;

interface Planned {
  readonly src: string;
  readonly expected: Array<[number, number]>;
}

/** Resolve the case against the model, emit the guest, and predict its trap log. */
export function planSpatial(c: SpatialCase): Planned {
  const B = c.base;
  const room = MEM - B;
  const tight = CODE_END - B;
  const N = c.bound === 'tight' ? tight : c.bound === 'room' ? room : c.bound === 'room+1' ? room + 1 : c.bound === 'room-1' ? room - 1 : Math.max(c.bound, tight);
  const limit = Math.min(N, room);
  const faults = (a: number) => a >>> 0 >= limit;
  const writable = (a: number) => a >= tight && a < limit;
  const stored = new Map<number, number | undefined>(); // virtual address → word (undefined: unknown)
  const expected: Array<[number, number]> = [];
  const body: string[] = [];
  const edge = (e: string): number =>
    ({ zero: 0, limit, bound: N, room, minusBase: -B, top: 0xffffffff, 'int-min': 0x80000000, 'code-end': tight })[e]!;
  c.accesses.forEach((x, k) => {
    const a = ('raw' in x.at ? x.at.raw : edge(x.at.edge) + x.at.plus) >>> 0;
    let kind = x.kind;
    // Keep the guest's own code, log and low storage intact, and every jump predictable.
    if (kind === 'st' && !faults(a) && !writable(a)) kind = 'ld';
    if (kind === 'jr' && !faults(a) && (!writable(a) || (stored.has(a) && stored.get(a) === undefined))) kind = 'ld';
    if (c.supervisor && kind === 'lpsw') {
      let bad = -1;
      for (let i = 0; i < 4; i++) if (faults((a + i) >>> 0)) { bad = (a + i) >>> 0; break; }
      if (bad < 0) kind = 'ld';
    }
    if (c.supervisor && kind === 'spsw') {
      let ok = true;
      for (let i = 0; i < 4; i++) if (!faults((a + i) >>> 0) && !writable((a + i) >>> 0)) ok = false;
      if (!ok) kind = 'ld';
    }
    body.push(`        li r13, n${k} - ${B}`, `        li r1, ${a}`);
    switch (kind) {
      case 'ld':
        body.push(`        ld r2, 0(r1)`);
        if (faults(a)) expected.push([CAUSES.MEMORY, a | 0]);
        break;
      case 'st':
        body.push(`        st r3, 0(r1)`);
        if (faults(a)) expected.push([CAUSES.MEMORY, a | 0]);
        else stored.set(a, STORED);
        break;
      case 'jr':
        body.push(`        jr r1`);
        if (faults(a)) expected.push([CAUSES.MEMORY, a | 0]);
        else expected.push([CAUSES.ILLEGAL, stored.has(a) ? stored.get(a)! : canary(B + a) | 0]);
        break;
      case 'lpsw':
      case 'spsw': {
        body.push(`        ${kind} r1`);
        if (!c.supervisor) {
          expected.push([CAUSES.PRIV, setField(opcodeWord(spec(kind)), 'b', 1)]);
          break;
        }
        let bad = -1;
        for (let i = 0; i < 4; i++) if (faults((a + i) >>> 0)) { bad = (a + i) >>> 0; break; }
        if (bad >= 0) expected.push([CAUSES.MEMORY, bad | 0]);
        else for (let i = 0; i < 4; i++) stored.set(a + i, undefined);
        break;
      }
    }
    body.push(`n${k}:`);
  });
  const src = `
        .org ${LOW.NEW_PSW}
        .word ${FLAGS.S}, handler, 0, ${MEM}
        .org ${LOW.LOAD_ORIGIN}
start:  la   r1, upsw
        li   r3, ${STORED}
        lpsw r1
ucode:
${body.join('\n')}
        svc  0
handler: ld  r14, ${LOW.CAUSE}(r0)
        li   r15, ${CAUSES.SVC}
        beq  r14, r15, done
        ld   r15, logp(r0)
        st   r14, 0(r15)
        ld   r14, ${LOW.INFO}(r0)
        st   r14, 1(r15)
        addi r15, r15, 2
        st   r15, logp(r0)
        st   r13, ${LOW.OLD_PSW + 1}(r0)
        lpsw r0
done:   halt
upsw:   .word ${c.supervisor ? FLAGS.S : 0}, ucode - ${B}, ${B}, ${N >>> 0}
logp:   .word log
log:    .space 2
`;
  return { src, expected };
}

/** Run a spatial case; returns what went wrong, or []. */
export function spatial(c: SpatialCase): string[] {
  const plan = planSpatial(c);
  const img = build(plan.src);
  const end = img.symbols.get('log')! + 2 * c.accesses.length + 2;
  if (end > CODE_END) throw new Error(`the spatial guest is larger than its layout allows (${end} > ${CODE_END})`);
  const problems: string[] = [];

  // Bare and under the monitor: the same (and so the same log).
  const eq = checkEquivalence(img, { isa: PG32, monitor: c.monitor, depth: c.depth, vms: 1, quantum: 7, memWords: MEM, maxSteps: 20_000 });
  problems.push(...eq.differences);

  // Beside two others: they and the monitor are untouched.
  const stack = buildStack({ isa: PG32, monitor: c.monitor, depth: c.depth, count: 3, guestWords: MEM });
  const guest = stack.guests[c.slot]!;
  const others = stack.guests.filter((g) => g !== guest);
  const worker = build(source(fc.sample(program, { seed: 7, numRuns: 1 })[0]!));
  for (const o of others) loadGuest(o, worker, new Console());
  loadGuest(guest, img, new Console());
  roundRobin(others, { quantum: 7, maxSteps: 5000 });
  const real = stack.cpu.mem;
  const at = guest.mem.byteOffset / 4;
  // What the monitors keep in storage is theirs to change: under hw, each
  // VM's control blocks, just below its partition, at every level.
  const owned = stack.levels.flatMap((l) => l.vms).map((vm) => vm.mem.byteOffset / 4 - overhead(c.monitor));
  const outside = () => {
    const copy = real.slice();
    for (const o of owned) copy.fill(0, o, o + overhead(c.monitor));
    return [hash(copy.subarray(0, at)), hash(copy.subarray(at + MEM))].join(':');
  };
  const before = outside();
  const [out] = roundRobin([guest], { quantum: 7, maxSteps: 20_000 });
  if (out!.reason !== 'halt') problems.push(`the guest stopped by ${out!.reason}${guest.checkStop ? ' ' + JSON.stringify(guest.checkStop) : ''}`);
  if (outside() !== before) problems.push('storage outside the guest partition changed');

  const logAt = img.symbols.get('log')!;
  const logEnd = guest.mem[img.symbols.get('logp')!]!;
  const got: Array<[number, number]> = [];
  for (let p = logAt; p + 1 < logEnd && p < MEM; p += 2) got.push([guest.mem[p]!, guest.mem[p + 1]!]);
  if (JSON.stringify(got) !== JSON.stringify(plan.expected)) problems.push(`trap log: expected ${JSON.stringify(plan.expected)}, got ${JSON.stringify(got)}`);
  return problems;
}

export const spatialProperty = () =>
  fc.property(spatialCase, (c) => {
    const p = spatial(c);
    if (p.length) throw new Mismatch(p.join('\n'));
  });

// ------------------------------------------------------------------ temporal

/** Spinners: each runs forever, in its own way. */
export const SPINNERS: Record<string, string> = {
  branch: `spin: b spin`,
  svc: `
        .org 8
        .word 1, h, 0, ${MEM}
        .org 16
start:  svc 3
        b start
h:      lpsw r0`,
  priv: `
        .org 8
        .word 1, h, 0, ${MEM}
        .org 16
start:  la r1, user
        lpsw r1
u:      out r0, 7          ; user mode: PRIV, every time
        b u
h:      ld r2, 1(r0)
        addi r2, r2, 1
        st r2, 1(r0)
        lpsw r0
user:   .word 0, u, 0, ${MEM}`,
  emulate: `loop: out r0, 7
        stimer r0
        b loop`,
  timer: `
        .org 8
        .word 1, h, 0, ${MEM}
        .org 16
start:  la r1, go
        li r2, 1
        stimer r2
        lpsw r1
k:      b k
h:      stimer r2
        lpsw r0
go:     .word ${FLAGS.S | FLAGS.IE}, k, 0, ${MEM}`,
};

export interface TemporalCase {
  readonly spinner: string;
  readonly workers: number;
  readonly quantum: 1 | 7 | 100;
  readonly monitor: MonitorKind;
  readonly depth: 1 | 2;
  readonly seeds: readonly number[];
  readonly slot: number;
}

export const temporalCase: fc.Arbitrary<TemporalCase> = fc.record({
  spinner: fc.constantFrom(...Object.keys(SPINNERS)),
  workers: fc.integer({ min: 1, max: 3 }),
  quantum: fc.constantFrom(1 as const, 7 as const, 100 as const),
  monitor: fc.constantFrom<MonitorKind>('trap-emulate', 'hybrid', 'hw'),
  depth: fc.constantFrom(1 as const, 2 as const),
  seeds: fc.array(fc.integer(), { minLength: 3, maxLength: 3 }),
  slot: fc.nat(3),
});

export function temporal(c: TemporalCase, maxSteps = 4000): string[] {
  const n = c.workers + 1;
  const stack = buildStack({ isa: PG32, monitor: c.monitor, depth: c.depth, count: n, guestWords: MEM });
  const slot = c.slot % n;
  const spinner = stack.guests[slot]!;
  loadGuest(spinner, build(SPINNERS[c.spinner]!), new Console());
  stack.guests.forEach((g, i) => {
    if (g === spinner) return;
    // a worker: a generated program that runs at least a few hundred steps (long loops allowed)
    const p = fc.sample(program, { seed: c.seeds[i % c.seeds.length]! + i, numRuns: 1 })[0]!;
    loadGuest(g, build(source({ ...p, body: [...p.body, ...p.body] })), new Console());
  });
  const last = new Map<VirtualMachine, number>(stack.guests.map((g) => [g, 0]));
  const slices: Array<{ vm: VirtualMachine; steps: number; stopped: boolean }> = [];
  roundRobin(stack.guests, {
    quantum: c.quantum,
    maxSteps,
    afterSlice: (vm) => {
      slices.push({ vm, steps: vm.steps - last.get(vm)!, stopped: vm.halted || vm.checkStop !== null || vm.steps >= maxSteps });
      last.set(vm, vm.steps);
    },
  });
  const problems: string[] = [];
  const q = c.quantum;
  // 1. no slice longer than a quantum
  for (const s of slices) if (s.steps > q) problems.push(`${s.vm.name} ran ${s.steps} steps in one slice of ${q}`);
  // 2. waiting: between two slices of a VM, the others ran at most (N−1) quanta
  for (const g of stack.guests) {
    let waited = 0;
    let alive = true;
    for (const s of slices) {
      if (!alive) break;
      if (s.vm === g) {
        waited = 0;
        alive = !s.stopped;
      } else if ((waited += s.steps) > (n - 1) * q) {
        problems.push(`${g.name} waited ${waited} steps for its slice (at most ${(n - 1) * q})`);
        break;
      }
    }
  }
  // 3. share: while all N run, each gets at least 1/N − ε of the steps
  const firstStop = slices.findIndex((s) => s.stopped);
  const prefix = firstStop < 0 ? slices : slices.slice(0, firstStop);
  const total = prefix.reduce((t, s) => t + s.steps, 0);
  for (const g of stack.guests) {
    const mine = prefix.filter((s) => s.vm === g).reduce((t, s) => t + s.steps, 0);
    if (mine < total / n - q) problems.push(`${g.name} got ${mine} of ${total} steps while all ${n} ran (less than 1/${n} − one quantum)`);
  }
  if (spinner.steps !== maxSteps) problems.push(`the spinner stopped early: ${spinner.steps} steps${spinner.checkStop ? ' ' + JSON.stringify(spinner.checkStop) : ''}`);
  return problems;
}

export const temporalProperty = () =>
  fc.property(temporalCase, (c) => {
    const p = temporal(c);
    if (p.length) throw new Mismatch(p.join('\n'));
  });

// Snapshots on the fuzz corpus (test/fuzz/generator.ts): a run stopped at a random step, saved to bytes, read
// back into a fresh machine and finished ends exactly like the uninterrupted run — registers, PSW, TIMER, pending
// interrupt, check-stop, counts, every word of storage, console output and input consumed. Bare machine and VMM
// runs (both monitors, 1 and 4 VMs, depth 1-2, quanta 1/7/100). Fixed seeds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cpu, type StopReason } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { EXITS, PG32, isaOrThrow } from '../../src/isa/table.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../../src/snapshot/format.js';
import { bareSteps, resumeBare, resumeVmm, snapshotBare, snapshotVmm, startVmm, type VmmRun } from '../../src/snapshot/machine.js';
import { captureCpu, captureVm } from '../../src/snapshot/state.js';
import { roundRobin } from '../../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import type { MonitorKind } from '../../src/vmm/vmm.js';
import { build, MAX_STEPS, MEM, program, source } from '../fuzz/generator.js';
import { assemble } from '../../src/asm/assemble.js';
import { programs } from '../library.js';

const ALL_ISA = isaOrThrow('pg32');

function roundTrip(s: Snapshot): Snapshot {
  const d = decodeSnapshot(encodeSnapshot(s), 'x.snap');
  if ('error' in d) throw new Error(d.error);
  return d;
}

/** Run to the end (or the step limit) in pieces of at most `chunk` steps. */
function finishBare(cpu: Cpu, chunk: number, limit = MAX_STEPS): StopReason {
  let r: StopReason = 'budget';
  while (bareSteps(cpu) < limit) {
    r = cpu.run(Math.min(chunk, limit - bareSteps(cpu)));
    if (r !== 'budget') break;
  }
  return r;
}

function bareResult(cpu: Cpu, console: Console, reason: StopReason) {
  return { reason, state: captureCpu(cpu), storage: [...cpu.mem], output: [...console.output()], consumed: console.inputPosition() };
}

describe('bare-machine snapshots on the fuzz corpus', () => {
  it('a run resumed from a snapshot at a random step ends exactly like the uninterrupted run (100 programs, seed 1990)', () => {
    let resumedMidway = 0;
    fc.assert(
      fc.property(program, fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000), fc.constantFrom(1, 7, 1 << 20), (p, where, chunk) => {
        const img = build(source(p));
        const whole = new Console(p.input);
        const a = new Cpu({ isa: PG32, memWords: MEM, devices: whole });
        a.load(img);
        const ra = finishBare(a, 1 << 20);
        const total = bareSteps(a);

        const at = Math.floor(where * total);
        const part = new Console(p.input);
        const b = new Cpu({ isa: PG32, memWords: MEM, devices: part });
        b.load(img);
        if (at > 0) b.run(at);
        expect(bareSteps(b)).toBe(at);
        const snap = roundTrip(snapshotBare(b, part, { name: 'fuzz.s', image: img }, MAX_STEPS));
        const { cpu: c, console } = resumeBare(snap, PG32);
        if (at > 0 && at < total) resumedMidway++;
        const rc = c.halted ? 'halt' : c.checkStop ? 'checkstop' : finishBare(c, chunk);
        expect(bareResult(c, console, rc)).toEqual(bareResult(a, whole, ra));
      }),
      { seed: 1990, numRuns: 100 },
    );
    expect(resumedMidway).toBeGreaterThan(60);
  });

  it('running n steps at once is running one step n times (what replay relies on; 100 programs, seed 1991)', () => {
    fc.assert(
      fc.property(program, (p) => {
        const img = build(source(p));
        const fast = new Cpu({ isa: PG32, memWords: MEM, devices: new Console(p.input) });
        const slow = new Cpu({ isa: PG32, memWords: MEM, devices: new Console(p.input) });
        fast.load(img);
        slow.load(img);
        const rf = finishBare(fast, 1 << 20);
        const rs = finishBare(slow, 1);
        expect(rs).toBe(rf);
        expect(captureCpu(slow)).toEqual(captureCpu(fast));
        expect(slow.mem).toEqual(fast.mem);
      }),
      { seed: 1991, numRuns: 100 },
    );
  });
});

interface VmmConfig {
  readonly monitor: MonitorKind;
  readonly vms: 1 | 4;
  readonly quantum: 1 | 7 | 100;
  readonly depth: 1 | 2;
}
const vmmConfig = fc.record({
  monitor: fc.constantFrom<MonitorKind>('trap-emulate', 'hybrid', 'bt', 'hw'),
  vms: fc.constantFrom(1 as const, 4 as const),
  quantum: fc.constantFrom(1 as const, 7 as const, 100 as const),
  depth: fc.constantFrom(1 as const, 2 as const),
});

/**
 * A VM's state. `sliced` (hw): when a time slice is run in pieces (a snapshot cuts one in two), the hw monitor
 * enters the VM once more per piece and may take HTIMER exits in other places: its entry and HTIMER counts, the
 * real CPU's timer and the control blocks (the monitor's storage) differ, nothing a guest can see. Those are
 * left out, and storage is compared partition by partition.
 */
function vmState(vm: Parameters<typeof captureVm>[0], sliced: boolean) {
  const s = captureVm(vm);
  if (!sliced) return s;
  const exits = s.stats.exits.slice();
  exits[EXITS.HTIMER] = 0;
  return { ...s, stats: { ...s.stats, entries: 0, exits } };
}

function vmmResult(run: VmmRun, sliced = false) {
  return {
    outcomes: run.slices.outcomes,
    cpu: sliced ? undefined : captureCpu(run.stack.cpu),
    vms: run.guests.map((vm) => vmState(vm, sliced)),
    storage: sliced ? run.guests.map((vm) => [...vm.mem]) : [...run.stack.cpu.mem],
    outputs: run.consoles.map((c) => [...c.output()]),
    consumed: run.consoles.map((c) => c.inputPosition()),
  };
}

describe('VMM snapshots on the fuzz corpus', () => {
  it('the resumable round robin makes the decisions of scheduler.ts (80 programs × configurations, seed 1992)', () => {
    fc.assert(
      fc.property(program, vmmConfig, (p, cfg) => {
        const images = Array.from({ length: cfg.vms }, () => build(source(p)));
        const run = startVmm(images, p.input, { isa: ALL_ISA, ...cfg, guestWords: MEM, maxSteps: MAX_STEPS });
        while (!run.slices.done) run.slices.run(1 + (run.slices.steps % 13)); // uneven pieces
        const stack = buildStack({ isa: ALL_ISA, monitor: cfg.monitor, depth: cfg.depth, count: cfg.vms, guestWords: MEM });
        const consoles = images.map(() => new Console(p.input));
        stack.guests.forEach((vm, i) => loadGuest(vm, images[i]!, consoles[i]!));
        const outcomes = roundRobin(stack.guests, { quantum: cfg.quantum, maxSteps: MAX_STEPS });
        expect(run.slices.outcomes).toEqual(outcomes.map((o) => o.reason));
        const hw = cfg.monitor === 'hw';
        expect(run.guests.map((vm) => vmState(vm, hw))).toEqual(stack.guests.map((vm) => vmState(vm, hw)));
        if (hw) expect(run.guests.map((vm) => vm.mem)).toEqual(stack.guests.map((vm) => vm.mem));
        else expect(run.stack.cpu.mem).toEqual(stack.cpu.mem);
        expect(run.consoles.map((c) => c.text())).toEqual(consoles.map((c) => c.text()));
      }),
      { seed: 1992, numRuns: 80 },
    );
  });

  it('a VMM run resumed from a snapshot ends exactly like the uninterrupted run, every VM (80 programs, seed 1993)', () => {
    fc.assert(
      fc.property(program, vmmConfig, fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000), (p, cfg, where) => {
        const images = Array.from({ length: cfg.vms }, () => build(source(p)));
        const setup = { isa: ALL_ISA, ...cfg, guestWords: MEM, maxSteps: MAX_STEPS };
        const whole = startVmm(images, p.input, setup);
        whole.slices.run(Number.MAX_SAFE_INTEGER);
        const total = whole.slices.steps;

        const at = Math.floor(where * total);
        const part = startVmm(images, p.input, setup);
        part.slices.run(at);
        expect(part.slices.steps).toBe(at);
        const snap = roundTrip(snapshotVmm(part, images.map((image, i) => ({ name: `g${i}.s`, image }))));
        const resumed = resumeVmm(snap, ALL_ISA);
        resumed.slices.run(Number.MAX_SAFE_INTEGER);
        expect(vmmResult(resumed, cfg.monitor === 'hw')).toEqual(vmmResult(whole, cfg.monitor === 'hw'));
      }),
      { seed: 1993, numRuns: 80 },
    );
  });
});

describe('snapshots inside guest mode (vt): the hidden host save area and the guest processor', () => {
  const vt = programs().filter((p) => p.name.startsWith('vt/'));
  it.each(vt.map((p) => [p.name, p] as const))('%s: bare, a snapshot at 8 points (inside guest mode too) resumes to the same end', (_n, p) => {
    const isa = isaOrThrow(p.isa);
    const img = assemble(p.source, p.name, { isa }).image!;
    const input = p.input ?? new Uint8Array(0);
    const start = () => {
      const con = new Console(input);
      const cpu = new Cpu({ isa, memWords: 65536, devices: con });
      cpu.load(img);
      return { cpu, con };
    };
    const whole = start();
    expect(finishBare(whole.cpu, 1 << 20, 1e7)).toBe('halt');
    const total = bareSteps(whole.cpu);
    let inGuest = 0;
    for (let k = 1; k <= 8; k++) {
      const at = Math.floor((total * k) / 9);
      const part = start();
      part.cpu.run(at);
      expect(bareSteps(part.cpu)).toBe(at);
      if (part.cpu.guest) inGuest++;
      const { cpu, console } = resumeBare(roundTrip(snapshotBare(part.cpu, part.con, { name: p.name, image: img }, MAX_STEPS)), isa);
      const r = finishBare(cpu, 1 << 20, 1e7);
      expect(bareResult(cpu, console, r)).toEqual(bareResult(whole.cpu, whole.con, 'halt'));
    }
    expect(inGuest).toBeGreaterThan(1);
  });

  it.each(['trap-emulate', 'hw'] as const)('hypervisor.s under %s: every VM, its own guest mode included', (monitor) => {
    const p = vt.find((x) => x.name === 'vt/hypervisor.s')!;
    const isa = isaOrThrow(p.isa);
    const img = assemble(p.source, p.name, { isa }).image!;
    const setup = { isa, monitor, depth: 1, quantum: 7, guestWords: 65536, maxSteps: 10_000_000 };
    const whole = startVmm([img, img], new Uint8Array(0), setup);
    whole.slices.run(Number.MAX_SAFE_INTEGER);
    const total = whole.slices.steps;
    let inGuest = 0;
    for (let k = 1; k <= 3; k++) {
      const part = startVmm([img, img], new Uint8Array(0), setup);
      part.slices.run(Math.floor((total * k) / 4));
      if (part.guests.some((vm) => vm.guest)) inGuest++;
      const resumed = resumeVmm(roundTrip(snapshotVmm(part, [{ name: 'a', image: img }, { name: 'b', image: img }])), isa);
      resumed.slices.run(Number.MAX_SAFE_INTEGER);
      expect(vmmResult(resumed, monitor === 'hw')).toEqual(vmmResult(whole, monitor === 'hw'));
    }
    expect(inGuest).toBeGreaterThan(0);
  });
});

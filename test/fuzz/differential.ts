/**
 * Differential equivalence and lockstep properties: a generated program runs
 * on the bare machine and under the monitors, and everything a guest can
 * leave behind must be the same. Shared by the vitest suites and
 * `npm run fuzz` (test/fuzz/run.ts), so it imports nothing from vitest.
 */
import fc from 'fast-check';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import type { Image } from '../../src/image.js';
import { isaOrThrow, type Isa } from '../../src/isa/table.js';
import { checkEquivalence } from '../../src/vmm/equiv.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import type { Machine } from '../../src/vmm/machine.js';
import type { MonitorKind } from '../../src/vmm/vmm.js';
import { build, MAX_STEPS, MEM, program, source, type Program } from './generator.js';

export interface Config {
  readonly isa: 'pg32' | 'pg32-pdp10' | 'pg32-x86';
  readonly monitor: MonitorKind;
  readonly vms: 1 | 4;
  readonly quantum: 1 | 7 | 100;
  readonly depth: 1 | 2;
}

/**
 * Where the monitors apply: pg32 under every one (Theorem 1 holds, so
 * Theorem 3 too); pg32-pdp10 (jrstu) under the hybrid monitor (Theorem 3)
 * and hardware assist; pg32-x86 only under hardware assist.
 */
export const config: fc.Arbitrary<Config> = fc
  .record({
    isa: fc.constantFrom('pg32' as const, 'pg32' as const, 'pg32' as const, 'pg32-pdp10' as const, 'pg32-x86' as const),
    monitor: fc.constantFrom<MonitorKind>('trap-emulate', 'hybrid', 'hw'),
    vms: fc.constantFrom(1 as const, 4 as const),
    quantum: fc.constantFrom(1 as const, 7 as const, 100 as const),
    depth: fc.constantFrom(1 as const, 2 as const),
  })
  .map((c) =>
    c.isa === 'pg32-x86' ? { ...c, monitor: 'hw' as const } : c.isa === 'pg32-pdp10' && c.monitor === 'trap-emulate' ? { ...c, monitor: 'hybrid' as const } : c,
  );

/** What the suites and the runner count. */
export const tally = { programs: 0, bareSteps: 0, halts: 0, budgets: 0, checkstops: 0, emulated: 0, interpreted: 0, reflected: [0, 0, 0, 0, 0, 0, 0] };

const isas = new Map<string, Isa>();
const isaOf = (name: string) => {
  let i = isas.get(name);
  if (!i) isas.set(name, (i = isaOrThrow(name)));
  return i;
};

/** Run one case; returns the differences (empty when equivalent). */
export function differential(src: string, input: Uint8Array, cfg: Config): string[] {
  const img = build(src);
  const r = checkEquivalence(img, { ...cfg, isa: isaOf(cfg.isa), memWords: MEM, maxSteps: MAX_STEPS, input });
  tally.programs++;
  tally.bareSteps += r.bare.instructions;
  if (r.bare.reason === 'halt') tally.halts++;
  else if (r.bare.reason === 'budget') tally.budgets++;
  else tally.checkstops++;
  for (const st of r.stats) {
    tally.emulated += st.emulations;
    tally.interpreted += st.interpreted;
    for (let c = 1; c < tally.reflected.length; c++) tally.reflected[c]! += st.reflected[c]!;
  }
  if (r.equivalent) return [];
  const d = r.divergence;
  return [...r.differences, ...(d ? [`first divergence after step ${d.step + 1}, pc ${d.pc}: ${d.instruction}`, ...d.differences.map((x) => '  ' + x)] : [])];
}

export class Mismatch extends Error {}

/** The differential property: one program, one configuration. */
export const differentialProperty = () =>
  fc.property(program, config, (p: Program, cfg: Config) => {
    const d = differential(source(p), p.input, cfg);
    if (d.length) throw new Mismatch(d.join('\n'));
  });

// ------------------------------------------------------------------ lockstep

function diffState(a: Machine, b: Machine, ac: Console, bc: Console): string[] {
  const d: string[] = [];
  for (let r = 0; r < 16; r++) if (a.regs[r] !== b.regs[r]) d.push(`r${r}: bare ${a.regs[r]}, virtual ${b.regs[r]}`);
  for (const k of ['flags', 'pc', 'base', 'bound', 'timer', 'pending', 'instret', 'halted'] as const) if (a[k] !== b[k]) d.push(`${k}: bare ${a[k]}, virtual ${b[k]}`);
  for (let i = 0; i < a.mem.length; i++) if (a.mem[i] !== b.mem[i]) {
    d.push(`storage[${i}]: bare ${a.mem[i]}, virtual ${b.mem[i]}`);
    break;
  }
  const ao = ac.output();
  const bo = bc.output();
  if (ao.length !== bo.length || ao.some((x, i) => bo[i] !== x)) d.push(`output: bare ${JSON.stringify(ac.text())}, virtual ${JSON.stringify(bc.text())}`);
  if (ac.inputPosition() !== bc.inputPosition()) d.push(`input consumed: bare ${ac.inputPosition()}, virtual ${bc.inputPosition()}`);
  return d;
}

/**
 * Lockstep: bare and virtual one step at a time (depth 1 or 2, either
 * monitor), the whole state — registers, PSW, TIMER, pending interrupt,
 * instruction count, every word of storage, console — compared after every
 * guest step. Returns the first difference, or [].
 */
export function lockstep(img: Image, input: Uint8Array, cfg: Pick<Config, 'isa' | 'monitor' | 'depth'>, maxSteps = MAX_STEPS): string[] {
  const isa = isaOf(cfg.isa);
  const bc = new Console(input);
  const cpu = new Cpu({ isa, memWords: MEM, devices: bc });
  cpu.load(img);
  const stack = buildStack({ isa, monitor: cfg.monitor, depth: cfg.depth, count: 1, guestWords: MEM });
  const vm = stack.guests[0]!;
  const vc = new Console(input);
  loadGuest(vm, img, vc);
  for (let step = 0; step < maxSteps; step++) {
    const pc = cpu.pc;
    const rb = cpu.run(1);
    const rv = vm.run(1);
    const d = diffState(cpu, vm, bc, vc);
    if (rb !== rv) d.unshift(`stop: bare ${rb}, virtual ${rv}`);
    if (rb === 'checkstop' && JSON.stringify(cpu.checkStop) !== JSON.stringify(vm.checkStop)) d.push(`check-stop: bare ${JSON.stringify(cpu.checkStop)}, virtual ${JSON.stringify(vm.checkStop)}`);
    if (d.length) return [`after step ${step + 1} (pc ${pc}):`, ...d];
    if (rb !== 'budget') return [];
  }
  return [];
}

export const lockstepProperty = () =>
  fc.property(program, config, (p, cfg) => {
    const d = lockstep(build(source(p)), p.input, cfg);
    if (d.length) throw new Mismatch(d.join('\n'));
  });

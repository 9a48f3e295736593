/**
 * Several guests under one monitor, for the Virtualize tab: the library's
 * stack (buildStack, loadGuest) scheduled round robin exactly as
 * src/vmm/scheduler.ts does it, but a slice at a time, so the worker can
 * stop, post progress, and record a timeline: which VM ran each slice, and
 * what the monitor did in it (traps into the monitor, emulations,
 * reflections into the guest) and whether the VM ended there.
 *
 * The monitors have no event hook yet, so events are read from each VM's
 * statistics: for the first DETAIL_STEPS guest steps a slice is run one
 * step at a time (the monitor's budget is invisible to the guest, so this
 * changes nothing it computes) and every emulation, reflection and trap is
 * placed at its exact step; after that, slices run whole and carry counts.
 * Only for the software monitors: under hw a slice is a host-timer period,
 * so stepping would add an HTIMER exit per step; its slices carry counts.
 */
import { assemble, type IncludeReader } from '../../../src/asm/index.js';
import { Console } from '../../../src/cpu/devices.js';
import type { Image } from '../../../src/image.js';
import { BY_OPCODE, causeName, EXITS, type Isa } from '../../../src/isa/table.js';
import { Allocator } from '../../../src/vmm/allocator.js';
import { buildStack, loadGuest, type Stack } from '../../../src/vmm/stack.js';
import { MONITORS, type MonitorKind } from '../../../src/vmm/monitor.js';
import { describeCheckStop } from '../../../src/vmm/vmm.js';
import type { VirtualMachine } from '../../../src/vmm/vm.js';
import type { StopReason } from '../../../src/cpu/cpu.js';
import { chooseIsa, imageIsa } from '../machine/debugger.js';
import type { GuestSpec, Slice, VmEvent, VmmView, VmView } from '../protocol.js';
import { resolveIsa } from '../../../src/isa/table.js';

/** the timeline keeps this many slices (the counts go on) */
export const MAX_SLICES = 4000;
/** guest steps (all VMs) whose events are placed exactly */
export const DETAIL_STEPS = 100_000;
export const MAX_EVENTS = 5000;
/** monitors whose work does not depend on how a slice's budget is split */
const STEPWISE_MONITORS: ReadonlySet<string> = new Set(['trap-emulate', 'hybrid']);
const MAX_REAL_WORDS = 2 ** 30;

export interface VirtualizeOptions {
  readonly guests: readonly GuestSpec[];
  readonly isa: string;
  readonly monitor: string;
  readonly quantum: number;
  readonly depth: number;
  readonly memWords: number;
  readonly maxSteps: number;
}

/**
 * Assemble every guest; errors name the guest. The ISA: the chosen one;
 * else the one the guests name (`.isa`, or an example's `; isa:` line),
 * which must be the same for all that name one; else pg32.
 */
export function prepareGuests(guests: readonly GuestSpec[], isaName: string, include?: IncludeReader): { images: Image[]; isa: Isa } | { errors: string[] } {
  const chosen = chooseIsa(isaName);
  if (chosen.error) return { errors: [chosen.error] };
  const errors: string[] = [];
  const images: Image[] = [];
  const declared: (string | undefined)[] = [];
  for (const g of guests) {
    const own = !chosen.isa && g.isa ? resolveIsa(g.isa) : undefined;
    if (own && 'error' in own) {
      errors.push(`${g.name}: ${own.error}`);
      continue;
    }
    const isa = chosen.isa ?? own;
    const r = assemble(g.source, g.file ?? g.name, { ...(isa ? { isa } : {}), ...(include ? { include } : {}) });
    declared.push(g.isa);
    if (r.image) images.push(r.image);
    else errors.push(...r.errors.map((e) => `${e.file}:${e.line}:${e.col}: error: ${e.message}`));
  }
  if (errors.length) return { errors };
  if (chosen.isa) return { images, isa: chosen.isa };
  // Guests that name no ISA run on the one the others name (all share one machine).
  const wanted = [...new Set(images.map((im, i) => imageIsa(im) ?? declared[i]).filter((x): x is string => x !== undefined))];
  if (wanted.length > 1) return { errors: [`the guests are written for different ISAs (${wanted.join(', ')}): choose one`] };
  const isa = resolveIsa(wanted[0] ?? 'pg32');
  return 'error' in isa ? { errors: [isa.error] } : { images, isa };
}

export function checkOptions(o: Pick<VirtualizeOptions, 'monitor' | 'quantum' | 'depth' | 'memWords' | 'maxSteps'>, count: number): string | null {
  if (!(MONITORS as readonly string[]).includes(o.monitor)) return `unknown monitor '${o.monitor}' (monitors: ${MONITORS.join(', ')})`;
  const whole = (n: number, lo: number, hi: number) => Number.isInteger(n) && n >= lo && n <= hi;
  if (!whole(o.quantum, 1, 1e9)) return `the quantum must be a whole number from 1 to 1000000000, not ${o.quantum}`;
  if (!whole(o.depth, 1, 16)) return `the depth must be a whole number from 1 to 16, not ${o.depth}`;
  if (!whole(o.memWords, 16, MAX_REAL_WORDS)) return `storage per VM must be 16 to ${MAX_REAL_WORDS} words, not ${o.memWords}`;
  if (!whole(o.maxSteps, 1, Number.MAX_SAFE_INTEGER)) return `the step limit must be a positive whole number, not ${o.maxSteps}`;
  let need = Allocator.needed(count, o.memWords);
  for (let d = 1; d < o.depth; d++) need = Allocator.needed(1, need);
  if (need > MAX_REAL_WORDS) return `${count} VMs of ${o.memWords} words at depth ${o.depth} need ${need} words of real storage, more than the machine's largest (${MAX_REAL_WORDS}); use less storage per VM`;
  return null;
}

const sum = (a: Float64Array) => a.reduce((n, x) => n + x, 0);
const EXIT_NAMES = new Map<number, string>(Object.entries(EXITS).map(([k, v]) => [v, k]));
/** exits 1–6 are intercepted traps (by cause); the rest are named in the ISA table */
const exitName = (code: number) => EXIT_NAMES.get(code) ?? (code >= 1 && code <= 6 ? causeName(code) : `exit ${code}`);
const byCause = (a: Float64Array) =>
  [...a]
    .map((n, c) => (n ? `${causeName(c)} ${n}` : ''))
    .filter(Boolean)
    .join(', ');

export class VirtualizeRun {
  readonly stack: Stack;
  readonly consoles: Console[];
  private ready: VirtualMachine[];
  private next = 0;
  private readonly ended = new Map<VirtualMachine, string>();
  private readonly slices: Slice[] = [];
  private readonly events: VmEvent[] = [];
  private detailedUntil = 0;
  private sliceCount = 0;
  private steps = 0;
  private ms = 0;

  constructor(
    readonly images: readonly Image[],
    readonly names: readonly string[],
    readonly inputs: readonly string[],
    readonly isa: Isa,
    readonly opts: Omit<VirtualizeOptions, 'guests' | 'isa'>,
  ) {
    this.stack = buildStack({ isa, monitor: opts.monitor as MonitorKind, depth: opts.depth, count: images.length, guestWords: opts.memWords });
    this.consoles = images.map((image, i) => {
      const c = new Console(new TextEncoder().encode(inputs[i] ?? ''));
      loadGuest(this.stack.guests[i]!, image, c);
      return c;
    });
    this.ready = [...this.stack.guests];
  }

  get done(): boolean {
    return this.ready.length === 0;
  }

  /** Run slices for about `ms` milliseconds (at least one slice). */
  runFor(ms: number): void {
    const t0 = performance.now();
    do this.slice();
    while (!this.done && performance.now() - t0 < ms);
    this.ms += performance.now() - t0;
  }

  /** One slice of the next ready VM: roundRobin's inner step. */
  private slice(): void {
    const vm = this.ready[this.next]!;
    const index = this.stack.guests.indexOf(vm);
    const s = vm.stats;
    const before = { traps: s.traps.slice(), emulations: s.emulations, reflected: sum(s.reflected), exits: sum(s.exits), steps: vm.steps };
    const budget = Math.min(this.opts.quantum, this.opts.maxSteps - vm.steps);
    const exact = STEPWISE_MONITORS.has(this.opts.monitor) && this.steps < DETAIL_STEPS && this.events.length < MAX_EVENTS;
    const r = exact ? this.stepwise(vm, index, budget) : vm.run(budget);
    const steps = vm.steps - before.steps;
    const ended = r !== 'budget' ? r : vm.steps >= this.opts.maxSteps ? 'step limit' : null;
    const delta = s.traps.map((n, c) => n - before.traps[c]!);
    this.sliceCount++;
    if (this.slices.length < MAX_SLICES) {
      this.slices.push({
        vm: index,
        start: this.steps,
        steps,
        traps: sum(delta),
        emulations: s.emulations - before.emulations,
        reflections: sum(s.reflected) - before.reflected,
        exits: sum(s.exits) - before.exits,
        ended,
        causes: byCause(delta),
      });
    }
    this.steps += steps;
    if (ended) this.ended.set(vm, ended);
    // Events are exact up to here while every slice so far ran step by step with room to note them.
    if (exact && this.events.length < MAX_EVENTS && this.detailedUntil === this.steps - steps) this.detailedUntil = this.steps;
    this.next++;
    if (this.next >= this.ready.length) {
      this.ready = this.ready.filter((v) => !this.ended.has(v));
      this.next = 0;
    }
  }

  /** A slice one step at a time, noting what the monitor did at each. */
  private stepwise(vm: VirtualMachine, index: number, budget: number): StopReason {
    const s = vm.stats;
    const emulated = s.emulatedByOpcode.slice();
    const reflected = s.reflected.slice();
    const traps = s.traps.slice();
    const exits = s.exits.slice();
    const start = vm.steps;
    let r: StopReason = 'budget';
    while (vm.steps - start < budget) {
      const before = vm.steps;
      r = vm.run(1);
      const at = this.steps + (vm.steps - start) - 1;
      const note = (kind: VmEvent['kind'], what: string) => {
        if (this.events.length < MAX_EVENTS) this.events.push({ vm: index, at, kind, what });
      };
      let noted = false;
      for (let op = 0; op < 256; op++) {
        if (s.emulatedByOpcode[op] !== emulated[op]) {
          note('emulate', BY_OPCODE[op]?.mnemonic ?? `opcode ${op}`);
          emulated[op] = s.emulatedByOpcode[op]!;
          noted = true;
        }
      }
      for (let c = 0; c < 8; c++) {
        if (s.reflected[c] !== reflected[c]) {
          note('reflect', causeName(c));
          reflected[c] = s.reflected[c]!;
          noted = true;
        }
        if (s.traps[c] !== traps[c]) {
          if (!noted) note('trap', causeName(c));
          traps[c] = s.traps[c]!;
        }
      }
      for (let e = 0; e < exits.length; e++) {
        if (s.exits[e] !== exits[e]) {
          note('exit', exitName(e));
          exits[e] = s.exits[e]!;
        }
      }
      if (r !== 'budget' || vm.steps === before) break;
    }
    return r;
  }

  view(): VmmView {
    const decoder = new TextDecoder();
    const vms: VmView[] = this.stack.guests.map((vm, i) => {
      const s = vm.stats;
      const end = this.ended.get(vm);
      const state =
        end === undefined ? 'running'
        : end === 'halt' ? 'halted'
        : end === 'checkstop' ? `check-stop: ${describeCheckStop(vm)}`
        : `stopped at the step limit (${this.opts.maxSteps} steps)`;
      return {
        name: this.names[i]!,
        output: decoder.decode(this.consoles[i]!.output()),
        state,
        instret: vm.instret,
        direct: s.direct,
        emulated: s.emulations,
        interpreted: s.interpreted,
        traps: byCause(s.traps) || 'none',
        reflected: byCause(s.reflected) || 'none',
        entries: s.entries,
        exits: [...s.exits].map((n, e) => (n ? `${exitName(e)} ${n}` : '')).filter(Boolean).join(', ') || 'none',
      };
    });
    return {
      monitor: this.opts.monitor,
      isa: this.isa.name,
      vms,
      slices: this.slices,
      events: this.events,
      detailedUntil: this.detailedUntil,
      sliceCount: this.sliceCount,
      totalSteps: this.steps,
      ms: this.ms,
      done: this.done,
    };
  }
}

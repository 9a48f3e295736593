/**
 * Several guests under one monitor, for the Virtualize tab: the library's
 * stack (buildStack, loadGuest) scheduled round robin exactly as
 * src/vmm/scheduler.ts does it, but a slice at a time, so the worker can
 * stop, post progress, and record a timeline: which VM ran each slice, and
 * what the monitor did in it.
 *
 * What the monitor did comes from its own event listener (src/vmm/events.ts),
 * the one `trapeze vmm --trace` and the debugger's `catch monitor` use: every
 * monitor (trap-emulate, hybrid, bt, hw) tells each trap, emulation (with
 * its routine's name), reflection, VM exit (with its exit code), translation
 * and hypercall as it decides it, so slices run whole, at full speed, and
 * each event is placed at the guest step it happened at. The listener is on
 * the innermost monitor, whose VMs are the guests; at depth > 1 the monitors
 * below it are the guests' machine and their work shows in the VMs' counts.
 *
 * Memory stays bounded: the timeline keeps MAX_SLICES slices and MAX_EVENTS
 * events; past those, slices carry counts only, and the view says where.
 */
import { assemble, type IncludeReader } from '../../../src/asm/index.js';
import { Console } from '../../../src/cpu/devices.js';
import type { Image } from '../../../src/image.js';
import { causeName, EXITS, type Isa } from '../../../src/isa/table.js';
import { Allocator } from '../../../src/vmm/allocator.js';
import { buildStack, loadGuest, type Stack } from '../../../src/vmm/stack.js';
import { MONITORS, type MonitorKind } from '../../../src/vmm/monitor.js';
import { describeCheckStop } from '../../../src/vmm/vmm.js';
import type { VirtualMachine } from '../../../src/vmm/vm.js';
import type { MonitorEvent } from '../../../src/vmm/events.js';
import type { StopReason } from '../../../src/cpu/cpu.js';
import { chooseIsa, imageIsa } from '../machine/debugger.js';
import type { GuestSpec, Slice, VmEvent, VmmView, VmView } from '../protocol.js';
import { resolveIsa } from '../../../src/isa/table.js';

/** the timeline keeps this many slices (the VMs' counts go on; events stop with them) */
export const MAX_SLICES = 10_000;
/** the timeline keeps this many events, the first ones (the counts go on) */
export const MAX_EVENTS = 10_000;
const MAX_REAL_WORDS = 2 ** 30;

export interface VirtualizeOptions {
  readonly guests: readonly GuestSpec[];
  readonly isa: string;
  readonly monitor: string;
  readonly quantum: number;
  readonly depth: number;
  readonly memWords: number;
  readonly maxSteps: number;
  /** events the timeline keeps (MAX_EVENTS unless given) */
  readonly maxEvents?: number;
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

const EXIT_NAMES = new Map<number, string>(Object.entries(EXITS).map(([k, v]) => [v, k]));
/** exits 1–6 are intercepted traps (by cause); the rest are named in the ISA table */
export const exitName = (code: number) => EXIT_NAMES.get(code) ?? (code >= 1 && code <= 6 ? causeName(code) : `exit ${code}`);
const byCause = (a: Float64Array) =>
  [...a]
    .map((n, c) => (n ? `${causeName(c)} ${n}` : ''))
    .filter(Boolean)
    .join(', ');

/** The kinds of event the timeline places (the hybrid monitor's `interpret`, one per instruction, is counted per VM instead). */
type Placed = Exclude<MonitorEvent['kind'], 'interpret' | 'checkstop'>;

/** What the monitor did in the slice being run, counted from its events. */
interface Tally {
  traps: number;
  emulations: number;
  reflections: number;
  exits: number;
  translations: number;
  hypercalls: number;
  /** trap causes and exit names, with counts, for the tooltip */
  readonly what: Map<string, number>;
}

export class VirtualizeRun {
  readonly stack: Stack;
  readonly consoles: Console[];
  private ready: VirtualMachine[];
  private next = 0;
  private readonly ended = new Map<VirtualMachine, string>();
  private readonly slices: Slice[] = [];
  private readonly events: VmEvent[] = [];
  /** guest steps (all VMs) up to which every event is in `events` */
  private detailedUntil = 0;
  /** set once MAX_EVENTS events or MAX_SLICES slices were recorded: later events are only counted */
  private capped = false;
  private eventCount = 0;
  private sliceCount = 0;
  private steps = 0;
  private ms = 0;
  /** the slice being run: its VM, that VM's steps at its start, the guest step it starts at */
  private current: { vm: VirtualMachine; index: number; vmSteps: number; start: number; tally: Tally } | null = null;
  /** where the last trap or exit of the slice was placed: the emulation or reflection that answers it is placed with it */
  private opened = -1;

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
    this.stack.innermost.listener = (e) => this.observe(e);
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

  /** One slice of the next ready VM: roundRobin's inner step, run whole. */
  private slice(): void {
    const vm = this.ready[this.next]!;
    const index = this.stack.guests.indexOf(vm);
    const tally: Tally = { traps: 0, emulations: 0, reflections: 0, exits: 0, translations: 0, hypercalls: 0, what: new Map() };
    const before = vm.steps;
    this.current = { vm, index, vmSteps: before, start: this.steps, tally };
    this.opened = -1;
    const budget = Math.min(this.opts.quantum, this.opts.maxSteps - vm.steps);
    let r: StopReason;
    try {
      r = vm.run(budget);
    } finally {
      this.current = null;
    }
    const steps = vm.steps - before;
    const ended = r !== 'budget' ? r : vm.steps >= this.opts.maxSteps ? 'step limit' : null;
    // An event after the slice's last step (hw's HTIMER exit, which ends the slice) is drawn on that step.
    const end = this.steps + steps;
    for (let k = this.events.length - 1; k >= 0 && steps > 0 && this.events[k]!.at >= end; k--) this.events[k] = { ...this.events[k]!, at: end - 1 };
    this.sliceCount++;
    if (this.slices.length < MAX_SLICES) {
      this.slices.push({
        vm: index,
        start: this.steps,
        steps,
        traps: tally.traps,
        emulations: tally.emulations,
        reflections: tally.reflections,
        exits: tally.exits,
        translations: tally.translations,
        hypercalls: tally.hypercalls,
        ended,
        causes: [...tally.what].map(([k, n]) => `${k} ${n}`).join(', '),
      });
    }
    this.steps += steps;
    if (!this.capped) this.detailedUntil = this.steps;
    // Past the last slice drawn, an event would have no bar to sit on: events stop with the slices.
    if (this.slices.length === MAX_SLICES && this.sliceCount === MAX_SLICES) this.capped = true;
    if (ended) this.ended.set(vm, ended);
    this.next++;
    if (this.next >= this.ready.length) {
      this.ready = this.ready.filter((v) => !this.ended.has(v));
      this.next = 0;
    }
  }

  /**
   * The innermost monitor's listener. An event belongs to the guest step the
   * VM was taking when the monitor told it: a trap, exit, reflection or
   * translation comes before the VM counts that step; an emulation or a
   * hypercall answers the trap or exit just told (the software monitors
   * count the instruction before telling it), or, with none open (bt's
   * rewritten instructions call their routine without a trap), is the step
   * just counted.
   */
  private observe(e: MonitorEvent): void {
    const c = this.current;
    if (c === null || e.vm !== c.vm) return; // not a guest's event (cannot happen: the innermost monitor's VMs are the guests)
    const done = c.vm.steps - c.vmSteps;
    const t = c.tally;
    let at: number;
    let what: string;
    let kind: Placed;
    switch (e.kind) {
      case 'trap':
        t.traps++;
        what = causeName(e.cause);
        t.what.set(what, (t.what.get(what) ?? 0) + 1);
        at = this.opened = done;
        kind = 'trap';
        break;
      case 'exit': {
        t.exits++;
        const name = exitName(e.code);
        t.what.set(`exit ${name}`, (t.what.get(`exit ${name}`) ?? 0) + 1);
        what = `${name} (exit code ${e.code})`;
        at = this.opened = done;
        kind = 'exit';
        break;
      }
      case 'emulate':
        t.emulations++;
        what = e.routine;
        at = this.opened >= 0 ? this.opened : Math.max(0, done - 1);
        this.opened = -1;
        kind = 'emulate';
        break;
      case 'hypercall':
        t.hypercalls++;
        what = `call ${e.call}, r1 = ${e.result}`;
        at = this.opened >= 0 ? this.opened : Math.max(0, done - 1);
        this.opened = -1;
        kind = 'hypercall';
        break;
      case 'reflect':
        t.reflections++;
        what = e.up ? `${causeName(e.cause)}, passed up` : causeName(e.cause);
        at = this.opened >= 0 ? this.opened : done;
        this.opened = -1;
        kind = 'reflect';
        break;
      case 'translate':
        t.translations++;
        what = `${e.words} word${e.words === 1 ? '' : 's'}`;
        at = done;
        kind = 'translate';
        break;
      case 'interpret':
        return;
      case 'checkstop':
        this.opened = -1;
        return; // the VM's end is on the timeline (◆), its reason in the VM's state
    }
    this.eventCount++;
    if (this.capped) return;
    const step = c.start + at;
    if (this.events.length >= (this.opts.maxEvents ?? MAX_EVENTS)) {
      // Full: every event before this step is recorded, and none after it will be.
      this.capped = true;
      this.detailedUntil = step;
      while (this.events.length && this.events[this.events.length - 1]!.at >= step) this.events.pop();
      return;
    }
    this.events.push({ vm: c.index, at: step, kind, what, pc: e.pc });
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
        translated: s.bt.identExecuted,
        rewritten: s.bt.rewrittenExecuted,
        interpreted: s.interpreted,
        traps: byCause(s.traps) || 'none',
        reflected: byCause(s.reflected) || 'none',
        entries: s.entries,
        exits: [...s.exits].map((n, e) => (n ? `${exitName(e)} ${n}` : '')).filter(Boolean).join(', ') || 'none',
      };
    });
    return {
      monitor: this.opts.monitor,
      depth: this.opts.depth,
      isa: this.isa.name,
      vms,
      slices: this.slices,
      events: this.events,
      detailedUntil: this.detailedUntil,
      eventCount: this.eventCount,
      capped: this.capped,
      sliceCount: this.sliceCount,
      totalSteps: this.steps,
      ms: this.ms,
      done: this.done,
    };
  }
}

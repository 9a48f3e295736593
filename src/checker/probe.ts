/**
 * Running one instruction in one chosen state: the checker's only way of
 * learning what an instruction does. Nothing here knows what any instruction
 * means; it sets up the machine, executes one step on the real CPU and
 * records the outcome.
 *
 * The CPU runs with its trap hook set, so a trap stops the step and leaves
 * storage untouched: the trap is the hardware's act, not the instruction's,
 * and a trapping instruction is judged by nothing (ISA.md "Classification").
 */
import { Cpu } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import { causeName, FLAGS, type Isa } from '../isa/table.js';

/** Storage of the probe machine, in words: small, so states are cheap and readable. */
export const PROBE_MEM = 64;

/** A machine state, as the checker chooses it. */
export interface State {
  /** true = supervisor */
  readonly s: boolean;
  readonly ie: boolean;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly regs: Int32Array;
  /** all of physical storage (PROBE_MEM words); the instruction is at base + pc */
  readonly mem: Int32Array;
  /** console input available to `in` */
  readonly input: Uint8Array;
}

export interface Outcome {
  /** the trap cause, or 0 if the instruction completed */
  readonly trap: number;
  readonly regs: Int32Array;
  readonly pc: number;
  readonly mem: Int32Array;
  /** the control state after: M, R, IE, TIMER, pending, halted, devices */
  readonly control: Control;
}

export interface Control {
  readonly s: boolean;
  readonly ie: boolean;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly halted: boolean;
  /** console: input bytes consumed, output bytes written */
  readonly inPos: number;
  readonly output: string;
}

/** Guest steps a probed `vmrun` may take before the probe gives up on it. */
const GUEST_STEPS = 4096;
const GUEST_CHUNK = 256;
/** Outcome.trap of a `vmrun` whose guest had not exited after GUEST_STEPS: no conclusion is drawn from it. */
export const INCOMPLETE = -1;

/** A CPU per ISA, reused for every probe. */
export class Prober {
  private readonly cpu: Cpu;
  constructor(readonly isa: Isa) {
    // Interpreted only: every probe runs one instruction in fresh storage.
    this.cpu = new Cpu({ isa, memWords: PROBE_MEM, translate: false });
    this.cpu.trapHook = true;
    this.cpu.exitHook = true; // a probed vmrun ends at its guest's exit
  }

  run(st: State): Outcome {
    const cpu = this.cpu;
    const console = new Console(st.input);
    cpu.devices = console;
    cpu.regs.set(st.regs);
    cpu.mem.set(st.mem);
    cpu.flags = (st.s ? FLAGS.S : 0) | (st.ie ? FLAGS.IE : 0);
    cpu.pc = st.pc;
    cpu.base = st.base;
    cpu.bound = st.bound;
    cpu.timer = st.timer;
    cpu.pending = st.pending;
    cpu.halted = false;
    cpu.checkStop = null;
    cpu.guest = null;
    let reason = cpu.step();
    // `vmrun` is one instruction however long its guest runs: follow the
    // guest to its exit (random guest code exits or check-stops quickly).
    for (let k = 0; cpu.guest !== null && reason === 'budget' && k < GUEST_STEPS; k += GUEST_CHUNK) reason = cpu.run(GUEST_CHUNK);
    if (reason === 'exit') reason = 'budget'; // vmrun completed
    return {
      trap: cpu.guest !== null ? INCOMPLETE : reason === 'trap' ? cpu.trapCause : 0,
      regs: cpu.regs.slice(),
      pc: cpu.pc,
      mem: cpu.mem.slice(),
      control: {
        s: (cpu.flags & FLAGS.S) !== 0,
        ie: (cpu.flags & FLAGS.IE) !== 0,
        base: cpu.base,
        bound: cpu.bound,
        timer: cpu.timer,
        pending: cpu.pending,
        halted: cpu.halted,
        inPos: console.inputPosition(),
        output: console.text(),
      },
    };
  }
}

/** The control state a state starts with, advanced by the hardware's own timer tick for one completed instruction. */
export function controlAfterTick(st: State): Control {
  return {
    s: st.s,
    ie: st.ie,
    base: st.base,
    bound: st.bound,
    timer: st.timer > 0 ? st.timer - 1 : 0,
    pending: st.pending || st.timer === 1,
    halted: false,
    inPos: 0,
    output: '',
  };
}

/** Which parts of the control state differ, e.g. ["M: S → U"]. */
export function controlDiff(a: Control, b: Control): string[] {
  const d: string[] = [];
  const m = (x: boolean) => (x ? 'S' : 'U');
  if (a.s !== b.s) d.push(`M: ${m(a.s)} → ${m(b.s)}`);
  if (a.ie !== b.ie) d.push(`IE: ${+a.ie} → ${+b.ie}`);
  if (a.base !== b.base) d.push(`base: ${a.base} → ${b.base}`);
  if (a.bound !== b.bound) d.push(`bound: ${a.bound} → ${b.bound}`);
  if (a.timer !== b.timer) d.push(`TIMER: ${a.timer} → ${b.timer}`);
  if (a.pending !== b.pending) d.push(`pending: ${+a.pending} → ${+b.pending}`);
  if (a.halted !== b.halted) d.push(`running → halted`);
  if (a.inPos !== b.inPos) d.push(`console input: ${a.inPos} → ${b.inPos} bytes read`);
  if (a.output !== b.output) d.push(`console output: ${JSON.stringify(a.output)} → ${JSON.stringify(b.output)}`);
  return d;
}

export function trapName(o: Outcome): string {
  return o.trap === 0 ? 'completes' : `traps ${causeName(o.trap)}`;
}

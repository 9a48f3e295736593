/**
 * Hardware assist, decided by execution (ISA.md "Extension vt",
 * "Classification"): is the ISA virtualizable once it has a guest mode?
 *
 * Every instruction runs in chosen states twice: on the bare machine, and in
 * guest mode — the same state placed in a partition of a host that runs it
 * with `vmrun`, intercepting IO and HALT only. Either the guest-mode run
 * behaves exactly as the bare one (registers, PSW, TIMER, the pending
 * interrupt, storage, console, running or not), or it exits to the monitor.
 * If that is so for every instruction in every state tried, a monitor that
 * runs each VM in guest mode and handles the exits is equivalent to the bare
 * machine: "virtualizable with hardware assist". An instruction that
 * completes in guest mode with a result the bare machine would not give is a
 * violator, with its state and both outcomes as the witness.
 *
 * The guest ISA is checked with `vt` added: a machine without guest mode is
 * judged by what it would do with one (the `hw` monitor adds it below the
 * guests; `vmrun` in a guest then exits, for nesting is the monitor's).
 */
import { Cpu } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import { EXITS, EXTENSIONS, FLAGS, FLAGS_MASK, INTERCEPTS, makeIsa, VMCB, type Isa } from '../isa/table.js';
import { PROBE_MEM, type State } from './probe.js';
import { statesFor, withMode } from './states.js';

/** Where the probe host keeps the control block and the partition. */
const CB = 16;
const PARTITION = 64;
const HOST_MEM = PARTITION + PROBE_MEM;

export const DEFAULT_ASSIST_STATES = 100;

/** What one step left behind, bare or in guest mode (undefined fields: it exited). */
export interface StepOutcome {
  /** the exit, in guest mode (0: none) */
  readonly exit: number;
  readonly regs: Int32Array;
  readonly flags: number;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly halted: boolean;
  readonly checkStop: boolean;
  readonly mem: Int32Array;
  readonly output: string;
  readonly inPos: number;
}

export interface AssistWitness {
  readonly mnemonic: string;
  readonly state: State;
  readonly bare: StepOutcome;
  readonly guest: StepOutcome;
  /** what differs */
  readonly claim: string;
}

export interface AssistInstruction {
  readonly mnemonic: string;
  /** state × mode runs tried */
  readonly tried: number;
  /** guest mode behaved as the bare machine */
  readonly identical: number;
  /** exits, by exit name */
  readonly exits: Readonly<Record<string, number>>;
  readonly witness?: AssistWitness;
}

export interface AssistVerdict {
  /** the ISA checked: the guests' ISA plus `vt` */
  readonly isa: string;
  readonly holds: boolean;
  readonly statement: string;
  readonly violators: string[];
  readonly instructions: readonly AssistInstruction[];
}

const EXIT_NAMES = new Map<number, string>(Object.entries(EXITS).map(([k, v]) => [v, k]));
const exitName = (code: number) => EXIT_NAMES.get(code) ?? ['', 'PRIV', 'ILLEGAL', 'MEMORY', 'SVC', 'TIMER', 'ARITH'][code] ?? `exit ${code}`;

/** The ISA with guest mode. */
export function withVt(isa: Isa): Isa {
  if (isa.extensions.has('vt')) return isa;
  return makeIsa(`${isa.name}+vt`, [...EXTENSIONS.filter((e) => isa.extensions.has(e)), 'vt']);
}

class AssistProber {
  private readonly bare: Cpu;
  private readonly host: Cpu;
  constructor(readonly isa: Isa) {
    this.bare = new Cpu({ isa, memWords: PROBE_MEM, translate: false });
    this.host = new Cpu({ isa, memWords: HOST_MEM, translate: false });
    this.host.exitHook = true;
  }

  /** One step on the bare machine: the instruction, or its trap delivered through low storage. */
  runBare(st: State): StepOutcome {
    const cpu = this.bare;
    const console = new Console(st.input);
    cpu.devices = console;
    cpu.mem.set(st.mem);
    load(cpu, st);
    cpu.run(1);
    return outcome(0, cpu, cpu.mem, console, cpu.checkStop !== null);
  }

  /** The same step in guest mode, the state's storage being the partition. */
  runGuest(st: State): StepOutcome {
    const host = this.host;
    const console = new Console(st.input);
    host.devices = console;
    host.mem.fill(0);
    host.mem.set(st.mem, PARTITION);
    host.guest = null;
    host.halted = false;
    host.timer = 0;
    const E = host.mem;
    E[CB + VMCB.PSW] = (st.s ? FLAGS.S : 0) | (st.ie ? FLAGS.IE : 0);
    E[CB + VMCB.PSW + 1] = st.pc;
    E[CB + VMCB.PSW + 2] = st.base;
    E[CB + VMCB.PSW + 3] = st.bound;
    E[CB + VMCB.TIMER] = st.timer;
    E[CB + VMCB.PENDING] = st.pending ? 1 : 0;
    E[CB + VMCB.PART_BASE] = PARTITION;
    E[CB + VMCB.PART_SIZE] = PROBE_MEM;
    E[CB + VMCB.INTERCEPTS] = INTERCEPTS.IO | INTERCEPTS.HALT;
    for (let r = 0; r < 16; r++) E[CB + VMCB.REGS + r] = st.regs[r]!;
    if (host.enterGuest(CB) !== 0) throw new Error('hardware-assist probe: the control block was refused');
    const g = host.guest!.cpu;
    const r = host.run(1);
    const part = E.subarray(PARTITION, PARTITION + PROBE_MEM);
    if (r === 'exit') return { ...outcome(E[CB + VMCB.EXIT_CODE]!, g, part, console, false) };
    return outcome(0, g, part, console, false);
  }
}

function load(cpu: Cpu, st: State): void {
  cpu.regs.set(st.regs);
  cpu.flags = (st.s ? FLAGS.S : 0) | (st.ie ? FLAGS.IE : 0);
  cpu.pc = st.pc;
  cpu.base = st.base;
  cpu.bound = st.bound;
  cpu.timer = st.timer;
  cpu.pending = st.pending;
  cpu.halted = false;
  cpu.checkStop = null;
  cpu.afterTrap = false;
  cpu.guest = null;
}

function outcome(exit: number, cpu: Cpu, mem: Int32Array, console: Console, checkStop: boolean): StepOutcome {
  return {
    exit,
    regs: cpu.regs.slice(),
    flags: cpu.flags & FLAGS_MASK,
    pc: cpu.pc,
    base: cpu.base,
    bound: cpu.bound,
    timer: cpu.timer,
    pending: cpu.pending,
    halted: cpu.halted,
    checkStop,
    mem: mem.slice(),
    output: console.text(),
    inPos: console.inputPosition(),
  };
}

/** The first difference between a bare and a guest-mode step, or null. */
export function difference(a: StepOutcome, b: StepOutcome): string | null {
  for (let r = 1; r < 16; r++) if (a.regs[r] !== b.regs[r]) return `r${r}: bare ${a.regs[r]}, guest ${b.regs[r]}`;
  for (const k of ['flags', 'pc', 'base', 'bound', 'timer', 'pending', 'halted', 'checkStop', 'output', 'inPos'] as const) {
    if (a[k] !== b[k]) return `${k}: bare ${String(a[k])}, guest ${String(b[k])}`;
  }
  for (let k = 0; k < a.mem.length; k++) if (a.mem[k] !== b.mem[k]) return `storage at ${k}: bare ${a.mem[k]}, guest ${b.mem[k]}`;
  return null;
}

/**
 * Decide hardware assist for `guestIsa` (checked as guestIsa+vt): every
 * instruction, `states` states in each mode.
 */
export function hardwareAssist(guestIsa: Isa, opts: { states?: number; seed?: number } = {}): AssistVerdict {
  const isa = withVt(guestIsa);
  const prober = new AssistProber(isa);
  const count = opts.states ?? DEFAULT_ASSIST_STATES;
  const seed = opts.seed ?? 1974;
  const instructions: AssistInstruction[] = [];
  for (const spec of isa.instructions) {
    let tried = 0;
    let identical = 0;
    const exits: Record<string, number> = {};
    let witness: AssistWitness | undefined;
    for (const st of statesFor(spec, count, seed, isa.instructions)) {
      for (const s of [true, false]) {
        const state = withMode(st, s);
        const bare = prober.runBare(state);
        const guest = prober.runGuest(state);
        tried++;
        if (guest.exit !== 0) {
          const n = exitName(guest.exit);
          exits[n] = (exits[n] ?? 0) + 1;
          continue;
        }
        const d = difference(bare, guest);
        if (d === null) identical++;
        else witness ??= { mnemonic: spec.mnemonic, state, bare, guest, claim: `completes in guest mode with a result the bare machine does not give (${d})` };
      }
    }
    instructions.push({ mnemonic: spec.mnemonic, tried, identical, exits, ...(witness ? { witness } : {}) });
  }
  const violators = instructions.filter((i) => i.witness).map((i) => i.mnemonic);
  return {
    isa: isa.name,
    holds: violators.length === 0,
    statement: 'in guest mode every instruction behaves as on the bare machine or exits ⇒ virtualizable with hardware assist',
    violators,
    instructions,
  };
}

/** A monitor trapeze offers, and whether the checker's verdicts admit it for an ISA. */
export interface Admission {
  readonly monitor: string;
  readonly admits: boolean;
  readonly why: string;
}

/** Which monitors can run an ISA's guests unmodified, and why, from the verdicts. */
export function admissions(t: { '1': { holds: boolean; violators: string[] }; '3': { holds: boolean; violators: string[] } }, hw: AssistVerdict): Admission[] {
  const list = (v: string[]) => v.join(', ');
  return [
    {
      monitor: 'trap-emulate',
      admits: t['1'].holds,
      why: t['1'].holds ? 'Theorem 1 holds: every sensitive instruction traps in user mode' : `Theorem 1 fails: ${list(t['1'].violators)} sensitive but not privileged, and would run directly`,
    },
    {
      monitor: 'hybrid',
      admits: t['3'].holds,
      why: t['3'].holds ? 'Theorem 3 holds: every user-sensitive instruction traps; supervisor code is interpreted' : `Theorem 3 fails: ${list(t['3'].violators)} user-sensitive but not privileged`,
    },
    {
      monitor: 'hw',
      admits: hw.holds,
      why: hw.holds ? `on ${hw.isa}, every instruction in guest mode behaves as on the bare machine or exits` : `on ${hw.isa}, ${list(hw.violators)} complete in guest mode with results the bare machine does not give`,
    },
  ];
}

/** The verdict, as lines of the text report. */
export function formatAssist(hw: AssistVerdict, admitted: readonly Admission[]): string[] {
  const out: string[] = [];
  const runs = hw.instructions.reduce((n, i) => n + i.tried, 0);
  const same = hw.instructions.reduce((n, i) => n + i.identical, 0);
  const byExit = new Map<string, string[]>();
  let checkStops = 0;
  for (const i of hw.instructions)
    for (const [e, n] of Object.entries(i.exits)) {
      if (e === 'CHECKSTOP') checkStops += n; // a trap with no handler in the guest: exits in every instruction that can trap
      else byExit.set(e, [...(byExit.get(e) ?? []), i.mnemonic]);
    }
  out.push(`Hardware assist (${hw.statement}): ${hw.holds ? 'HOLDS' : 'FAILS'}${hw.violators.length ? ` — violated by ${hw.violators.join(', ')}` : ''}`);
  out.push(`  ${runs} runs of ${hw.instructions.length} instructions in guest mode on ${hw.isa}: ${same} identical to the bare machine, the rest exits (${[...byExit].map(([e, ms]) => `${e}: ${ms.join(' ')}; `).join('')}CHECKSTOP, a guest trap with no handler: ${checkStops})`);
  for (const i of hw.instructions) {
    if (!i.witness) continue;
    out.push(`  ${i.mnemonic}: ${i.witness.claim}`);
  }
  out.push('');
  out.push('Monitors that run this ISA\'s guests unmodified:');
  for (const a of admitted) out.push(`  ${a.monitor.padEnd(13)} ${a.admits ? 'yes' : 'no '} — ${a.why}`);
  return out;
}

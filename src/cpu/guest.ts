/**
 * Guest mode: ISA.md "Extension vt", modelled on AMD SVM's VMRUN.
 *
 * `vmrun` hands the processor to a guest described by a 32-word control
 * block C. The guest runs on a processor of its own — here literally a
 * second `Cpu` whose storage is the partition (C words 6–7), so that every
 * guest instruction behaves as on a bare PG32 of that size, translated hot
 * code included. Only four things differ from the bare machine, and the
 * guest processor does them itself (cpu.ts, `guestTrap` and the intercept
 * check in `control`):
 *   - an access below the guest's bound but past the partition is an NPF exit;
 *   - an intercepted instruction or trap is an exit instead;
 *   - a trap with no handler is a CHECKSTOP exit, not a check-stop;
 *   - `vmrun` in guest supervisor mode is a VMRUN exit.
 *
 * This file is the other half: entering guest mode (loading C), running it
 * while the host's TIMER keeps counting (HTIMER exits), and leaving it
 * (writing the guest state back to C). The host is anything with a PSW,
 * registers, a timer and storage: the real CPU, and also a monitor's virtual
 * machine, so a trap-and-emulate monitor emulates a guest's `vmrun` with
 * exactly this code.
 *
 * The hidden host save area is the host itself: while the guest runs, the
 * host's registers and PSW are not touched (pc already at the instruction
 * after `vmrun`); only its TIMER and pending interrupt move.
 */
import { EXITS, FLAGS_MASK, MIN_PARTITION, VMCB, type Isa } from '../isa/table.js';
import { Cpu } from './cpu.js';
import type { Devices } from './devices.js';
import type { ProcessorState, PswState } from './psw.js';

/** A machine that can execute `vmrun`: the real CPU, or a virtual machine. */
export interface VtHost extends PswState {
  readonly regs: Int32Array;
  timer: number;
  pending: boolean;
  halted: boolean;
  instret: number;
  /** the guest it is running, while in guest mode */
  guest: GuestMode | null;
  /** whether the host translates hot code (its guest processor does as it does; default true) */
  readonly translating?: boolean;
}

/** Exit counts, by exit code (index 1–6: intercepted trap causes; 16–21: the named exits). */
export type ExitCounts = Float64Array;
export const newExitCounts = (): ExitCounts => new Float64Array(32);

/** One guest-mode episode: from `vmrun` to its exit. */
export class GuestMode {
  /** steps (guest instructions and trap deliveries) the last runGuest used */
  steps = 0;
  /** of those, trap deliveries */
  delivered = 0;
  constructor(
    /** host-physical address of the control block */
    readonly cb: number,
    /** the guest processor, over the partition */
    readonly cpu: Cpu,
    /** a trap to inject before the first guest instruction (0: none) */
    public injectCause: number,
    public injectInfo: number,
    /** entered by the `vmrun` instruction (it completes at the exit), or by a monitor written in TypeScript */
    readonly byInstruction: boolean,
  ) {}
}

/** Guest processors are kept per host storage and partition, so translated guest code survives from one vmrun to the next. */
const processors = new WeakMap<Int32Array, Map<string, Cpu>>();
const KEPT = 8;

function processorFor(host: VtHost, isa: Isa, partBase: number, size: number): Cpu {
  let m = processors.get(host.mem);
  if (!m) processors.set(host.mem, (m = new Map()));
  const translate = host.translating ?? true;
  const key = `${isa.name} ${partBase} ${size} ${translate}`;
  let cpu = m.get(key);
  if (!cpu) {
    if (m.size >= KEPT) m.delete(m.keys().next().value!);
    cpu = new Cpu({ isa, mem: host.mem.subarray(partBase, partBase + size), translate });
    cpu.guestMode = true;
    m.set(key, cpu);
  }
  return cpu;
}

/**
 * `vmrun` after its privilege and address checks: the control block is at
 * host-physical `cb`. Loads the guest and enters guest mode (returns 0), or
 * finds the block unusable and exits at once with BADVMCB (returns it; only
 * words 9–10 are written, no guest instruction ran).
 */
export function enterGuest(host: VtHost, isa: Isa, devices: Devices, cb: number, byInstruction: boolean): number {
  const E = host.mem;
  const partBase = E[cb + VMCB.PART_BASE]! >>> 0;
  const size = E[cb + VMCB.PART_SIZE]! >>> 0;
  const inject = E[cb + VMCB.INJECT]!;
  if (partBase + size > host.memWords || size < MIN_PARTITION || inject < 0 || inject > 6) {
    E[cb + VMCB.EXIT_CODE] = EXITS.BADVMCB;
    E[cb + VMCB.EXIT_INFO] = 0;
    return EXITS.BADVMCB;
  }
  const g = processorFor(host, isa, partBase, size);
  g.devices = devices;
  loadBlockState(E, cb, g);
  g.regs[0] = 0;
  g.intercepts = E[cb + VMCB.INTERCEPTS]!;
  g.resume();
  E[cb + VMCB.INJECT] = 0; // consumed by vmrun
  host.guest = new GuestMode(cb, g, inject, E[cb + VMCB.INJECT_INFO]!, byInstruction);
  return 0;
}

/**
 * Run the guest for up to `maxSteps` steps (guest instructions and trap
 * deliveries; how many were used is left in the GuestMode's `steps`, so a
 * caller keeps a reference to it: an exit clears `host.guest`). Returns
 * 'exit' when the guest exited (C written, host resumes after vmrun), 'halt'
 * if a guest `halt` without the HALT intercept stopped the machine, 'budget'
 * when the steps ran out.
 */
export function runGuest(host: VtHost, maxSteps: number): 'exit' | 'halt' | 'budget' {
  const gm = host.guest!;
  const g = gm.cpu;
  let left = maxSteps;
  let delivered = 0;
  const done = (r: 'exit' | 'halt' | 'budget') => {
    gm.steps = maxSteps - left;
    gm.delivered = delivered;
    return r;
  };
  if (gm.injectCause !== 0) {
    // An injected trap is always delivered, intercepts notwithstanding.
    const cause = gm.injectCause;
    gm.injectCause = 0;
    const d0 = g.delivered;
    const r = g.inject(cause, gm.injectInfo);
    delivered += g.delivered - d0;
    left -= g.delivered - d0;
    if (r === 'exit') {
      leaveGuest(host);
      return done('exit');
    }
  }
  while (left > 0) {
    // The host TIMER ticks once per completed guest instruction: never run past its expiry.
    let n = left;
    if (host.timer > 0 && host.timer < n) n = host.timer;
    const i0 = g.instret;
    const d0 = g.delivered;
    const r = g.run(n);
    const di = g.instret - i0;
    delivered += g.delivered - d0;
    left -= di + (g.delivered - d0);
    host.instret += di;
    if (host.timer > 0 && di > 0) {
      host.timer -= di;
      if (host.timer === 0) {
        host.pending = true;
        if (r === 'budget') {
          g.exit(EXITS.HTIMER, 0);
          leaveGuest(host);
          return done('exit');
        }
      }
    }
    if (r === 'exit') {
      leaveGuest(host);
      return done('exit');
    }
    if (r === 'halt') {
      host.halted = true;
      return done('halt');
    }
    if (r !== 'budget') throw new Error(`guest mode: the guest processor stopped with '${r}'`);
  }
  return done('budget');
}

/**
 * The exit: the guest state back to C, guest mode off. If `vmrun` entered
 * it, that instruction now completes (one instruction, one host timer tick).
 */
export function leaveGuest(host: VtHost): void {
  const gm = host.guest!;
  const g = gm.cpu;
  const E = host.mem;
  const cb = gm.cb;
  g.regs[0] = 0;
  storeBlockState(E, cb, g);
  E[cb + VMCB.EXIT_CODE] = g.exitCode;
  E[cb + VMCB.EXIT_INFO] = g.exitInfo;
  E[cb + VMCB.INJECT] = 0;
  host.guest = null;
  if (gm.byInstruction) {
    host.instret++;
    if (host.timer > 0 && --host.timer === 0) host.pending = true;
  }
}

/** What a control block holds of a processor (ISA.md `vt`, words 0-5 and 16-31): the guest CPU's, or a VM's under a monitor. */
export interface BlockState extends ProcessorState {
  readonly regs: Int32Array;
}

/** The guest state into control block `cb`: PSW (flags bits 0-1), TIMER, the pending interrupt, the registers. */
export function storeBlockState(E: Int32Array, cb: number, p: BlockState): void {
  E[cb + VMCB.PSW] = p.flags & FLAGS_MASK;
  E[cb + VMCB.PSW + 1] = p.pc;
  E[cb + VMCB.PSW + 2] = p.base;
  E[cb + VMCB.PSW + 3] = p.bound;
  E[cb + VMCB.TIMER] = p.timer;
  E[cb + VMCB.PENDING] = p.pending ? 1 : 0;
  for (let r = 0; r < 16; r++) E[cb + VMCB.REGS + r] = p.regs[r]!;
}

/** The guest state out of control block `cb` (r0 as stored: the caller decides whether it reads 0). */
export function loadBlockState(E: Int32Array, cb: number, p: BlockState): void {
  p.flags = E[cb + VMCB.PSW]! & FLAGS_MASK;
  p.pc = E[cb + VMCB.PSW + 1]! >>> 0;
  p.base = E[cb + VMCB.PSW + 2]! >>> 0;
  p.bound = E[cb + VMCB.PSW + 3]! >>> 0;
  p.timer = E[cb + VMCB.TIMER]! >>> 0;
  p.pending = E[cb + VMCB.PENDING]! !== 0;
  for (let r = 0; r < 16; r++) p.regs[r] = E[cb + VMCB.REGS + r]!;
}

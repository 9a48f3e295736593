/**
 * What one step did: the instruction (or interrupt) and every architected
 * effect, decoded through the ISA table. `--trace` prints it; the debugger
 * shows it at every stop and checks watchpoints and catchpoints against it.
 *
 * Slow on purpose and off the fast path: the caller steps the machine one
 * step at a time through `observeStep`, which looks before and after.
 *
 * "Written" means written: a register is listed when the instruction writes
 * it (its `rd` operand), whether or not the value changed; a store lists its
 * address and value; `out` its port and value; `lpsw` the PSW it loaded; a
 * trap the cause, info and the PSW it delivered.
 */
import { BY_OPCODE, EXITS, FIELDS, FLAGS, LOW, OPCODE, operandsOf, reservedMask, type Isa } from '../isa/table.js';
import type { CheckStop, StopReason } from './cpu.js';
import type { GuestMode } from './guest.js';

/** The machine a step is observed on: the CPU, or a VM as its guest sees it. */
export interface Observed {
  readonly regs: Int32Array;
  readonly flags: number;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly halted: boolean;
  readonly checkStop: CheckStop | null;
  readonly mem: Int32Array;
  readonly memWords: number;
}

export interface Psw {
  readonly flags: number;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
}

export interface MemAccess {
  /** virtual address */
  readonly addr: number;
  /** physical (storage) address */
  readonly phys: number;
  readonly value: number;
}

export interface StepEffect {
  /** supervisor mode before the step */
  readonly supervisor: boolean;
  /** virtual pc before the step */
  readonly pc: number;
  readonly base: number;
  /** the storage address of the instruction, or −1 if the fetch fails */
  readonly phys: number;
  /** the instruction word, undefined if the fetch fails */
  readonly word: number | undefined;
  /** a pending timer interrupt was taken instead of an instruction */
  readonly interrupt: boolean;
  /** the instruction completed (it did not trap) */
  readonly completed: boolean;
  readonly writes: readonly { readonly reg: number; readonly value: number }[];
  readonly loads: readonly MemAccess[];
  readonly stores: readonly MemAccess[];
  readonly out?: { readonly port: number; readonly value: number };
  readonly input?: { readonly port: number; readonly value: number };
  /** the PSW an instruction loaded (lpsw, jrstu, sflags) */
  readonly psw?: Psw;
  readonly timerSet?: number;
  /** a branch: whether it was taken */
  readonly taken?: boolean;
  /** where control went, when the instruction transfers it (branches taken, jumps) */
  readonly target?: number;
  readonly trap?: { readonly cause: number; readonly info: number; readonly oldPc: number; readonly psw: Psw };
  readonly halted: boolean;
  readonly checkStop?: CheckStop;
  readonly reason: StopReason;
  /** vt: the step ran in guest mode (addresses are still the host's storage addresses) */
  readonly guest?: boolean;
  /** vt: a `vmrun` entered guest mode */
  readonly entered?: { readonly pc: number };
  /** vt: guest mode ended with this exit */
  readonly exit?: { readonly code: number; readonly info: number };
  /**
   * vt: an exit is not a step, so the step that exits goes on with the
   * host's next instruction (after its vmrun): what that did
   */
  readonly then?: StepEffect;
}

/** A machine that may be in guest mode (the CPU, a VM): the state ISA.md's `vt` adds. */
export interface VtObserved extends Observed {
  readonly guest: GuestMode | null;
}

/**
 * One step of a machine that may be in guest mode. In guest mode the host's
 * registers and PSW are its hidden save area and do not move: the step is
 * the guest processor's, observed there, its storage addresses translated to
 * the host's. A `vmrun` that enters guest mode and the exit that ends it are
 * said as such.
 */
export function observeVtStep(m: VtObserved, isa: Isa, step: () => StopReason, delivered: () => number): StepEffect {
  const g = m.guest;
  if (g === null) {
    const e = observeStep(m, isa, step, delivered);
    const now = m.guest as GuestMode | null;
    return now !== null ? { ...e, entered: { pc: now.cpu.pc } } : e;
  }
  const part = (g.cpu.mem.byteOffset - m.mem.byteOffset) / Int32Array.BYTES_PER_ELEMENT;
  const hostPc = m.pc;
  const host = watchStep(m, isa, () => 0);
  const e = observeStep(g.cpu, g.cpu.isa, step, () => g.cpu.delivered);
  // the exit took no step: the host ran its next instruction in the same one
  const then = m.guest === null && m.pc !== hostPc ? { then: host(e.reason) } : {};
  const shift = (a: MemAccess): MemAccess => ({ ...a, phys: a.phys + part });
  const exited = m.guest === null || m.guest !== g;
  if (exited && g.cpu.exitCode !== EXITS.HTIMER) {
    // The instruction (or trap) exited instead of completing: it did nothing in the guest.
    return {
      supervisor: e.supervisor,
      pc: e.pc,
      base: e.base,
      phys: e.phys < 0 ? -1 : e.phys + part,
      word: e.word,
      interrupt: e.interrupt,
      completed: false,
      writes: [],
      loads: [],
      stores: [],
      halted: false,
      reason: e.reason,
      guest: true,
      exit: { code: g.cpu.exitCode, info: g.cpu.exitInfo },
      ...then,
    };
  }
  return {
    ...e,
    phys: e.phys < 0 ? -1 : e.phys + part,
    loads: e.loads.map(shift),
    stores: e.stores.map(shift),
    guest: true,
    ...(exited ? { exit: { code: g.cpu.exitCode, info: g.cpu.exitInfo } } : {}),
    ...then,
    // the host's own stop (a guest halt without the HALT intercept halts the machine)
    halted: m.halted && e.reason === 'halt',
    reason: e.reason,
  };
}

const OP = FIELDS.op[1];
const A = FIELDS.a[1];
const B = FIELDS.b[1];
const sext16 = (w: number) => (w << 16) >> 16;
const M = OPCODE;

/** Which mnemonics write their first operand: every format whose first operand is `rd`. */
const WRITES_RD: ReadonlySet<number> = new Set([...BY_OPCODE].filter((s) => s !== undefined && operandsOf(s)[0]?.name === 'rd').map((s) => s!.opcode));
const BRANCHES: ReadonlySet<number> = new Set([...BY_OPCODE].filter((s) => s?.format === 'BRANCH').map((s) => s!.opcode));
const JUMPS: ReadonlySet<number> = new Set([M.jmp, M.jal, M.jr, M.jalr, M.jrstu].filter((x) => x !== undefined));

/** The word at virtual `a` under m's relocation, or undefined (it would fault). */
export function fetchVirtual(m: Observed, a: number): number | undefined {
  a = a >>> 0;
  if (a >= m.bound || m.base + a >= m.memWords) return undefined;
  return m.mem[m.base + a];
}

const pswOf = (m: Observed): Psw => ({ flags: m.flags, pc: m.pc, base: m.base, bound: m.bound });

/**
 * Step `m` once with `step` and say what happened. `delivered` counts the
 * traps delivered into m so far (a CPU's trap count, a VM's reflections).
 */
export function observeStep(m: Observed, isa: Isa, step: () => StopReason, delivered: () => number): StepEffect {
  const after = watchStep(m, isa, delivered);
  return after(step());
}

/** Look at `m` before a step; the function returned says what the step did, given how it ended. */
export function watchStep(m: Observed, isa: Isa, delivered: () => number): (reason: StopReason) => StepEffect {
  const R = m.regs;
  const before = R.slice();
  const supervisor = (m.flags & FLAGS.S) !== 0;
  const pc = m.pc;
  const base = m.base;
  const flags = m.flags;
  const word = fetchVirtual(m, pc);
  const phys = word === undefined ? -1 : base + pc;
  const interrupt = m.pending && (m.flags & FLAGS.IE) !== 0;
  const trapsBefore = delivered();
  const wasHalted = m.halted;
  const wasStopped = m.halted || m.checkStop !== null;

  // Decode what the instruction will touch, from the registers before it runs.
  const op = word === undefined ? -1 : word >>> OP;
  const spec = word === undefined ? undefined : isa.byOpcode[op];
  const defined = spec !== undefined && (word! & reservedMask(spec)) === 0;
  const ra = word === undefined ? 0 : (word >> A) & 15;
  const rb = word === undefined ? 0 : (word >> B) & 15;
  const ea = word === undefined ? 0 : (before[rb]! + sext16(word)) | 0;
  const pswAt = before[rb]! >>> 0;

  return (reason) => {
    const trapped = delivered() !== trapsBefore;
    // Completed: an instruction ran to its end (no interrupt instead, no trap, no check-stop, and the machine was running).
    const ok = !wasStopped && !interrupt && !trapped && defined && m.checkStop === null;
    const writes: { reg: number; value: number }[] = [];
    const loads: MemAccess[] = [];
    const stores: MemAccess[] = [];
    let out: StepEffect['out'];
    let input: StepEffect['input'];
    let psw: Psw | undefined;
    let timerSet: number | undefined;
    let taken: boolean | undefined;
    let target: number | undefined;
    if (ok && word !== undefined) {
      if (WRITES_RD.has(op)) writes.push({ reg: ra, value: ra === 0 ? 0 : R[ra]! });
      const access = (a: number): MemAccess => ({ addr: a >>> 0, phys: base + (a >>> 0), value: m.mem[base + (a >>> 0)] ?? 0 });
      switch (op) {
        case M.ld:
          loads.push(access(ea));
          break;
        case M.st:
          stores.push(access(ea));
          break;
        case M.lpsw:
          for (let k = 0; k < 4; k++) loads.push({ addr: (pswAt + k) >>> 0, phys: base + pswAt + k, value: m.mem[base + pswAt + k] ?? 0 });
          psw = pswOf(m);
          break;
        case M.spsw:
          for (let k = 0; k < 4; k++) stores.push({ addr: (pswAt + k) >>> 0, phys: base + pswAt + k, value: m.mem[base + pswAt + k] ?? 0 });
          break;
        case M.out:
          out = { port: word & 0xffff, value: before[rb]! };
          break;
        case M.in:
          input = { port: word & 0xffff, value: R[ra]! };
          break;
        case M.stimer:
          timerSet = before[rb]! >>> 0;
          break;
        default:
          if (BRANCHES.has(op)) {
            taken = m.pc !== ((pc + 1) >>> 0);
            if (taken) target = m.pc;
          } else if (JUMPS.has(op)) target = m.pc;
          // jrstu, sflags (and anything else that changes the PSW without a trap)
          if (m.flags !== flags || m.base !== base) psw = pswOf(m);
      }
    }
    let trap: StepEffect['trap'];
    if (trapped) {
      // The trap sequence left cause and info in the machine's own low storage.
      trap = { cause: m.mem[LOW.CAUSE]!, info: m.mem[LOW.INFO]!, oldPc: m.mem[LOW.OLD_PSW + 1]! >>> 0, psw: pswOf(m) };
    }
    return {
      supervisor,
      pc,
      base,
      phys,
      word,
      interrupt,
      completed: ok,
      writes,
      loads,
      stores,
      ...(out ? { out } : {}),
      ...(input ? { input } : {}),
      ...(psw ? { psw } : {}),
      ...(timerSet !== undefined ? { timerSet } : {}),
      ...(taken !== undefined ? { taken } : {}),
      ...(target !== undefined ? { target } : {}),
      ...(trap ? { trap } : {}),
      halted: m.halted && !wasHalted,
      ...(m.checkStop && !wasStopped ? { checkStop: m.checkStop } : {}),
      reason,
    };
  };
}

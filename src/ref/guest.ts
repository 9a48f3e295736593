/**
 * Guest mode (ISA.md "Extension vt") for the reference interpreter, in the
 * manual's order: `vmrun` loads the 32-word control block C and the guest
 * runs — on a Reference of its own whose storage is the partition, so every
 * guest instruction behaves as on a bare PG32 of that size — until an exit
 * writes the guest state back to C.
 *
 * What a guest processor does differently from the bare machine lives in
 * interp.ts (`isGuest`): an intercepted instruction or trap exits, an access
 * below the guest's bound but past the partition is an NPF exit, a trap with
 * no handler is a CHECKSTOP exit. The host's part is here: the host TIMER
 * ticks for every guest instruction that completes (HTIMER exit at 0), and
 * `vmrun` completes at the exit.
 */
import { CAUSES, EXITS, FLAGS_MASK, MIN_PARTITION, VMCB } from '../isa/table.js';
import type { Operands } from './decode.js';
import { Reference } from './interp.js';

/** An exit, raised (thrown) in the guest like a trap: the guest's pc stays where the manual says. */
export class Exit {
  constructor(
    readonly code: number,
    readonly info: number,
  ) {}
}

/** One guest-mode episode: the control block's host-physical address, the guest processor, a trap to inject first. */
export interface Guest {
  readonly cb: number;
  readonly cpu: Reference;
  inject: number;
  readonly injectInfo: number;
}

/** `vmrun rs`, after its privilege check. */
export function vmrun(m: Reference, o: Operands): void {
  if (m.isGuest) throw new Exit(EXITS.VMRUN, o.word); // nesting is the monitor's to emulate
  const at = m.get(o.rs);
  m.loadWords(at, 32); // all 32 checked before any is touched
  const cb = m.base + (at >>> 0);
  const E = m.mem;
  const partBase = E[cb + VMCB.PART_BASE]! >>> 0;
  const size = E[cb + VMCB.PART_SIZE]! >>> 0;
  const inject = E[cb + VMCB.INJECT]!;
  if (partBase + size > m.memWords || size < MIN_PARTITION || inject < 0 || inject > 6) {
    // BADVMCB: no guest instruction runs, and vmrun completes now
    E[cb + VMCB.EXIT_CODE] = EXITS.BADVMCB;
    E[cb + VMCB.EXIT_INFO] = 0;
    return;
  }
  const g = new Reference({ isa: m.isa, mem: E.subarray(partBase, partBase + size), devices: m.devices, semantics: m.semantics });
  g.isGuest = true;
  for (let r = 1; r < 16; r++) g.regs[r] = E[cb + VMCB.REGS + r]!;
  g.flags = E[cb + VMCB.PSW]! & FLAGS_MASK;
  g.pc = E[cb + VMCB.PSW + 1]! >>> 0;
  g.base = E[cb + VMCB.PSW + 2]! >>> 0;
  g.bound = E[cb + VMCB.PSW + 3]! >>> 0;
  g.timer = E[cb + VMCB.TIMER]! >>> 0;
  g.pending = E[cb + VMCB.PENDING]! !== 0;
  g.intercepts = E[cb + VMCB.INTERCEPTS]!;
  E[cb + VMCB.INJECT] = 0; // consumed by vmrun
  m.enterGuest({ cb, cpu: g, inject, injectInfo: E[cb + VMCB.INJECT_INFO]! });
}

/**
 * One step of a host in guest mode: 'budget' (a guest instruction or trap
 * delivery), 'halt' (a guest `halt` not intercepted halts the machine),
 * 'exit' (an HTIMER exit after a guest instruction), or 'exited' (an exit
 * that took no step: an intercepted instruction or trap, an NPF).
 */
export function guestStep(host: Reference): 'budget' | 'halt' | 'exit' | 'exited' {
  const gm = host.guest!;
  const g = gm.cpu;
  if (gm.inject !== 0) {
    // An injected trap is always delivered, intercepts notwithstanding: a step, or a CHECKSTOP exit.
    const cause = gm.inject;
    gm.inject = 0;
    if (g.inject(cause, gm.injectInfo) === 'exit') return leave(host, 'exited');
    return 'budget';
  }
  const before = g.instret;
  const r = g.step();
  if (g.instret > before) {
    // the host TIMER counts the guest's completed instructions
    host.instret++;
    if (host.timer > 0 && --host.timer === 0) {
      host.pending = true;
      if (r === 'budget') {
        g.exitCode = EXITS.HTIMER;
        g.exitInfo = 0;
        return leave(host, 'exit');
      }
    }
  }
  if (r === 'exit') return leave(host, 'exited');
  if (r === 'halt') host.halted = true;
  if (r === 'checkstop' || r === 'trap') throw new Error(`reference guest mode: the guest stopped with '${r}' (a guest trap exits or is delivered)`);
  return r;
}

/** The exit: the guest state back to C, guest mode off, and `vmrun` completes (one instruction, one host timer tick). */
function leave<R>(host: Reference, r: R): R {
  const { cb, cpu: g } = host.guest!;
  const E = host.mem;
  E[cb + VMCB.PSW] = g.flags & FLAGS_MASK;
  E[cb + VMCB.PSW + 1] = g.pc;
  E[cb + VMCB.PSW + 2] = g.base;
  E[cb + VMCB.PSW + 3] = g.bound;
  E[cb + VMCB.TIMER] = g.timer;
  E[cb + VMCB.PENDING] = g.pending ? 1 : 0;
  E[cb + VMCB.EXIT_CODE] = g.exitCode;
  E[cb + VMCB.EXIT_INFO] = g.exitInfo;
  E[cb + VMCB.INJECT] = 0;
  for (let r = 0; r < 16; r++) E[cb + VMCB.REGS + r] = g.get(r);
  host.leaveGuest();
  return r;
}

/** The cause a guest trap exits with when intercepted: SVC has an intercept of its own, every other cause is TRAPS. */
export const interceptOfCause = (cause: number): 'SVC' | 'TRAPS' => (cause === CAUSES.SVC ? 'SVC' : 'TRAPS');

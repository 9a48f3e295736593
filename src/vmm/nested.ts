/**
 * Nested hardware virtualization, as KVM's nested SVM does it
 * (arch/x86/kvm/svm/nested.c): two small decisions.
 *
 * A VM of the hw monitor (L1) is itself a hypervisor: it executed `vmrun`
 * (a VMRUN exit) or a monitor written in TypeScript entered a guest on it.
 * Its guest (L2) is described by L1's control block C12, in L1's storage.
 *
 * 1. Merge. L0 runs L2 in the real guest mode from a control block of its
 *    own, C02: L2's state from C12, L2's partition placed inside L1's
 *    (partition base = L1's partition + C12's), and the intercepts L1 asked
 *    for plus the ones L0 needs (IO and HALT: the console is L0's). The real
 *    host TIMER is L0's slice or L1's own host timer, whichever ends first:
 *    L1's timer must tick for every L2 instruction, as ISA.md says.
 *
 * 2. Does L1 want this exit? An exit L1 intercepted, an NPF (L2's partition
 *    is L1's to size), a VMRUN, a CHECKSTOP, L1's timer running out: reflect
 *    it — C02's guest state back into C12 with the exit, and L1's vmrun
 *    completes. An exit only L0 asked for (IO or HALT that L1 did not
 *    intercept): L0 handles it for L1, as L1's hardware would have — L2's
 *    `out` reaches L1's console, L2's `halt` halts L1's machine — and L2
 *    goes on. The end of L0's own slice leaves L2 where it is.
 *
 * Between runs L2's state is kept where guest.ts keeps any guest's: the
 * guest processor of L1's GuestMode, so that leaving guest mode (writing
 * C12) is the same code for nested and emulated guest mode.
 */
import type { StopReason } from '../cpu/cpu.js';
import { leaveGuest, loadBlockState, storeBlockState } from '../cpu/guest.js';
import { EXITS, FIELDS, INTERCEPTS, OPCODE, VMCB } from '../isa/table.js';
import type { Cpu } from '../cpu/cpu.js';
import type { Machine } from './machine.js';
import type { VirtualMachine } from './vm.js';

/** What L0 needs for L2 whatever L1 asked for: the devices and the processor are L0's. */
const L0_NEEDS = INTERCEPTS.IO | INTERCEPTS.HALT;

/** The intercept that covers an instruction word (for "did L1 ask for this INSTR exit?"). */
function interceptOf(word: number): number {
  const op = word >>> FIELDS.op[1];
  if (op === OPCODE.in || op === OPCODE.out) return INTERCEPTS.IO;
  if (op === OPCODE.halt) return INTERCEPTS.HALT;
  return -1; // anything else L0 never adds: always L1's
}

/**
 * Run L2 (the guest of `vm`, which is in guest mode) on the machine's real
 * guest mode, from the merged block at host-physical `cb02`, for up to
 * `left` steps. Returns the steps used and what happened to L1: 'exit'
 * (L2 exited to L1: its vmrun completed), 'halt' (L2 halted L1's machine),
 * or 'budget' (L0's slice ended, L2 still running).
 */
export function runNested(host: Machine, vm: VirtualMachine, cb02: number, left: number): { steps: number; reason: 'exit' | 'halt' | 'budget' } {
  const gm = vm.guest!;
  const l2 = gm.cpu; // L2's state between runs
  const E = host.mem;
  const wanted = l2.intercepts; // what L1 asked for
  let steps = 0;
  for (;;) {
    // 1. Merge C12 (held in l2) into C02.
    toBlock(E, cb02, l2, partitionOf(host, l2), wanted | L0_NEEDS, gm.injectCause, gm.injectInfo);
    gm.injectCause = 0;
    vm.stats.entries++;
    if (host.enterGuest(cb02, l2.isa) !== 0) throw new Error(`hw monitor: the merged control block of ${vm.name}'s guest was refused`);
    const real = host.guest!.cpu;
    real.afterTrap = l2.afterTrap;
    const l1Timer = vm.timer;
    const slice = l1Timer > 0 && l1Timer < left - steps ? l1Timer : left - steps;
    host.timer = slice;
    host.pending = false;
    const i0 = real.instret;
    const d0 = real.delivered;
    const r = host.run(left - steps);
    const done = real.instret - i0;
    steps += done + real.delivered - d0;
    // L2's processor state holder counts what ran, as if it had run it
    // (a monitor on L1 reads these counters).
    l2.instret += done;
    l2.delivered += real.delivered - d0;
    vm.instret += done;
    vm.stats.guestMode += done;
    host.timer = 0;
    host.pending = false;
    if (r === 'budget') {
      real.exit(0, 0);
      leaveGuest(host); // C02 written, nothing seen by L2
    } else if (r !== 'exit') throw new Error(`hw monitor: the machine stopped with '${r}' running ${vm.name}'s guest`);
    fromBlock(E, cb02, l2);
    l2.afterTrap = real.afterTrap;
    const code = r === 'exit' ? E[cb02 + VMCB.EXIT_CODE]! : 0;
    const info = E[cb02 + VMCB.EXIT_INFO]!;
    if (code) vm.stats.exits[code]!++;

    // L1's host timer ticked for every L2 instruction.
    let l1TimerOut = false;
    if (vm.timer > 0 && done > 0) {
      vm.timer -= done;
      if (vm.timer === 0) {
        vm.pending = true;
        l1TimerOut = true;
      }
    }

    // 2. Does L1 want this exit?
    if (code === EXITS.INSTR && (interceptOf(info) & wanted) === 0) {
      // Only L0 asked: do for L1 what its hardware does. The instruction
      // completes in L2: a step, L2's timer and L1's host timer tick.
      const halted = emulateForL1(vm, l2, info);
      steps++;
      l2.instret++;
      vm.instret++;
      vm.stats.guestMode++;
      if (l2.timer > 0 && --l2.timer === 0) l2.pending = true;
      const l1Out = vm.timer > 0 && --vm.timer === 0;
      if (l1Out) vm.pending = true;
      if (halted) {
        vm.halted = true;
        return { steps, reason: 'halt' };
      }
      if (l1Out) {
        l2.exit(EXITS.HTIMER, 0);
        return reflect(vm, steps);
      }
      if (steps >= left) return { steps, reason: 'budget' };
      continue;
    }
    if (code !== 0 && !(code === EXITS.HTIMER && !l1TimerOut)) {
      l2.exit(code, info);
      l2.exitAfterTrap = real.exitAfterTrap;
      return reflect(vm, steps);
    }
    if (l1TimerOut) {
      // L1's timer ran out exactly as L0's slice did, or L2 was stopped by the step budget at that point.
      l2.exit(EXITS.HTIMER, 0);
      return reflect(vm, steps);
    }
    // L0's own slice is over (HTIMER of L0's timer, or the steps): L2 stays in guest mode.
    if (steps >= left) return { steps, reason: 'budget' };
  }
}

/** L2 exits to L1: C12 written (guest.ts), L1's vmrun completes. */
function reflect(vm: VirtualMachine, steps: number): { steps: number; reason: 'exit' } {
  leaveGuest(vm);
  return { steps, reason: 'exit' };
}

/**
 * An `in`, `out` or `halt` of L2 that L1 did not intercept: on L1's
 * hardware it reaches L1's devices (its console, which is L0's to give) or
 * stops L1's machine. Returns true for halt.
 */
function emulateForL1(vm: VirtualMachine, l2: Cpu, word: number): boolean {
  const op = word >>> FIELDS.op[1];
  const R = l2.regs;
  if (op === OPCODE.halt) {
    l2.pc = l2.pc + 1;
    return true;
  }
  if (op === OPCODE.out) vm.console.write(word & 0xffff, R[(word >> FIELDS.b[1]) & 15]!);
  else {
    const rd = (word >> FIELDS.a[1]) & 15;
    const v = vm.console.read(word & 0xffff);
    if (rd !== 0) R[rd] = v;
  }
  l2.pc = l2.pc + 1;
  return false;
}

/** Host-physical address of the guest processor's partition. */
function partitionOf(host: Machine, l2: Cpu): number {
  return (l2.mem.byteOffset - host.mem.byteOffset) / 4;
}

function toBlock(E: Int32Array, cb: number, g: Cpu, partBase: number, intercepts: number, inject: number, injectInfo: number): void {
  storeBlockState(E, cb, g);
  E[cb + VMCB.PART_BASE] = partBase;
  E[cb + VMCB.PART_SIZE] = g.memWords;
  E[cb + VMCB.INTERCEPTS] = intercepts;
  E[cb + VMCB.INJECT] = inject;
  E[cb + VMCB.INJECT_INFO] = injectInfo;
}

function fromBlock(E: Int32Array, cb: number, g: Cpu): void {
  loadBlockState(E, cb, g);
  g.regs[0] = 0;
}

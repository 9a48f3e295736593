/**
 * Hypercalls: the paravirtual interface every trapeze monitor honours
 * (ISA.md "Hypercalls"; the numbers are in isa/hypercalls.ts; decisions
 * where ISA.md is silent in isa/HYPERCALLS.md).
 *
 * A paravirtual kernel calls its monitor where it would have executed a
 * sensitive instruction: `svc 0xFF00 + call` in VIRTUAL supervisor mode. The
 * dispatcher (trap-and-emulate: the SVC case; hybrid and bt: the SVC their
 * software CPU or translated code stops on; hw: the SVC intercept) sees the
 * svc, and instead of reflecting it into the guest calls `hypercall()` here,
 * which acts on the VM the way the routines do: on its virtual PSW, relocation,
 * storage, timer and console, and on the guest registers the dispatcher hands
 * it. The dispatcher then counts the svc as one completed guest instruction
 * (`completeHypercall`).
 */
import { FLAGS, FLAGS_MASK, PORTS } from '../isa/table.js';
import { HC, HC_BAD_BUFFER, HC_PROBE_MAGIC, HC_UNKNOWN, HYPERCALL_BASE, HYPERCALL_LAST, HYPERCALLS } from '../../isa/hypercalls.js';
import type { Devices } from '../cpu/devices.js';
import { relocationLimit, type PswState } from '../cpu/psw.js';

export { HC, HYPERCALL_BASE, HYPERCALLS } from '../../isa/hypercalls.js';

/** What a hypercall acts on: the virtual machine as its guest sees it (a VirtualMachine, or a monitor's copy of a guest's state). */
export interface HypercallVm extends PswState {
  timer: number;
  pending: boolean;
  halted: boolean;
  readonly console: Devices;
}

/** hypercall() result bits */
/** the call set the timer (`timer`, or a multicall entry that did): like stimer, the svc itself is not counted by TIMER */
export const HC_NO_TICK = 1;
/** the call was `yield` (or a multicall entry was): the VM's time slice ends after it */
export const HC_YIELD = 2;

/** Slots in a per-VM count of hypercalls: one per call, the last for unknown ones. */
export const HYPERCALL_SLOTS = HYPERCALLS.length + 1;

/** Is `svc n` a hypercall when the guest is in virtual supervisor mode? */
export function isHypercall(n: number): boolean {
  return n >= HYPERCALL_BASE && n <= HYPERCALL_LAST;
}

/** The count slot of a call number (unknown calls share the last slot). */
export function hypercallSlot(call: number): number {
  return call >= 0 && call < HYPERCALLS.length ? call : HYPERCALLS.length;
}

/** Does the buffer of `count` words at virtual `at` pass the guest's relocation (every word a < bound, base + a < storage)? */
function fits(vm: HypercallVm, at: number, count: number): boolean {
  return count === 0 || at + count <= relocationLimit(vm); // at, count unsigned: no 32-bit wrap-around
}

/** a multicall's scratch registers (r1..r3 of an entry); multicalls do not nest, so one is enough */
const ENTRY = new Int32Array(4);

/**
 * Perform hypercall `call` (0..255) on `vm`: arguments in R[1..3], results
 * to R[1] (and R[2] for reloc). Returns HC_NO_TICK / HC_YIELD bits; the
 * caller advances nothing itself — the guest's pc is already past the svc.
 */
export function hypercall(vm: HypercallVm, call: number, R: Int32Array): number {
  return perform(vm, call, R, false);
}

function perform(vm: HypercallVm, call: number, R: Int32Array, inMulticall: boolean): number {
  switch (call) {
    case HC.probe:
      R[1] = HC_PROBE_MAGIC;
      return 0;

    case HC.write: {
      // One exit for the whole buffer: the point of paravirtual output.
      const at = R[1]! >>> 0;
      const n = R[2]! >>> 0;
      if (!fits(vm, at, n)) return fail(R);
      const p = vm.base + at;
      for (let k = 0; k < n; k++) vm.console.write(PORTS.CONSOLE_OUT, vm.mem[p + k]!);
      R[1] = n;
      return 0;
    }

    case HC.read: {
      const at = R[1]! >>> 0;
      const n = R[2]! >>> 0;
      if (!fits(vm, at, n)) return fail(R);
      const p = vm.base + at;
      let k = 0;
      for (; k < n; k++) {
        const b = vm.console.read(PORTS.CONSOLE_IN);
        if (b < 0) break; // end of input
        vm.mem[p + k] = b;
      }
      R[1] = k;
      return 0;
    }

    case HC.flags:
      R[1] = vm.flags & FLAGS_MASK;
      return 0;

    case HC.setie:
      // A pending timer interrupt is then taken before the next instruction, as after lpsw.
      vm.flags = (vm.flags & ~FLAGS.IE) | ((R[1]! & 1) !== 0 ? FLAGS.IE : 0);
      R[1] = 0;
      return 0;

    case HC.reloc:
      R[1] = vm.base;
      R[2] = vm.bound;
      return 0;

    case HC.timer:
      vm.timer = R[1]! >>> 0;
      vm.pending = false;
      R[1] = 0;
      return HC_NO_TICK;

    case HC.multicall: {
      if (inMulticall) return unknown(R); // multicalls do not nest
      const at = R[1]! >>> 0;
      const n = R[2]! >>> 0;
      if (!fits(vm, at, 4 * n)) return fail(R);
      let bits = 0;
      let done = 0;
      for (; done < n && !vm.halted; done++) {
        // Read each entry when its turn comes: an earlier entry may have changed it (read into the table).
        const e = vm.base + at + 4 * done;
        ENTRY[1] = vm.mem[e + 1]!;
        ENTRY[2] = vm.mem[e + 2]!;
        ENTRY[3] = vm.mem[e + 3]!;
        bits |= perform(vm, vm.mem[e]!, ENTRY, true);
        if (ENTRY[1]! < 0) break; // the first negative result stops the batch; it is not counted as done
      }
      R[1] = done;
      return bits;
    }

    case HC.yield:
      R[1] = 0;
      return HC_YIELD;

    case HC.halt:
      vm.halted = true;
      R[1] = 0;
      return 0;

    default:
      return unknown(R);
  }
}

function fail(R: Int32Array): number {
  R[1] = HC_BAD_BUFFER;
  return 0;
}

function unknown(R: Int32Array): number {
  R[1] = HC_UNKNOWN;
  return 0;
}

/** The accounting every monitor does after a hypercall: what the guest sees is one completed instruction. */
export interface Accountable extends HypercallVm {
  instret: number;
  steps: number;
}

/**
 * Perform the hypercall of `svc n` (n = 0xFF00 + call) and count it as one
 * completed guest instruction: instret, a step, and the virtual TIMER (unless
 * the call set the timer, as stimer is not counted). `counts`, if given, is
 * a per-VM count by call (HYPERCALL_SLOTS long). Returns the hypercall()
 * bits.
 */
export function completeHypercall(vm: Accountable, n: number, R: Int32Array, counts?: Float64Array): number {
  const call = n - HYPERCALL_BASE;
  const bits = hypercall(vm, call, R);
  if (counts) counts[hypercallSlot(call)]!++;
  vm.instret++;
  vm.steps++;
  if ((bits & HC_NO_TICK) === 0 && vm.timer > 0 && --vm.timer === 0) vm.pending = true;
  return bits;
}

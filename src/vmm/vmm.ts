/**
 * The virtual machine monitor, built as in Popek & Goldberg's paper:
 *
 *   dispatcher   — runVm() and dispatch() below: entered on every trap
 *   allocator    — allocator.ts: partitions, and the only code that sets real relocation
 *   interpreters — routines.ts: one routine per privileged instruction
 *
 * A guest runs deprivileged: in real user mode, under composed relocation,
 * its innocuous instructions executing directly on the machine below. The
 * monitor runs only when that machine traps. Then, like lguest's run loop,
 * it switches on the cause: emulate (a privileged instruction in virtual
 * supervisor mode), reflect (what the guest's own hardware would have done:
 * SVC, faults, a privileged instruction in virtual user mode, the guest's
 * timer), or stop the VM with a message (check-stop).
 *
 * Time. The architected TIMER is passed through: the machine below counts
 * the guest's directly executed instructions with the guest's own timer, and
 * the routines count the emulated ones, so virtual time is exact. The
 * monitor's time slice is the run loop's instruction budget, which the guest
 * cannot observe (a guest reading IE with gpsw sees its own IE).
 *
 * Monitors. 'trap-emulate' runs both virtual modes directly (Theorem 1).
 * 'hybrid' interprets every instruction executed in virtual supervisor mode
 * with a software CPU and runs only virtual user mode directly (Theorem 3).
 */
import { Cpu, type StopReason } from '../cpu/cpu.js';
import { causeName, CAUSES, FIELDS, FLAGS, OPCODE, type Isa } from '../isa/table.js';
import { Allocator } from './allocator.js';
import type { Machine } from './machine.js';
import { DONE_NO_TICK, ENTERED_GUEST, ROUTINES, type PrivilegedMnemonic } from './routines.js';
import { runGuest } from '../cpu/guest.js';
import { VirtualMachine, type Runner } from './vm.js';
import { Console } from '../cpu/devices.js';
import { copyProcessorState, hookTrap, relocationLimit, trapSequence } from '../cpu/psw.js';

export type { MonitorKind } from './monitor.js';

export interface VmmOptions {
  readonly isa: Isa;
  readonly monitor?: 'trap-emulate' | 'hybrid';
  /** measure time spent in the dispatcher (costs two clock reads per trap) */
  readonly timing?: boolean;
}

/** opcode → the routine for it, built from the ISA table */
function routineTable(): Array<{ name: PrivilegedMnemonic; run: (typeof ROUTINES)[PrivilegedMnemonic] } | undefined> {
  const t: Array<{ name: PrivilegedMnemonic; run: (typeof ROUTINES)[PrivilegedMnemonic] } | undefined> = new Array(256).fill(undefined);
  for (const name of Object.keys(ROUTINES) as PrivilegedMnemonic[]) t[OPCODE[name]] = { name, run: ROUTINES[name] };
  return t;
}
const ROUTINE_BY_OPCODE = routineTable();

export class Vmm implements Runner {
  readonly allocator: Allocator;
  readonly monitor: 'trap-emulate' | 'hybrid';
  readonly vms: VirtualMachine[] = [];
  /** the hybrid monitor's software CPU, one per VM (lazily made) */
  private readonly interpreters = new Map<VirtualMachine, Cpu>();

  constructor(
    readonly host: Machine,
    readonly options: VmmOptions,
  ) {
    this.monitor = options.monitor ?? 'trap-emulate';
    this.allocator = new Allocator(host);
    // Every trap of the machine below now comes to the dispatcher.
    host.trapHook = true;
  }

  /** A new VM with a partition of `size` words, in the reset state (supervisor, base 0, bound = size). */
  createVm(name: string, size: number, console = new Console()): VirtualMachine {
    const vm = new VirtualMachine(name, this.allocator.allocate(size), this, console, this.options.isa);
    this.vms.push(vm);
    return vm;
  }

  /**
   * The dispatcher's loop for one VM: run it for up to `maxSteps` guest steps
   * (instructions and trap deliveries), handling every trap, until it halts,
   * check-stops, uses the budget, or — if the VM is itself hooked, because a
   * monitor above runs on it — takes a trap that its hardware would deliver.
   */
  runVm(vm: VirtualMachine, maxSteps: number): StopReason {
    // The guest's registers live in the machine below for the whole call —
    // traps, emulation and reflection included — and are copied back once.
    this.host.regs.set(vm.regs);
    const r = this.dispatchLoop(vm, maxSteps);
    vm.regs.set(this.host.regs);
    return r;
  }

  private dispatchLoop(vm: VirtualMachine, maxSteps: number): StopReason {
    const host = this.host;
    const stats = vm.stats;
    const hybrid = this.monitor === 'hybrid';
    let left = maxSteps;
    while (left > 0) {
      if (vm.halted) return 'halt';
      if (vm.checkStop) return 'checkstop';

      // The VM is in guest mode (its kernel executed vmrun): run its guest,
      // in software, until the guest exits and the vmrun completes.
      if (vm.guest !== null) {
        const g = vm.guest;
        const i0 = vm.instret;
        const r = runGuest(vm, left);
        left -= g.steps;
        vm.steps += g.steps;
        stats.guestMode += vm.instret - i0 - (r === 'exit' && g.byInstruction ? 1 : 0);
        if (r === 'exit' && !vm.exitHook) continue;
        return r;
      }

      // The guest's own timer interrupt, before its next instruction.
      if (vm.pending && (vm.flags & FLAGS.IE) !== 0) {
        vm.pending = false;
        const r = this.reflect(vm, CAUSES.TIMER, 0, vm.pc);
        if (r) return r;
        left--;
        continue;
      }
      if (vm.afterTrap) {
        vm.afterTrap = false;
        if (vm.pc >= relocationLimit(vm)) {
          return this.checkStop(vm, CAUSES.MEMORY, vm.pc, vm.pc, "the trap handler's first instruction is outside its relocation bounds");
        }
      }

      if (hybrid && vm.supervisor) {
        const r = this.interpretOne(vm);
        if (r === 'budget') {
          left--;
          continue;
        }
        return r;
      }

      // Direct execution: deprivileged, relocated into the partition.
      host.flags = vm.flags & FLAGS.IE; // real user mode; the guest's own IE
      host.pc = vm.pc;
      this.allocator.relocate(vm.partition, vm.base, vm.bound);
      host.timer = vm.timer;
      host.pending = vm.pending;
      const before = host.instret;
      const reason = host.run(left);
      const done = host.instret - before;
      vm.pc = host.pc;
      vm.timer = host.timer;
      vm.pending = host.pending;
      vm.instret += done;
      vm.steps += done;
      stats.direct += done;
      left -= done;

      if (reason === 'trap') {
        const t0 = this.options.timing ? performance.now() : 0;
        const r = this.dispatch(vm, host.trapCause, host.trapInfo, host.trapPc);
        if (this.options.timing) stats.monitorMs += performance.now() - t0;
        if (r === null) {
          left--;
          continue;
        }
        if (r === 'budget') {
          left--; // an emulated instruction: one step
          continue;
        }
        return r;
      }
      if (reason === 'budget') return 'budget';
      // The machine below runs the guest in user mode with every trap hooked:
      // it cannot halt or check-stop on the guest's behalf.
      throw new Error(`monitor invariant broken: the machine below stopped with '${reason}' while running ${vm.name}`);
    }
    return 'budget';
  }

  /**
   * The dispatcher proper: one case per cause. Returns null when a trap was
   * reflected into the guest (a step), 'budget' when an instruction was
   * emulated (its step counted here), or a stop reason.
   */
  private dispatch(vm: VirtualMachine, cause: number, info: number, pc: number): StopReason | 'budget' | null {
    vm.stats.traps[cause]!++;
    switch (cause) {
      case CAUSES.PRIV:
        // A privileged instruction: the guest's kernel may do it (emulate);
        // the guest's user program may not (its kernel gets the trap).
        if (vm.supervisor) return this.emulate(vm, info);
        return this.reflect(vm, cause, info, pc);
      case CAUSES.TIMER:
        // The guest's own timer (passed through) expired with its IE on.
        return this.reflect(vm, cause, info, pc);
      case CAUSES.SVC:
      case CAUSES.ILLEGAL:
      case CAUSES.MEMORY:
      case CAUSES.ARITH:
        // The guest's hardware would trap the same way, with the same info:
        // composed relocation faults exactly where the guest's would.
        return this.reflect(vm, cause, info, pc);
      default:
        return this.checkStop(vm, cause, info, pc, `unknown trap cause ${cause} from the machine below`);
    }
  }

  /** Run the interpreter routine for a privileged instruction trapped in virtual supervisor mode. */
  private emulate(vm: VirtualMachine, word: number): StopReason | 'budget' | null {
    const routine = ROUTINE_BY_OPCODE[word >>> FIELDS.op[1]];
    if (!routine) return this.reflect(vm, CAUSES.PRIV, word, vm.pc); // not ours to emulate: the guest sees the trap
    const r = routine.run(vm, word, this.host.regs);
    if (r > 0) return this.reflect(vm, r, vm.trapInfo, vm.pc); // the instruction itself faulted (lpsw/spsw MEMORY)
    vm.stats.emulatedByOpcode[word >>> FIELDS.op[1]]!++;
    if (r === ENTERED_GUEST) {
      vm.steps++; // vmrun: a step now; it completes (and counts) at its guest's exit
      return 'budget';
    }
    vm.instret++;
    vm.steps++;
    if (r !== DONE_NO_TICK && vm.timer > 0 && --vm.timer === 0) vm.pending = true;
    if (vm.halted) return 'halt';
    return 'budget';
  }

  /**
   * The hybrid monitor: one instruction of virtual supervisor mode, executed
   * by a software CPU over the VM's own storage and console, never directly.
   */
  private interpretOne(vm: VirtualMachine): StopReason {
    let cpu = this.interpreters.get(vm);
    if (!cpu) {
      // The hybrid monitor interprets: one instruction at a time, never translated.
      cpu = new Cpu({ isa: this.options.isa, mem: vm.mem, devices: vm.console, translate: false });
      cpu.trapHook = true;
      this.interpreters.set(vm, cpu);
    }
    cpu.devices = vm.console;
    const R = this.host.regs; // the guest's registers, resident below
    cpu.regs.set(R);
    copyProcessorState(cpu, vm);
    cpu.halted = false;
    const before = cpu.instret;
    const r = cpu.run(1);
    const done = cpu.instret - before;
    R.set(cpu.regs);
    copyProcessorState(vm, cpu);
    if (cpu.guest !== null) {
      // It executed vmrun: the VM is now in guest mode, which the dispatcher runs.
      vm.guest = cpu.guest;
      cpu.guest = null;
      vm.steps++;
      return 'budget';
    }
    vm.instret += done;
    vm.steps += done;
    vm.stats.interpreted += done;
    if (r === 'trap') {
      vm.stats.traps[cpu.trapCause]!++;
      const s = this.reflect(vm, cpu.trapCause, cpu.trapInfo, cpu.trapPc);
      return s ?? 'budget';
    }
    if (r === 'halt') vm.halted = true;
    return r;
  }

  /**
   * Reflect a trap into the guest: the trap sequence, done to the VM exactly
   * as the hardware does it, through the guest's own low storage. If the VM
   * is itself the machine of a monitor above (hooked), that monitor gets the
   * trap instead. Returns null if the guest goes on.
   */
  private reflect(vm: VirtualMachine, cause: number, info: number, oldPc: number): StopReason | null {
    vm.stats.reflected[cause]!++;
    if (vm.trapHook) return hookTrap(vm, cause, info, oldPc);
    vm.steps++;
    if (!trapSequence(vm, cause, info, oldPc)) return this.checkStop(vm, cause, info, oldPc, 'no trap handler installed (new PSW bound is 0)');
    vm.afterTrap = true;
    return null;
  }

  private checkStop(vm: VirtualMachine, cause: number, info: number, pc: number, why: string): StopReason {
    vm.checkStop = { cause, info: info | 0, pc: pc >>> 0, why };
    return 'checkstop';
  }
}

export function describeCheckStop(vm: VirtualMachine): string {
  const c = vm.checkStop;
  return c ? `${causeName(c.cause)} trap at pc ${c.pc}: ${c.why}` : '';
}

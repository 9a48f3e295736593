/**
 * The hardware-assisted monitor (`--monitor hw`), as on Intel VT-x or AMD
 * SVM: the machine below has the `vt` extension, and every VM runs in its
 * guest mode (ISA.md "Extension vt").
 *
 * In guest mode every instruction acts on the guest's own state, so `gpsw`,
 * `getr` and `jrstu` behave as on the bare machine and pg32-x86 becomes
 * virtualizable. The monitor no longer sees privileged instructions trap;
 * it sees only the exits it asked for in the control block's intercepts:
 *
 *   IO, HALT  the console and the processor are the monitor's: `in`, `out`
 *             and `halt` exit (INSTR) and are emulated by the same
 *             interpreter routines as under trap-and-emulate (routines.ts);
 *   SVC       so that hypercalls reach the monitor; any other `svc` is
 *             handed back to the guest by event injection;
 *   the host TIMER ends a time slice (HTIMER).
 *
 * runVm() is the run loop, in lguest's manner: enter the guest with vmrun,
 * then one case per exit code. Between entries the VM's state lives in its
 * VirtualMachine (so the scheduler, `equiv` and `--stats` see it as for any
 * monitor) and is copied into its control block for each entry: that copy
 * is the VMCB traffic that made early VT-x exits expensive.
 */
import type { StopReason } from '../cpu/cpu.js';
import { leaveGuest, loadBlockState, storeBlockState } from '../cpu/guest.js';
import { runNested } from './nested.js';
import { causeName, CAUSES, EXITS, FIELDS, INTERCEPTS, LOW, OPCODE, VMCB, type Isa } from '../isa/table.js';
import { loadPsw } from '../cpu/psw.js';
import { Console } from '../cpu/devices.js';
import { Allocator } from './allocator.js';
import type { Machine } from './machine.js';
import { DONE_NO_TICK, ENTERED_GUEST, ROUTINES } from './routines.js';
import { VirtualMachine, type Runner } from './vm.js';
import type { MonitorListener, Observable } from './events.js';
import { completeHypercall, HC_YIELD, isHypercall } from './hypercalls.js';

/** What the hw monitor owns, and so intercepts. */
const OWNED = INTERCEPTS.IO | INTERCEPTS.HALT | INTERCEPTS.SVC;

export interface HwOptions {
  /** the guests' instruction set (the machine below has it plus `vt`) */
  readonly isa: Isa;
  /** measure time spent in the monitor (two clock reads per exit) */
  readonly timing?: boolean;
}

export class HwMonitor implements Runner, Observable {
  readonly allocator: Allocator;
  /** told of every exit and what the monitor did with it (events.ts); undefined costs nothing */
  listener: MonitorListener | undefined = undefined;
  readonly vms: VirtualMachine[] = [];
  /** each VM's control block, in the machine's storage outside every partition */
  private readonly blocks = new Map<VirtualMachine, number>();

  constructor(
    readonly host: Machine,
    readonly options: HwOptions,
  ) {
    this.allocator = new Allocator(host);
    // A guest's exit comes back to this monitor, not to host code after a vmrun.
    host.exitHook = true;
  }

  /** Words of the machine's storage a VM costs beyond its partition: its control block, and the merged one for its own guest (nested.ts). */
  static readonly OVERHEAD = 2 * VMCB.SIZE;

  createVm(name: string, size: number, console = new Console()): VirtualMachine {
    const cb = this.allocator.allocate(HwMonitor.OVERHEAD).offset;
    const vm = new VirtualMachine(name, this.allocator.allocate(size), this, console, this.options.isa);
    this.blocks.set(vm, cb);
    this.vms.push(vm);
    return vm;
  }

  /**
   * Run `vm` for up to `maxSteps` guest steps: enter it, and handle each
   * exit, until it halts, check-stops or uses the steps.
   */
  runVm(vm: VirtualMachine, maxSteps: number): StopReason {
    const host = this.host;
    const stats = vm.stats;
    const cb = this.blocks.get(vm)!;
    let left = maxSteps;
    while (left > 0) {
      if (vm.halted) return 'halt';
      if (vm.checkStop) return 'checkstop';

      // The VM is a hypervisor in guest mode (it ran vmrun): its guest runs
      // in the real guest mode from a merged control block (nested.ts).
      if (vm.guest !== null) {
        const n = runNested(host, vm, cb + VMCB.SIZE, left);
        left -= n.steps;
        vm.steps += n.steps;
        if (n.reason === 'exit' && !vm.exitHook) continue;
        return n.reason;
      }

      // VMRUN: the VM's state into its control block, and into guest mode.
      this.toBlock(vm, cb);
      stats.entries++;
      if (host.enterGuest(cb, vm.isa) !== 0) throw new Error(`hw monitor: the machine refused ${vm.name}'s control block (BADVMCB)`);
      const guest = host.guest!.cpu;
      guest.afterTrap = vm.afterTrap;
      // The slice: the host TIMER counts the guest's instructions and ends it with HTIMER.
      host.timer = left;
      host.pending = false;
      const i0 = guest.instret;
      const d0 = guest.delivered;
      const reason = host.run(left);
      const done = guest.instret - i0;
      const used = done + guest.delivered - d0;
      left -= used;
      vm.instret += done;
      vm.steps += used;
      stats.direct += done;
      vm.afterTrap = guest.afterTrap;
      host.timer = 0;
      host.pending = false;
      if (reason === 'budget') {
        // The steps ran out inside the guest (trap deliveries use steps but
        // do not tick the timer): take the VM out of guest mode unseen, as a
        // real CPU leaves it for a physical interrupt.
        host.guest!.cpu.exit(0, 0);
        this.leaveUnseen(vm, cb);
        return 'budget';
      }
      if (reason !== 'exit') throw new Error(`hw monitor: the machine stopped with '${reason}' while running ${vm.name}`);
      this.fromBlock(vm, cb);

      const code = host.mem[cb + VMCB.EXIT_CODE]!;
      const info = host.mem[cb + VMCB.EXIT_INFO]!;
      stats.exits[code]!++;
      this.listener?.({ kind: 'exit', vm, code, info, pc: vm.pc });
      const t0 = this.options.timing ? performance.now() : 0;
      const r = this.exit(vm, code, info, guest.exitAfterTrap);
      if (this.options.timing) stats.monitorMs += performance.now() - t0;
      if (r === 'budget') {
        left--; // an emulated instruction or a hypercall: one guest step
        continue;
      }
      if (r === 'yield') return 'budget'; // a hypercall gave up the rest of the slice
      if (r === null) continue;
      return r;
    }
    return 'budget';
  }

  /**
   * One case per exit code. Returns 'budget' when the monitor completed a
   * guest instruction (a step), null to re-enter, or a stop reason.
   */
  private exit(vm: VirtualMachine, code: number, info: number, afterTrap: boolean): StopReason | 'budget' | 'yield' | null {
    switch (code) {
      case EXITS.INSTR:
        // An instruction the monitor owns (IO, HALT): emulate it, as trap-and-emulate would.
        return this.emulate(vm, info);

      case CAUSES.SVC:
        // A hypercall (svc 0xFF00 + call from virtual supervisor mode) is the
        // monitor's: done here, as every monitor does it (hypercalls.ts). Any
        // other svc goes back to the guest, injected (the exit saved pc = the
        // next instruction, the SVC trap's old pc).
        if (vm.supervisor && isHypercall(info)) {
          const bits = completeHypercall(vm, info, vm.regs, vm.stats.hypercalls);
          this.listener?.({ kind: 'hypercall', vm, call: info & 0xff, result: vm.regs[1]!, pc: vm.pc - 1 });
          if (vm.halted) return 'halt';
          return (bits & HC_YIELD) !== 0 ? 'yield' : 'budget';
        }
        vm.injectCause = CAUSES.SVC;
        vm.injectInfo = info;
        this.listener?.({ kind: 'reflect', vm, cause: CAUSES.SVC, info, pc: vm.pc });
        return null;

      case EXITS.HTIMER:
        // The slice is over; the scheduler picks the next VM.
        return null;

      case EXITS.NPF:
        // The guest reached past its storage. The partition is all of it, so
        // on the bare machine this is a MEMORY trap (or, for a trap handler's
        // first fetch, a check-stop): reflect exactly that.
        if (afterTrap) return this.checkStop(vm, CAUSES.MEMORY, vm.pc, vm.pc, "the trap handler's first instruction is past the VM's storage (NPF)");
        vm.injectCause = CAUSES.MEMORY;
        vm.injectInfo = (info - vm.base) | 0;
        return null;

      case EXITS.VMRUN: {
        // The guest's kernel runs a guest of its own: it enters guest mode
        // (C12 checked and loaded as vmrun does); runVm then runs that guest
        // nested, from a merged control block.
        const r = ROUTINES.vmrun(vm, info, vm.regs);
        if (r > 0) {
          vm.injectCause = r;
          vm.injectInfo = vm.trapInfo;
          return null;
        }
        vm.stats.emulatedByOpcode[OPCODE.vmrun]!++;
        if (r !== ENTERED_GUEST) return 'budget'; // BADVMCB: vmrun completed at once
        vm.steps++;
        return null;
      }

      case EXITS.CHECKSTOP: {
        // The guest took a trap it has no handler for: the VM stops, alone,
        // reporting what the bare machine would.
        const cause = afterTrap ? CAUSES.MEMORY : info;
        const trapInfo = afterTrap ? vm.pc : vm.mem[LOW.INFO]!;
        const oldPc = vm.pc;
        // The block holds the PSW at the trap; the bare machine stops with the
        // (unusable) new PSW loaded, and so does the VM.
        if (!afterTrap) loadPsw(vm, LOW.NEW_PSW);
        return this.checkStop(vm, cause, trapInfo, oldPc, afterTrap ? "the trap handler's first instruction is outside its relocation bounds" : 'no trap handler installed (new PSW bound is 0)');
      }

      default:
        throw new Error(`hw monitor: unexpected exit ${code} (${code <= 6 ? causeName(code) : 'exit code'}) from ${vm.name}: the monitor intercepts only IO, HALT and SVC`);
    }
  }

  /** An intercepted instruction, done by its interpreter routine on the VM. */
  private emulate(vm: VirtualMachine, word: number): StopReason | 'budget' | null {
    const op = word >>> FIELDS.op[1];
    const name = op === OPCODE.in ? 'in' : op === OPCODE.out ? 'out' : op === OPCODE.halt ? 'halt' : undefined;
    if (!name) throw new Error(`hw monitor: INSTR exit for an instruction it does not intercept (word ${word >>> 0})`);
    const pc = vm.pc;
    const r = ROUTINES[name](vm, word, vm.regs);
    this.listener?.({ kind: 'emulate', vm, routine: name, word, pc });
    vm.stats.emulatedByOpcode[op]!++;
    vm.instret++;
    vm.steps++;
    if (r !== DONE_NO_TICK && vm.timer > 0 && --vm.timer === 0) vm.pending = true;
    return vm.halted ? 'halt' : 'budget';
  }

  private checkStop(vm: VirtualMachine, cause: number, info: number, pc: number, why: string): StopReason {
    vm.checkStop = { cause, info: info | 0, pc: pc >>> 0, why };
    this.listener?.({ kind: 'checkstop', vm, cause, info: info | 0, pc: pc >>> 0, why });
    return 'checkstop';
  }

  /** The VM's state into its control block, for vmrun. */
  private toBlock(vm: VirtualMachine, cb: number): void {
    const E = this.host.mem;
    storeBlockState(E, cb, vm);
    E[cb + VMCB.PART_BASE] = vm.partition.offset;
    E[cb + VMCB.PART_SIZE] = vm.partition.size;
    E[cb + VMCB.INTERCEPTS] = OWNED;
    E[cb + VMCB.INJECT] = vm.injectCause;
    E[cb + VMCB.INJECT_INFO] = vm.injectInfo;
    vm.injectCause = 0;
  }

  /** The control block back into the VM, after an exit. */
  private fromBlock(vm: VirtualMachine, cb: number): void {
    loadBlockState(this.host.mem, cb, vm);
  }

  /** Out of guest mode without an exit the guest could see: the state goes back to the VM. */
  private leaveUnseen(vm: VirtualMachine, cb: number): void {
    leaveGuest(this.host);
    this.fromBlock(vm, cb);
  }
}

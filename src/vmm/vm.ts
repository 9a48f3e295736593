/**
 * A virtual machine: the state the guest believes is the hardware's — its
 * registers, its virtual PSW (mode, IE, pc, base, bound), its virtual timer,
 * its own console, and a partition of real storage that it sees as all of
 * its physical storage, low storage included.
 *
 * A VirtualMachine is itself a Machine: a monitor can run on it, which is
 * how monitors nest.
 */
import type { CheckStop, StopReason } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import { enterGuest, newExitCounts, type GuestMode } from '../cpu/guest.js';
import { BY_OPCODE, FLAGS, PG32, type Isa } from '../isa/table.js';
import type { Machine } from './machine.js';
import type { Partition } from './allocator.js';
import { HYPERCALL_SLOTS, HYPERCALLS } from './hypercalls.js';
import { BtStats } from './bt/stats.js';

/** What a monitor counts about one VM (Popek & Goldberg's efficiency: direct vs emulated). */
export class VmStats {
  /** instructions the guest ran directly on the machine below */
  direct = 0;
  /** privileged instructions emulated by an interpreter routine, by opcode (a typed array: counted on every trap) */
  readonly emulatedByOpcode = new Float64Array(256);
  /** instructions interpreted one by one (the hybrid monitor, in virtual supervisor mode) */
  interpreted = 0;
  /** traps from the machine below that entered the monitor, by cause (monitor entries; what the hybrid
   * monitor's interpreter or bt's translated code raise is handled by a monitor that is already running) */
  readonly traps = new Float64Array(8);
  /** traps reflected into the guest (its own trap sequence), by cause */
  readonly reflected = new Float64Array(8);
  /** time spent in the monitor's dispatcher, ms (only when timing is on) */
  monitorMs = 0;
  /** `hw`: VM entries (vmrun) and exits by exit code (1–6: intercepted trap causes; 16–21: ISA.md's exit codes) */
  entries = 0;
  readonly exits = newExitCounts();
  /** instructions the VM's own guest ran while the VM was in (emulated) guest mode: its `vmrun`, done in software */
  guestMode = 0;
  /** hypercalls performed, by call (the last slot: unknown calls) */
  readonly hypercalls = new Float64Array(HYPERCALL_SLOTS);
  /** the binary translator's counts (monitor bt) */
  readonly bt = new BtStats();

  /** emulations by mnemonic, for reports */
  get emulated(): Map<string, number> {
    const m = new Map<string, number>();
    this.emulatedByOpcode.forEach((n, op) => {
      if (n) m.set(BY_OPCODE[op]?.mnemonic ?? `opcode ${op}`, n);
    });
    return m;
  }

  /** hypercalls by name, for reports */
  get hypercallsByName(): Map<string, number> {
    const m = new Map<string, number>();
    this.hypercalls.forEach((n, call) => {
      if (n) m.set(HYPERCALLS[call]?.name ?? 'unknown', n);
    });
    return m;
  }

  get hypercallCount(): number {
    let n = 0;
    for (const c of this.hypercalls) n += c;
    return n;
  }

  /** monitor entries: traps from the machine below, or (hw) exits from guest mode */
  get monitorEntries(): number {
    let n = 0;
    for (const c of this.traps) n += c;
    for (const c of this.exits) n += c;
    return n;
  }

  get emulations(): number {
    let n = 0;
    for (let op = 0; op < 256; op++) n += this.emulatedByOpcode[op]!;
    return n;
  }
}

/** The monitor that runs a VM: how VirtualMachine.run reaches it. */
export interface Runner {
  runVm(vm: VirtualMachine, maxSteps: number): StopReason;
}

export class VirtualMachine implements Machine {
  readonly regs = new Int32Array(16);
  flags: number = FLAGS.S;
  pc = 0;
  base = 0;
  bound: number;
  timer = 0;
  pending = false;
  readonly mem: Int32Array;
  readonly memWords: number;

  trapHook = false;
  trapCause = 0;
  trapInfo = 0;
  trapPc = 0;
  halted = false;
  checkStop: CheckStop | null = null;
  /** guest instructions completed: direct, emulated and interpreted */
  instret = 0;
  /** guest steps used: instructions plus trap deliveries (the step limit counts these) */
  steps = 0;
  /** set by a reflected trap: if the handler's first fetch faults, the VM check-stops */
  afterTrap = false;
  /** the VM's own guest, while the VM is in guest mode (it executed `vmrun`; the monitor emulates it) */
  guest: GuestMode | null = null;
  /** when set, an exit of the VM's guest stops run() with 'exit' (a monitor written in TypeScript runs on this VM) */
  exitHook = false;
  /** `hw`: a trap the monitor delivers into the VM before its next instruction (0: none) */
  injectCause = 0;
  injectInfo = 0;

  readonly stats = new VmStats();

  constructor(
    readonly name: string,
    readonly partition: Partition,
    private readonly runner: Runner,
    public console: Console = new Console(),
    /** the instruction set the VM offers its guest */
    readonly isa: Isa = PG32,
  ) {
    this.mem = partition.mem;
    this.memWords = partition.size;
    this.bound = partition.size;
  }

  run(maxSteps: number): StopReason {
    return this.runner.runVm(this, maxSteps);
  }

  get supervisor(): boolean {
    return (this.flags & FLAGS.S) !== 0;
  }

  get freshStorage(): boolean {
    return this.partition.fresh;
  }

  /** A monitor on this VM runs a guest of its own (what `vmrun` does after its checks); its monitor below emulates guest mode. */
  enterGuest(cb: number, isa: Isa = this.isa): number {
    return enterGuest(this, isa, this.console, cb, false);
  }
}

/**
 * A machine's whole state as plain values: what a snapshot file holds
 * (format.ts) and what the debugger's history keeps (src/debug/history.ts).
 *
 * Everything is read and written through the machines' public fields and
 * the CPU's small explicit API for what is not public (Cpu.hiddenState /
 * restoreHidden): a snapshot never reaches into a private field.
 */
import { Cpu, type CheckStop, type CpuHidden } from '../cpu/cpu.js';
import type { Devices } from '../cpu/devices.js';
import { GuestMode } from '../cpu/guest.js';
import { copyProcessorState, type ProcessorState as HandedState } from '../cpu/psw.js';
import { resolveIsa } from '../isa/table.js';
import type { VirtualMachine, VmStats } from '../vmm/vm.js';

/** The programmer-visible processor state (ISA.md "State"), and the run state around it. */
export interface ProcessorState {
  readonly regs: Int32Array;
  readonly flags: number;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly halted: boolean;
  readonly checkStop: CheckStop | null;
  /** instructions completed */
  readonly instret: number;
}

/** The real CPU: the processor, its trap counts, its hidden state, and its guest mode. */
export interface CpuState extends ProcessorState {
  /** trap deliveries by cause */
  readonly traps: Float64Array;
  readonly hidden: CpuHidden;
  readonly guest: GuestState | null;
}

/**
 * Guest mode (ISA.md "Extension vt"): a machine that executed `vmrun` runs
 * its guest on a guest processor over the partition; the machine's own
 * registers and PSW are the hidden host save area, kept as they are.
 */
export interface GuestState {
  /** physical address of the control block, in the host's storage */
  readonly cb: number;
  /** the partition: where the guest processor's storage starts in the host's, and its size */
  readonly partBase: number;
  readonly size: number;
  /** the guest processor's instruction set */
  readonly isa: string;
  readonly injectCause: number;
  readonly injectInfo: number;
  /** entered by a `vmrun` instruction (it completes at the exit) */
  readonly byInstruction: boolean;
  readonly cpu: CpuState;
}

export interface StatsState {
  readonly direct: number;
  readonly interpreted: number;
  readonly monitorMs: number;
  readonly emulatedByOpcode: Float64Array;
  readonly traps: Float64Array;
  readonly reflected: Float64Array;
  /** hw: VM entries, exits by code; instructions of the VM's own guest */
  readonly entries: number;
  readonly exits: Float64Array;
  readonly guestMode: number;
  /** hypercalls performed, by call */
  readonly hypercalls: Float64Array;
}

/** A virtual machine: its virtual processor, the monitor's bookkeeping about it, its counts. */
export interface VmState extends ProcessorState {
  readonly name: string;
  /** guest steps used (the step limit counts these) */
  readonly steps: number;
  /** a reflected trap was just delivered: a fault fetching its handler is a check-stop */
  readonly afterTrap: boolean;
  readonly trapCause: number;
  readonly trapInfo: number;
  readonly trapPc: number;
  /** hw: a trap to deliver into the VM before its next instruction */
  readonly injectCause: number;
  readonly injectInfo: number;
  /** the VM's own guest mode (it executed `vmrun`; the monitor emulates it) */
  readonly guest: GuestState | null;
  readonly stats: StatsState;
}

/** A machine's processor as a snapshot takes it: the PSW part a monitor hands over (psw.ts), and the rest. */
interface Processor extends HandedState {
  readonly regs: Int32Array;
  halted: boolean;
  checkStop: CheckStop | null;
  instret: number;
}

function captureProcessor(m: Processor): ProcessorState {
  return {
    regs: m.regs.slice(),
    flags: m.flags,
    pc: m.pc,
    base: m.base,
    bound: m.bound,
    timer: m.timer,
    pending: m.pending,
    halted: m.halted,
    checkStop: m.checkStop,
    instret: m.instret,
  };
}

function restoreProcessor(m: Processor, s: ProcessorState): void {
  m.regs.set(s.regs);
  copyProcessorState(m, s);
  m.halted = s.halted;
  m.checkStop = s.checkStop;
  m.instret = s.instret;
}

/** The CPU's state, storage apart. */
export function captureCpu(cpu: Cpu): CpuState {
  return { ...captureProcessor(cpu), traps: cpu.traps.slice(), hidden: cpu.hiddenState(), guest: captureGuest(cpu.guest, cpu.mem) };
}

/** Put the CPU back in `s`; the caller writes its storage. */
export function restoreCpu(cpu: Cpu, s: CpuState): void {
  restoreProcessor(cpu, s);
  cpu.traps.set(s.traps);
  cpu.restoreHidden(s.hidden);
  cpu.guest = restoreGuest(s.guest, cpu.mem, cpu.devices);
}

function captureGuest(g: GuestMode | null, hostMem: Int32Array): GuestState | null {
  if (!g) return null;
  const partBase = (g.cpu.mem.byteOffset - hostMem.byteOffset) / Int32Array.BYTES_PER_ELEMENT;
  return { cb: g.cb, partBase, size: g.cpu.memWords, isa: g.cpu.isa.name, injectCause: g.injectCause, injectInfo: g.injectInfo, byInstruction: g.byInstruction, cpu: captureCpu(g.cpu) };
}

/** A guest processor as guest.ts makes one, over the partition, in the state saved. */
function restoreGuest(s: GuestState | null, hostMem: Int32Array, devices: Devices): GuestMode | null {
  if (!s) return null;
  const isa = resolveIsa(s.isa);
  if ('error' in isa) throw new RangeError(`its guest processor runs an ISA this trapeze does not know (${s.isa})`);
  if (s.partBase + s.size > hostMem.length) throw new RangeError('its guest partition lies outside storage');
  const cpu = new Cpu({ isa, mem: hostMem.subarray(s.partBase, s.partBase + s.size), devices });
  cpu.guestMode = true;
  restoreCpu(cpu, s.cpu);
  return new GuestMode(s.cb, cpu, s.injectCause, s.injectInfo, s.byInstruction);
}

function captureStats(s: VmStats): StatsState {
  return {
    direct: s.direct,
    interpreted: s.interpreted,
    monitorMs: s.monitorMs,
    emulatedByOpcode: s.emulatedByOpcode.slice(),
    traps: s.traps.slice(),
    reflected: s.reflected.slice(),
    entries: s.entries,
    exits: s.exits.slice(),
    guestMode: s.guestMode,
    hypercalls: s.hypercalls.slice(),
  };
}

function restoreStats(s: VmStats, from: StatsState): void {
  s.direct = from.direct;
  s.interpreted = from.interpreted;
  s.monitorMs = from.monitorMs;
  s.emulatedByOpcode.set(from.emulatedByOpcode);
  s.traps.set(from.traps);
  s.reflected.set(from.reflected);
  s.entries = from.entries;
  s.exits.set(from.exits);
  s.guestMode = from.guestMode;
  s.hypercalls.set(from.hypercalls);
}

/** A VM's state (its storage is part of the real machine's). */
export function captureVm(vm: VirtualMachine): VmState {
  return {
    ...captureProcessor(vm),
    name: vm.name,
    steps: vm.steps,
    afterTrap: vm.afterTrap,
    trapCause: vm.trapCause,
    trapInfo: vm.trapInfo,
    trapPc: vm.trapPc,
    injectCause: vm.injectCause,
    injectInfo: vm.injectInfo,
    guest: captureGuest(vm.guest, vm.mem),
    stats: captureStats(vm.stats),
  };
}

export function restoreVm(vm: VirtualMachine, s: VmState): void {
  restoreProcessor(vm, s);
  vm.steps = s.steps;
  vm.afterTrap = s.afterTrap;
  vm.trapCause = s.trapCause;
  vm.trapInfo = s.trapInfo;
  vm.trapPc = s.trapPc;
  vm.injectCause = s.injectCause;
  vm.injectInfo = s.injectInfo;
  vm.guest = restoreGuest(s.guest, vm.mem, vm.console);
  restoreStats(vm.stats, s.stats);
}

/** Words per page of the debugger's storage copies. */
export const PAGE_WORDS = 4096;

/**
 * Storage as pages, sharing every page that equals the same page of
 * `previous` (so a checkpoint costs the pages that changed since the last
 * one, not all of storage).
 */
export function capturePages(mem: Int32Array, previous?: readonly Int32Array[]): Int32Array[] {
  const pages: Int32Array[] = [];
  for (let at = 0, p = 0; at < mem.length; at += PAGE_WORDS, p++) {
    const end = Math.min(at + PAGE_WORDS, mem.length);
    const old = previous?.[p];
    if (old !== undefined && old.length === end - at && samePage(mem, at, old)) pages.push(old);
    else if (end - at === PAGE_WORDS && samePage(mem, at, ZERO_PAGE)) pages.push(ZERO_PAGE);
    else pages.push(mem.slice(at, end));
  }
  return pages;
}

/** One page of zeros shared by every checkpoint (allocating storage is the expensive part of a copy). */
const ZERO_PAGE = new Int32Array(PAGE_WORDS);

function samePage(mem: Int32Array, at: number, page: Int32Array): boolean {
  const n = page.length;
  for (let i = 0; i < n; i++) if (mem[at + i] !== page[i]) return false;
  return true;
}

export function restorePages(mem: Int32Array, pages: readonly Int32Array[]): void {
  for (let p = 0; p < pages.length; p++) mem.set(pages[p]!, p * PAGE_WORDS);
}

/**
 * The equivalence checker: Popek & Goldberg's equivalence property, tested.
 * A program runs on the bare machine and under the monitor(s), and every
 * part of the machine a guest can leave behind must be the same: the console
 * bytes written (bytes, not decoded text: 81 ff and 80 fe decode alike),
 * the console input consumed, registers, PSW, TIMER, the pending timer
 * interrupt, storage, the stop reason (and check-stop) and the instruction
 * count. Each difference is named. When there is one, a lockstep replay
 * finds the first step after which the two differ, comparing the same parts.
 */
import { disassembleWord } from '../asm/disassemble.js';
import { Cpu, type StopReason } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import type { Image } from '../image.js';
import { causeName, type Isa } from '../isa/table.js';
import { roundRobin } from './scheduler.js';
import { buildStack, loadGuest } from './stack.js';
import type { MonitorKind } from './monitor.js';
import type { Machine } from './machine.js';
import type { VirtualMachine, VmStats } from './vm.js';

export interface EquivOptions {
  readonly isa: Isa;
  readonly monitor: MonitorKind;
  readonly depth: number;
  readonly vms: number;
  readonly quantum: number;
  readonly memWords: number;
  readonly maxSteps: number;
  /** console input, the same for every run; a function is called only if a guest reads */
  readonly input?: Uint8Array | (() => Uint8Array);
}

/** What a run left behind, bare or virtual. */
export interface RunSummary {
  readonly reason: StopReason;
  /** the console bytes as UTF-8 text, for reading (compared as bytes) */
  readonly output: string;
  /** how many bytes the console got, and their FNV-1a hash */
  readonly outputBytes: number;
  readonly outputHash: string;
  /** console input bytes consumed */
  readonly inputConsumed: number;
  readonly registers: number[];
  readonly psw: { flags: number; pc: number; base: number; bound: number };
  readonly timer: number;
  /** a timer interrupt is pending */
  readonly pending: boolean;
  readonly instructions: number;
  readonly checkStop?: { cause: string; info: number; pc: number; why: string };
  /** FNV-1a of all of storage, to compare at a glance */
  readonly storageHash: string;
}

export interface Divergence {
  /** guest steps before the first difference */
  readonly step: number;
  readonly pc: number;
  readonly instruction: string;
  readonly differences: string[];
}

export interface EquivResult {
  readonly equivalent: boolean;
  readonly differences: string[];
  readonly bare: RunSummary;
  /** the first VM */
  readonly virtual: RunSummary;
  /** every VM */
  readonly vms: RunSummary[];
  readonly stats: VmStats[];
  readonly divergence?: Divergence;
}

const NO_INPUT = new Uint8Array(0);

function fnvBytes(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function fnv(mem: Int32Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < mem.length; i++) {
    const w = mem[i]!;
    h = Math.imul(h ^ (w & 0xff), 16777619);
    h = Math.imul(h ^ ((w >>> 8) & 0xff), 16777619);
    h = Math.imul(h ^ ((w >>> 16) & 0xff), 16777619);
    h = Math.imul(h ^ (w >>> 24), 16777619);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

const UTF8 = new TextDecoder();

function summarize(m: Machine, reason: StopReason, console: Console): RunSummary {
  const c = m.checkStop;
  const bytes = console.output();
  return {
    reason,
    output: UTF8.decode(bytes),
    outputBytes: bytes.length,
    outputHash: fnvBytes(bytes),
    inputConsumed: console.inputPosition(),
    registers: [...m.regs],
    psw: { flags: m.flags, pc: m.pc, base: m.base, bound: m.bound },
    timer: m.timer,
    pending: m.pending,
    instructions: m.instret,
    ...(c ? { checkStop: { cause: causeName(c.cause), info: c.info, pc: c.pc, why: c.why } } : {}),
    storageHash: fnv(m.mem),
  };
}

/** Run on the bare machine. */
export function runBare(image: Image, opts: Pick<EquivOptions, 'isa' | 'memWords' | 'maxSteps' | 'input'>): { cpu: Cpu; reason: StopReason; console: Console } {
  const console = new Console(opts.input ?? NO_INPUT);
  const cpu = new Cpu({ isa: opts.isa, memWords: opts.memWords, devices: console });
  cpu.load(image);
  let reason: StopReason = 'budget';
  let left = opts.maxSteps;
  while (left > 0) {
    // Steps are instructions and trap deliveries (a guest's too, under vmrun).
    const before = cpu.instret + cpu.delivered;
    reason = cpu.run(left);
    left -= cpu.instret + cpu.delivered - before;
    if (reason !== 'budget') break;
  }
  return { cpu, reason, console };
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** Two consoles' output, compared as bytes: where they first differ, in hex. */
function outputDiff(b: Uint8Array, v: Uint8Array): string | undefined {
  const n = Math.min(b.length, v.length);
  let i = 0;
  while (i < n && b[i] === v[i]) i++;
  if (i === n && b.length === v.length) return undefined;
  const show = (x: Uint8Array) => `${x.length} byte${x.length === 1 ? '' : 's'}${i < x.length ? `, from byte ${i}: ${hex(x.subarray(i, i + 16))}${x.length > i + 16 ? ' …' : ''}` : ''}`;
  return `console output bytes differ at byte ${i}: bare ${show(b)}; virtual ${show(v)}`;
}

const yesNo = (x: boolean) => (x ? 'yes' : 'no');
const checkStopText = (c: Machine['checkStop']) => (c ? `${causeName(c.cause)} at pc ${c.pc}, info ${c.info}: ${c.why}` : 'none');

/**
 * Every difference between the bare machine and a virtual one, named: the
 * same list for the final states and for each step of the lockstep replay
 * (which compares storage only where it asks to: see findDivergence).
 */
export function machineDiff(bare: Machine, bc: Console, virt: Machine, vc: Console, opts: { storage: boolean; who?: string }): string[] {
  const d: string[] = [];
  const p = opts.who ? `${opts.who}: ` : '';
  const out = outputDiff(bc.output(), vc.output());
  if (out) d.push(p + out);
  if (bc.inputPosition() !== vc.inputPosition()) d.push(`${p}console input consumed: bare ${bc.inputPosition()} bytes, virtual ${vc.inputPosition()} bytes`);
  for (let r = 1; r < 16; r++) if (bare.regs[r] !== virt.regs[r]) d.push(`${p}r${r}: bare ${bare.regs[r]}, virtual ${virt.regs[r]}`);
  for (const k of ['flags', 'pc', 'base', 'bound'] as const) if (bare[k] !== virt[k]) d.push(`${p}PSW ${k}: bare ${bare[k]}, virtual ${virt[k]}`);
  if (bare.timer !== virt.timer) d.push(`${p}TIMER: bare ${bare.timer}, virtual ${virt.timer}`);
  if (bare.pending !== virt.pending) d.push(`${p}pending timer interrupt: bare ${yesNo(bare.pending)}, virtual ${yesNo(virt.pending)}`);
  if (bare.instret !== virt.instret) d.push(`${p}instructions completed: bare ${bare.instret}, virtual ${virt.instret}`);
  if (bare.halted !== virt.halted) d.push(`${p}halted: bare ${yesNo(bare.halted)}, virtual ${yesNo(virt.halted)}`);
  if (checkStopText(bare.checkStop) !== checkStopText(virt.checkStop)) d.push(`${p}check-stop: bare ${checkStopText(bare.checkStop)}; virtual ${checkStopText(virt.checkStop)}`);
  if (opts.storage) {
    const s = storageDiff(bare.mem, virt.mem);
    if (s) d.push(p + s);
  }
  return d;
}

function storageDiff(b: Int32Array, v: Int32Array): string | undefined {
  let diffs = 0;
  let first = -1;
  const n = Math.max(b.length, v.length);
  for (let i = 0; i < n; i++) {
    if (b[i] !== v[i]) {
      if (first < 0) first = i;
      diffs++;
    }
  }
  if (b.length !== v.length) return `storage: bare ${b.length} words, virtual ${v.length} words`;
  return diffs ? `storage: ${diffs} word${diffs === 1 ? '' : 's'} differ, first at ${first}: bare ${b[first]}, virtual ${v[first]}` : undefined;
}

export function checkEquivalence(image: Image, opts: EquivOptions): EquivResult {
  const bare = runBare(image, opts);
  const bareSummary = summarize(bare.cpu, bare.reason, bare.console);

  const stack = buildStack({ isa: opts.isa, monitor: opts.monitor, depth: opts.depth, count: opts.vms, guestWords: opts.memWords });
  const consoles = stack.guests.map((vm) => {
    const c = new Console(opts.input ?? NO_INPUT);
    loadGuest(vm, image, c);
    return c;
  });
  const outcomes = roundRobin(stack.guests, { quantum: opts.quantum, maxSteps: opts.maxSteps });
  const vms = outcomes.map((o, i) => summarize(o.vm, o.reason, consoles[i]!));
  const differences = outcomes.flatMap((o, i) => {
    const who = opts.vms > 1 ? o.vm.name : '';
    const d = machineDiff(bare.cpu, bare.console, o.vm, consoles[i]!, { storage: true, who });
    if (bare.reason !== o.reason) d.unshift(`${who ? who + ': ' : ''}stop reason: bare ${bare.reason}, virtual ${o.reason}`);
    return d;
  });
  const equivalent = differences.length === 0;
  const divergence = equivalent ? undefined : findDivergence(image, opts);
  return {
    equivalent,
    differences,
    bare: bareSummary,
    virtual: vms[0]!,
    vms,
    stats: stack.guests.map((g) => g.stats),
    ...(divergence ? { divergence } : {}),
  };
}

/** Bare and virtual, built afresh from the image, to be stepped side by side. */
class Lockstep {
  readonly bc: Console;
  readonly vc: Console;
  readonly cpu: Cpu;
  readonly vm: VirtualMachine;
  constructor(image: Image, opts: EquivOptions) {
    this.bc = new Console(opts.input ?? NO_INPUT);
    this.cpu = new Cpu({ isa: opts.isa, memWords: opts.memWords, devices: this.bc });
    this.cpu.load(image);
    const stack = buildStack({ isa: opts.isa, monitor: opts.monitor, depth: opts.depth, count: 1, guestWords: opts.memWords });
    this.vm = stack.guests[0]!;
    this.vc = new Console(opts.input ?? NO_INPUT);
    loadGuest(this.vm, image, this.vc);
  }

  /** One guest step on both; the differences after it (storage only if asked). */
  step(storage: boolean): { rb: StopReason; rv: StopReason; differences: string[] } {
    const rb = this.cpu.run(1);
    const rv = this.vm.run(1);
    const differences = machineDiff(this.cpu, this.bc, this.vm, this.vc, { storage });
    if (rb !== rv) differences.unshift(`stop: bare ${rb}, virtual ${rv}`);
    return { rb, rv, differences };
  }
}

/** Storage is compared every this many steps of the lockstep replay (every step costs a pass over all of it). */
const STORAGE_EVERY = 1024;

/**
 * Replay bare and virtual side by side, one guest step at a time, and stop
 * at the first step after which any part of them differs. Everything but
 * storage is compared after every step; storage every STORAGE_EVERY steps
 * and at the end, and when it differs the replay runs again from the last
 * step where it agreed, comparing it after every step, so the step named is
 * the first one after which anything differs.
 */
export function findDivergence(image: Image, opts: EquivOptions, limit = 1_000_000): Divergence | undefined {
  const max = Math.min(limit, opts.maxSteps);
  const run = new Lockstep(image, opts);
  let agreed = 0; // storage was last seen equal after this many steps
  for (let step = 0; step < max; step++) {
    const pc = run.cpu.pc;
    const word = run.cpu.readVirtual(pc);
    const { rb, differences } = run.step(false);
    if (differences.length) return { step, pc, instruction: describe(word, pc), differences };
    const last = rb !== 'budget' || step === max - 1;
    if ((step + 1) % STORAGE_EVERY === 0 || last) {
      if (storageDiff(run.cpu.mem, run.vm.mem) === undefined) agreed = step + 1;
      else return storageDivergence(image, opts, agreed, step + 1);
    }
    if (rb !== 'budget') return undefined;
  }
  return undefined;
}

/** Storage differs after `upTo` steps but agreed after `agreed`: replay and compare it after every step in between. */
function storageDivergence(image: Image, opts: EquivOptions, agreed: number, upTo: number): Divergence | undefined {
  const run = new Lockstep(image, opts);
  for (let k = 0; k < agreed; k++) run.step(false);
  for (let step = agreed; step < upTo; step++) {
    const pc = run.cpu.pc;
    const word = run.cpu.readVirtual(pc);
    const { differences } = run.step(true);
    if (differences.length) return { step, pc, instruction: describe(word, pc), differences };
  }
  return undefined;
}

const describe = (word: number | undefined, pc: number) => (word === undefined ? '(fetch fault)' : disassembleWord(word, pc));

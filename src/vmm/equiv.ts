/**
 * The equivalence checker: Popek & Goldberg's equivalence property, tested.
 * A program runs on the bare machine and under the monitor(s); console
 * output, final registers and PSW, final storage, the stop reason and the
 * guest instruction count must all be the same. When they are not, a
 * lockstep replay finds the first instruction after which the two differ.
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
  readonly output: string;
  readonly registers: number[];
  readonly psw: { flags: number; pc: number; base: number; bound: number };
  readonly timer: number;
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

function summarize(m: Machine, reason: StopReason, console: Console): RunSummary {
  const c = m.checkStop;
  return {
    reason,
    output: console.text(),
    registers: [...m.regs],
    psw: { flags: m.flags, pc: m.pc, base: m.base, bound: m.bound },
    timer: m.timer,
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

/** Differences between two runs, as lines. */
export function compare(bare: RunSummary, bareMem: Int32Array, virt: RunSummary, virtMem: Int32Array, who: string): string[] {
  const d: string[] = [];
  const p = who ? `${who}: ` : '';
  if (bare.reason !== virt.reason) d.push(`${p}stop reason: bare ${bare.reason}, virtual ${virt.reason}`);
  if (bare.output !== virt.output) d.push(`${p}console output: bare ${JSON.stringify(bare.output.slice(0, 200))}, virtual ${JSON.stringify(virt.output.slice(0, 200))}`);
  for (let r = 1; r < 16; r++) if (bare.registers[r] !== virt.registers[r]) d.push(`${p}r${r}: bare ${bare.registers[r]}, virtual ${virt.registers[r]}`);
  for (const k of ['flags', 'pc', 'base', 'bound'] as const) if (bare.psw[k] !== virt.psw[k]) d.push(`${p}PSW ${k}: bare ${bare.psw[k]}, virtual ${virt.psw[k]}`);
  if (bare.timer !== virt.timer) d.push(`${p}TIMER: bare ${bare.timer}, virtual ${virt.timer}`);
  if (bare.instructions !== virt.instructions) d.push(`${p}instructions: bare ${bare.instructions}, virtual ${virt.instructions}`);
  if (JSON.stringify(bare.checkStop) !== JSON.stringify(virt.checkStop)) d.push(`${p}check-stop: bare ${JSON.stringify(bare.checkStop ?? null)}, virtual ${JSON.stringify(virt.checkStop ?? null)}`);
  let diffs = 0;
  let first = -1;
  for (let i = 0; i < bareMem.length; i++) {
    if (bareMem[i] !== virtMem[i]) {
      if (first < 0) first = i;
      diffs++;
    }
  }
  if (diffs) d.push(`${p}storage: ${diffs} word${diffs === 1 ? '' : 's'} differ, first at ${first}: bare ${bareMem[first]}, virtual ${virtMem[first]}`);
  return d;
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
  const differences = outcomes.flatMap((o, i) => compare(bareSummary, bare.cpu.mem, vms[i]!, o.vm.mem, opts.vms > 1 ? o.vm.name : ''));
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

/**
 * Replay bare and virtual side by side, one guest step at a time, and stop
 * at the first step after which their registers, PSW or output differ.
 */
export function findDivergence(image: Image, opts: EquivOptions, limit = 1_000_000): Divergence | undefined {
  const bareConsole = new Console(opts.input ?? NO_INPUT);
  const cpu = new Cpu({ isa: opts.isa, memWords: opts.memWords, devices: bareConsole });
  cpu.load(image);
  const stack = buildStack({ isa: opts.isa, monitor: opts.monitor, depth: opts.depth, count: 1, guestWords: opts.memWords });
  const vm = stack.guests[0]!;
  const vmConsole = new Console(opts.input ?? NO_INPUT);
  loadGuest(vm, image, vmConsole);
  for (let step = 0; step < Math.min(limit, opts.maxSteps); step++) {
    const pc = cpu.pc;
    const word = cpu.readVirtual(pc);
    const rb = cpu.run(1);
    const rv = vm.run(1);
    const d = stateDiff(cpu, vm, bareConsole, vmConsole);
    if (rb !== rv) d.unshift(`stop: bare ${rb}, virtual ${rv}`);
    if (d.length) return { step, pc, instruction: word === undefined ? '(fetch fault)' : disassembleWord(word, pc), differences: d };
    if (rb !== 'budget') return undefined;
  }
  return undefined;
}

function stateDiff(cpu: Cpu, vm: VirtualMachine, bc: Console, vc: Console): string[] {
  const d: string[] = [];
  for (let r = 1; r < 16; r++) if (cpu.regs[r] !== vm.regs[r]) d.push(`r${r}: bare ${cpu.regs[r]}, virtual ${vm.regs[r]}`);
  if (cpu.pc !== vm.pc) d.push(`pc: bare ${cpu.pc}, virtual ${vm.pc}`);
  if (cpu.flags !== vm.flags) d.push(`flags (S, IE): bare ${cpu.flags}, virtual ${vm.flags}`);
  if (cpu.base !== vm.base) d.push(`base: bare ${cpu.base}, virtual ${vm.base}`);
  if (cpu.bound !== vm.bound) d.push(`bound: bare ${cpu.bound}, virtual ${vm.bound}`);
  if (cpu.timer !== vm.timer) d.push(`TIMER: bare ${cpu.timer}, virtual ${vm.timer}`);
  const bo = bc.output();
  const vo = vc.output();
  if (bo.length !== vo.length || (bo.length > 0 && bo[bo.length - 1] !== vo[vo.length - 1])) d.push(`output: bare ${JSON.stringify(bc.text().slice(-40))}, virtual ${JSON.stringify(vc.text().slice(-40))}`);
  return d;
}

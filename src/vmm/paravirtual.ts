/**
 * Checking a paravirtual guest against its unmodified twin. A paravirtual
 * guest is a changed program — it makes hypercalls where its twin executes
 * sensitive instructions — so Popek & Goldberg's equivalence (the same
 * registers, storage and instruction count as on the bare machine) does not
 * apply to it. What it promises is the twin's behaviour as seen from
 * outside: under the monitor, the same console output and the same way of
 * stopping as the twin on the bare machine.
 */
import type { StopReason } from '../cpu/cpu.js';
import { Console } from '../cpu/devices.js';
import type { Image } from '../image.js';
import { runBare, type EquivOptions } from './equiv.js';
import { roundRobin } from './scheduler.js';
import { buildStack, loadGuest } from './stack.js';
import type { VmStats } from './vm.js';

export interface Outside {
  readonly reason: StopReason;
  readonly output: string;
  readonly instructions: number;
}

export interface TwinResult {
  readonly equivalent: boolean;
  readonly differences: string[];
  /** the twin on the bare machine */
  readonly twin: Outside;
  /** the paravirtual guest, each VM */
  readonly vms: Outside[];
  readonly stats: VmStats[];
}

const NO_INPUT = new Uint8Array(0);

export function checkTwin(para: Image, twin: Image, opts: EquivOptions): TwinResult {
  const bare = runBare(twin, opts);
  const t: Outside = { reason: bare.reason, output: bare.console.text(), instructions: bare.cpu.instret };
  const stack = buildStack({ isa: opts.isa, monitor: opts.monitor, depth: opts.depth, count: opts.vms, guestWords: opts.memWords });
  const consoles = stack.guests.map((vm) => {
    const c = new Console(opts.input ?? NO_INPUT);
    loadGuest(vm, para, c);
    return c;
  });
  const outcomes = roundRobin(stack.guests, { quantum: opts.quantum, maxSteps: opts.maxSteps });
  const vms = outcomes.map((o, i): Outside => ({ reason: o.reason, output: consoles[i]!.text(), instructions: o.vm.instret }));
  const differences: string[] = [];
  vms.forEach((v, i) => {
    const who = opts.vms > 1 ? `vm${i + 1}: ` : '';
    if (v.reason !== t.reason) differences.push(`${who}stop reason: twin (bare) ${t.reason}, paravirtual ${v.reason}`);
    if (v.output !== t.output) differences.push(`${who}console output: twin (bare) ${JSON.stringify(t.output.slice(0, 200))}, paravirtual ${JSON.stringify(v.output.slice(0, 200))}`);
  });
  return { equivalent: differences.length === 0, differences, twin: t, vms, stats: stack.guests.map((g) => g.stats) };
}

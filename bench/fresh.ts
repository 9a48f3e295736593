/**
 * One measurement on a fresh machine in a fresh process, the way the CLI
 * runs a program: the suites spawn this file and read one JSON line from
 * its stdout. Nothing has run in the process before (but loading the
 * modules and assembling the kernel, which are not timed), so V8 compiles
 * the interpreter and the translated code while the guest runs: that
 * warm-up is part of what is measured.
 *
 *   fresh.ts run KERNEL          a new bare CPU with trapeze run's storage (the default --mem, or
 *                                the kernel's size if larger): construct, load, run to halt in
 *                                trapeze run's chunks
 *   fresh.ts interp KERNEL       the same with translation off (every instruction interpreted)
 *   fresh.ts js KERNEL           the kernel's plain-JS twin, called once
 *   fresh.ts vmm KERNEL          one VM under trapeze vmm's defaults (trap-and-emulate, depth 1,
 *                                default quantum, the default --mem, or the kernel's size if larger)
 *   fresh.ts many KERNEL         count=N VMs at the default --mem, round robin at the default quantum
 *                                (after one VM, run three times, for its throughput in this process)
 *
 * NAME=VALUE arguments override the kernel's .equ sizes (ITER=100).
 *
 * Output: {"ms": wall time, "cpuMs": this process's CPU time, "instret": guest instructions, "rssMiB", ...}.
 * Every guest's result is checked against the JS twin after timing.
 */
import { Cpu } from '../src/cpu/cpu.js';
import { Console } from '../src/cpu/devices.js';
import { DEFAULT_QUANTUM, DEFAULT_VM_WORDS } from '../src/cli/vmm.js';
import { DEFAULT_MEM_WORDS, PG32 } from '../src/isa/table.js';
import { roundRobin } from '../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../src/vmm/stack.js';
import { assembleKernel, kernels, memFor } from './kernels.js';

/** trapeze vmm's default --mem (words per VM) */
const VMM_DEFAULT_MEM = DEFAULT_VM_WORDS;
/** trapeze run's steps per run() call */
const CHUNK = 1 << 20;

const [mode, name, ...rest] = process.argv.slice(2);
const sizes: Record<string, number> = {};
let countArg = 1000;
for (const a of rest) {
  const [k, v] = a.split('=');
  if (k === 'count') countArg = Number(v);
  else sizes[k!] = Number(v);
}
const kernel = kernels(sizes).find((k) => k.name === name);
if (!kernel || !mode) {
  console.error('usage: fresh.ts run|interp|js|vmm|many KERNEL [count=N] [NAME=VALUE ...]');
  process.exit(2);
}
const image = assembleKernel(kernel);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}

function report(r: Record<string, number | string>): void {
  console.log(JSON.stringify({ ...r, rssMiB: process.memoryUsage().rss / 2 ** 20 }));
}

/** Time f (wall and CPU). */
function timed(f: () => number): { ms: number; cpuMs: number; instret: number } {
  const c0 = cpuMs();
  const t0 = performance.now();
  const instret = f();
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, instret };
}

function guestMem(fallback: number): number {
  return Math.max(fallback, memFor(image));
}

function vmmRun(count: number): { vms: ReturnType<typeof buildStack>['guests']; fn: () => number } {
  const stack = buildStack({ isa: PG32, monitor: 'trap-emulate', depth: 1, count, guestWords: guestMem(VMM_DEFAULT_MEM) });
  return {
    vms: stack.guests,
    fn: () => {
      for (const vm of stack.guests) loadGuest(vm, image, new Console());
      // As trapeze vmm does: every slice, drain each VM's console.
      const out = roundRobin(stack.guests, { quantum: DEFAULT_QUANTUM, maxSteps: 1e12, afterSlice: (vm) => void vm.console.drain() });
      if (out.some((o) => o.reason !== 'halt')) throw new Error(`${name}: a VM did not halt`);
      return stack.guests.reduce((n, vm) => n + vm.instret, 0);
    },
  };
}

switch (mode) {
  case 'run':
  case 'interp': {
    let cpu: Cpu | undefined;
    const t = timed(() => {
      const console = new Console();
      const c = new Cpu({ isa: PG32, memWords: guestMem(DEFAULT_MEM_WORDS), devices: console, translate: mode === 'run' });
      cpu = c;
      c.load(image);
      while (c.run(CHUNK) === 'budget') console.drain(); // as trapeze run streams output between chunks
      if (!c.halted) throw new Error(`${name}: did not halt`);
      return c.instret;
    });
    kernel.verify(cpu!.regs, cpu!.mem, image);
    report({ ...t, translations: cpu!.code?.translations ?? 0 });
    break;
  }
  case 'js': {
    const t = timed(() => {
      kernel.js();
      return 0;
    });
    report(t);
    break;
  }
  case 'vmm': {
    let vms: ReturnType<typeof vmmRun>['vms'] = [];
    const t = timed(() => {
      const r = vmmRun(1);
      vms = r.vms;
      return r.fn();
    });
    kernel.verify(vms[0]!.regs, vms[0]!.mem, image);
    report(t);
    break;
  }
  case 'many': {
    const count = countArg;
    // One VM first, run until warm (a second at least), then five more times: its throughput is the yardstick.
    const one = vmmRun(1);
    const warmUntil = performance.now() + 1000;
    for (let i = 0; i < 5 || performance.now() < warmUntil; i++) one.fn();
    const singles: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = timed(one.fn);
      singles.push(s.instret / s.cpuMs);
    }
    singles.sort((a, b) => a - b);
    const rss0 = process.memoryUsage().rss;
    let vms: ReturnType<typeof vmmRun>['vms'] = [];
    const t = timed(() => {
      const r = vmmRun(count);
      vms = r.vms;
      return r.fn();
    });
    for (const vm of [vms[0]!, vms[vms.length - 1]!]) kernel.verify(vm.regs, vm.mem, image);
    report({ ...t, count, oneVmPerCpuMs: singles[2]!, rssGrowthMiB: (process.memoryUsage().rss - rss0) / 2 ** 20 });
    break;
  }
  default:
    console.error(`fresh.ts: unknown mode ${mode}`);
    process.exit(2);
}

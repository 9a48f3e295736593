/**
 * How the debugger shows things: a stop (why, the step done or undone, and
 * where the machine is now), registers, the PSW, the timer, breakpoints,
 * VMs. The same words and register names as `--trace` (src/cpu/trace.ts).
 */
import { disassembleWord } from '../asm/disassemble.js';
import { fetchVirtual, type Observed, type VtObserved } from '../cpu/effect.js';
import { describeEffect, describeInstruction, exitName, formatPsw, hex, REG_NAMES, sourceOf, targetNames, value } from '../cpu/trace.js';
import { causeName, FLAGS } from '../isa/table.js';
import { describeEvents, type MonitorEvent } from '../vmm/events.js';
import type { Breakpoint, Engine, Stop } from './engine.js';
import { sourceIndex } from './source.js';
import type { MachineInfo, StepRecord } from './target.js';

/** `[name] ` under the VMM, nothing on the bare machine */
export function prefix(engine: Engine, m: number): string {
  return engine.target.kind === 'vmm' ? `[${engine.target.machines[m]!.name}] ` : '';
}

/** Where machine m is: `=> 0x… file:line  source text` (and the part of a pseudo-instruction). */
export function location(engine: Engine, m: number): string {
  const mi = engine.target.machines[m]!;
  const p = prefix(engine, m);
  const stopped = mi.stopped();
  if (stopped === 'halt') return `${p}   (halted at ${hex(mi.view.pc)})`;
  if (stopped === 'checkstop') return `${p}   (check-stopped)`;
  // In guest mode (vt) the host waits after its vmrun: the guest processor is where things happen.
  const g = (mi.view as VtObserved).guest;
  const v: Observed = g ? g.cpu : mi.view;
  const part = g ? (g.cpu.mem.byteOffset - mi.view.mem.byteOffset) / 4 : 0;
  const guest = g ? `guest ` : '';
  const host = g ? `   (in guest mode; the host resumes at ${hex(mi.view.pc)} after its vmrun)` : '';
  const word = fetchVirtual(v, v.pc);
  const virt = guest + (v.base === 0 && !g ? hex(v.pc) : `${hex(v.pc)} (phys ${hex(part + v.base + v.pc)})`);
  if (word === undefined) return `${p}=> ${virt}  (outside the relocation bounds: the next step is a MEMORY trap)${host}`;
  const phys = part + v.base + v.pc;
  const src = sourceOf(mi.image, phys);
  const instr = disassembleWord(word, v.pc, { ...(v.base === 0 ? { symbols: targetNames(mi.image) } : {}), isa: engine.target.isa });
  const label = sourceIndex(mi.image).nearestLabel(phys);
  const pending = (v.pending && (v.flags & FLAGS.IE) !== 0 ? '   [a timer interrupt is taken first]' : '') + host;
  if (!src) return `${p}=> ${virt}${label ? ` <${label}>` : ''}  ${instr}${pending}`;
  const text = mi.image.sources?.get(src.file)?.[src.line - 1]?.trim();
  const partOf = src.parts > 1 && text !== undefined && !/^\s*(\.|[A-Za-z_]\w*:\s*\.)/.test(text) ? `   [part ${src.part} of ${src.parts}: ${instr}]` : '';
  return `${p}=> ${virt} ${src.file}:${src.line}  ${text ?? instr}${partOf}${pending}`;
}

/** The step just done (or undone): `step 57  S 0x… file:line  instr   effects`, and the monitor's events. */
export function stepLines(engine: Engine, rec: StepRecord, reverse: boolean): string[] {
  const mi = engine.target.machines[rec.machine]!;
  const e = rec.effect;
  const src = e.interrupt ? undefined : sourceOf(mi.image, e.phys);
  const where = src ? `${src.file}:${src.line}` : '';
  const head = `${prefix(engine, rec.machine)}${reverse ? 'undid ' : ''}step ${rec.step}:`;
  const lines = [`  ${head} ${e.supervisor ? 'S' : 'U'} ${hex(e.pc)} ${where}  ${describeInstruction(e, mi.image, engine.target.isa)}  ${describeEffect(e, mi.image) || '(no change)'}`.trimEnd()];
  for (const l of eventLines(engine, rec.events)) lines.push(`    monitor: ${l}`);
  return lines;
}

export function eventLines(engine: Engine, events: readonly MonitorEvent[]): string[] {
  const guests = new Set(engine.target.machines.map((m) => m.view as unknown));
  return describeEvents(events, (w, pc) => disassembleWord(w, pc, { isa: engine.target.isa }), causeName).map(({ vm, text }) => (guests.has(vm) ? text : `[${vm.name}] ${text}`));
}

function describeBreakpointHit(engine: Engine, stop: Stop, bp: Breakpoint): string {
  const p = prefix(engine, stop.machine);
  const mi = engine.target.machines[bp.machine] ?? engine.target.machines[stop.machine]!;
  switch (bp.kind) {
    case 'break':
    case 'tbreak':
      return `${p}${bp.kind === 'tbreak' ? 'Temporary breakpoint' : 'Breakpoint'} ${bp.id}, ${bp.where}`;
    case 'watch':
    case 'rwatch':
    case 'awatch': {
      const w = stop.watch;
      const what = bp.reg !== undefined ? REG_NAMES[bp.reg]! : bp.where;
      if (!w) return `${p}Watchpoint ${bp.id}: ${what}`;
      if (w.access === 'read') return `${p}Watchpoint ${bp.id}: ${what} ${stop.reverse ? 'is read by the next step' : 'read'}: ${value(w.value)}`;
      return `${p}Watchpoint ${bp.id}: ${what} ${stop.reverse ? 'is written by the next step' : 'written'}: ${value(w.old)} → ${value(w.value)}`;
    }
    case 'catch':
      void mi;
      return `${p}Catchpoint ${bp.id} (${catchName(bp)})${stop.reverse ? ': the next step' : ''}`;
  }
}

export function catchName(bp: Breakpoint): string {
  const code = bp.code !== undefined ? ` ${bp.what === 'trap' || bp.what === 'reflect' ? causeName(bp.code) : bp.what === 'exit' ? exitName(bp.code) : bp.code}` : '';
  return `${bp.what}${bp.routine ? ` ${bp.routine}` : code}`;
}

/** Everything a stop shows, as lines. */
export function describeStop(engine: Engine, stop: Stop): string[] {
  const lines: string[] = [];
  const m = stop.machine;
  const mi = engine.target.machines[m]!;
  const p = prefix(engine, m);
  if (stop.breakpoint) lines.push(describeBreakpointHit(engine, stop, stop.breakpoint));
  switch (stop.kind) {
    case 'halt':
      lines.push(`${p}The program halted (step ${engine.time}).`);
      break;
    case 'checkstop': {
      const c = mi.view.checkStop;
      if (c) lines.push(`${p}Check-stop: ${causeName(c.cause)} trap at pc ${hex(c.pc)}${at(mi, c.pc)}, info ${hex(c.info)}: ${c.why}`);
      break;
    }
    case 'vm-limit':
      lines.push(`${p}Stopped at its step limit (${engine.maxSteps} steps; raise it with --max-steps).`);
      break;
    case 'limit':
      lines.push(`Stopped at the step limit (${engine.maxSteps} steps; raise it with --max-steps).`);
      break;
    case 'origin':
      lines.push(`No more reverse-execution history: this is the start (step ${engine.history.origin}).`);
      break;
    case 'finish':
      lines.push(`${p}Returned (r1 = ${value(mi.view.regs[1]!)}).`);
      break;
    case 'interrupted':
      lines.push(`${p}Interrupted.`);
      break;
    default:
      break;
  }
  if (stop.note) lines.push(stop.note);
  if (stop.last) lines.push(...stepLines(engine, stop.last, stop.reverse));
  else if (stop.events?.length) for (const l of eventLines(engine, stop.events)) lines.push(`    monitor: ${l}`);
  lines.push(location(engine, m));
  if (engine.focus !== m) lines.push(location(engine, engine.focus));
  return lines;
}

function at(mi: MachineInfo, pc: number): string {
  const src = sourceOf(mi.image, mi.view.base + pc);
  return src ? ` (${src.file}:${src.line}${src.text ? `: ${src.text}` : ''})` : '';
}

// ------------------------------------------------------------------ info

export function registers(mi: MachineInfo): string[] {
  const v = mi.view;
  const lines: string[] = [];
  for (let r = 0; r < 16; r++) lines.push(`${REG_NAMES[r]!.padEnd(6)}${hex(v.regs[r]!)}  ${v.regs[r]! | 0}`);
  const src = sourceOf(mi.image, v.base + v.pc);
  lines.push(`${'pc'.padEnd(6)}${hex(v.pc)}${src ? `  ${src.file}:${src.line}` : ''}`);
  lines.push(`${'psw'.padEnd(6)}${formatPsw(v)}`);
  lines.push(`${'timer'.padEnd(6)}${v.timer}${v.pending ? ' (interrupt pending)' : ''}`);
  return lines;
}

export function pswLines(mi: MachineInfo): string[] {
  const v = mi.view;
  const s = (v.flags & FLAGS.S) !== 0;
  const ie = (v.flags & FLAGS.IE) !== 0;
  return [
    `flags  ${hex(v.flags)}  ${s ? 'S (supervisor mode)' : 'U (user mode)'}, ${ie ? 'IE (interrupts enabled)' : 'interrupts disabled'}`,
    `pc     ${hex(v.pc)}  (virtual; storage word ${v.base + v.pc < v.memWords ? hex(v.base + v.pc) : 'past the end of storage'})`,
    `base   ${hex(v.base)}`,
    `bound  ${hex(v.bound)}  (virtual addresses 0..${hex(Math.max(0, Math.min(v.bound, v.memWords - v.base) - 1))} reach storage ${hex(v.base)}..)`,
  ];
}

export function timerLines(mi: MachineInfo): string[] {
  const v = mi.view;
  const ie = (v.flags & FLAGS.IE) !== 0;
  if (v.pending) return [`TIMER 0: an interrupt is pending; ${ie ? 'it is taken before the next instruction' : 'it waits until IE is set'}`];
  if (v.timer === 0) return ['TIMER 0 (off)'];
  return [`TIMER ${v.timer}: the interrupt becomes pending after ${v.timer} more instruction${v.timer === 1 ? '' : 's'} complete${ie ? '' : ' (IE is off: it will wait)'}`];
}

export function breakpointLines(engine: Engine): string[] {
  if (engine.breakpoints.length === 0) return ['No breakpoints, watchpoints or catchpoints.'];
  const vmm = engine.target.kind === 'vmm';
  const lines = [`Num  Type         Enb  ${vmm ? 'VM        ' : ''}What`];
  for (const b of engine.breakpoints) {
    const type = b.kind === 'break' ? 'breakpoint' : b.kind === 'tbreak' ? 'tbreakpoint' : b.kind === 'catch' ? 'catchpoint' : b.kind === 'watch' ? 'watchpoint' : b.kind === 'rwatch' ? 'read watch' : 'acc watch';
    const what = b.kind === 'catch' ? catchName(b) : b.kind === 'break' || b.kind === 'tbreak' ? `${hex(b.addr)} ${b.where}` : b.reg !== undefined ? REG_NAMES[b.reg]! : `${hex(b.addr)} ${b.where}`;
    const vm = vmm ? (b.machine < 0 ? 'all' : engine.target.machines[b.machine]!.name).padEnd(10) : '';
    lines.push(`${String(b.id).padEnd(5)}${type.padEnd(13)}${(b.enabled ? 'y' : 'n').padEnd(5)}${vm}${what}${b.condition ? `  if ${b.condition}` : ''}${b.hits ? `  (hit ${b.hits} time${b.hits === 1 ? '' : 's'})` : ''}`);
  }
  return lines;
}

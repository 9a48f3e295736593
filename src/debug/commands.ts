/**
 * The debugger's command language: gdb's vocabulary, one line at a time.
 * A Session turns a line into output through its host (the terminal, a
 * batch transcript, or a web page); it imports nothing from Node.
 *
 * Every mistake (an unknown command, a bad address, a breakpoint on
 * nothing, a broken snapshot file) is one line of output and counts as an
 * error; nothing is ever thrown at the user.
 */
import { disassembleWord } from '../asm/disassemble.js';
import { fetchVirtual } from '../cpu/effect.js';
import { hex, REG_NAMES, sourceOf, targetNames, value } from '../cpu/trace.js';
import { CAUSES, causeName } from '../isa/table.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../snapshot/format.js';
import { Engine, type Breakpoint, type CatchWhat, type Motion, type Stop } from './engine.js';
import { evaluate, REGISTER_NUMBERS, SPECIALS, suggest } from './expr.js';
import { breakpointLines, catchName, describeStop, location, prefix, pswLines, registers, timerLines } from './show.js';
import { sourceIndex } from './source.js';
import { VmmTarget, type Target } from './target.js';

export interface DebugHost {
  /** one or more lines of the transcript (each ends with a newline) */
  print(text: string): void;
  readFile(path: string): Uint8Array | { error: string };
  writeFile(path: string, data: Uint8Array): { error: string } | undefined;
  /**
   * Let the host breathe during a long motion (an interactive terminal: keys,
   * Ctrl-C). Without it, motions run to their end at once.
   */
  breathe?: () => Promise<void>;
}

export interface SessionOptions {
  /** A target for a snapshot file's contents (`snapshot load`): the caller knows the ISA and options. */
  readonly fromSnapshot: (s: Snapshot, name: string) => Target | { error: string };
  /** the program(s) as named on the command line, for `info` and messages */
  readonly title: string;
}

interface Command {
  readonly names: readonly string[];
  readonly args: string;
  readonly help: string;
  /** an empty line repeats it */
  readonly repeats?: boolean;
  run(this: Session, args: string): Promise<void> | void;
}

/** vt exit codes by name (ISA.md, "Extension vt"), for `catch exit` */
const EXIT_CODES: Readonly<Record<string, number>> = { ...CAUSES, INSTR: 16, NPF: 17, HTIMER: 18, VMRUN: 19, CHECKSTOP: 20, BADVMCB: 21 };
const CATCH_WHATS: readonly CatchWhat[] = ['trap', 'exit', 'emulate', 'reflect', 'monitor', 'translate', 'hypercall', 'interpret'];
const INFO_TOPICS = ['registers', 'psw', 'timer', 'breakpoints', 'watchpoints', 'vms', 'history', 'console', 'line', 'program'];

class UserError extends Error {}
const fail = (msg: string): never => {
  throw new UserError(msg);
};

export class Session {
  engine: Engine;
  /** commands that failed (the batch exit status) */
  errors = 0;
  private lastLine = '';
  private xNext: { addr: number; count: number; fmt: string; phys: boolean } | undefined;
  private listNext: { file: string; line: number } | undefined;
  /** console bytes already shown, per machine */
  private shown: number[];
  private readonly decoders: InstanceType<typeof TextDecoder>[];
  private readonly commands: readonly Command[];
  private outputOpen = false;

  constructor(
    target: Target,
    engineOptions: { maxSteps: number; interval?: number; historyBytes?: number },
    readonly host: DebugHost,
    readonly options: SessionOptions,
  ) {
    this.engine = new Engine(target, engineOptions);
    this.shown = target.machines.map((m) => m.console.output().length);
    this.decoders = target.machines.map(() => new TextDecoder());
    this.commands = COMMANDS;
  }

  say(...lines: string[]): void {
    if (this.outputOpen) {
      this.host.print('\n');
      this.outputOpen = false;
    }
    for (const l of lines) this.host.print(l + '\n');
  }

  /** What the session prints when it starts. */
  banner(): string[] {
    const t = this.engine.target;
    const lines = [
      `trapeze debugger: ${this.options.title} on ${t.isa.name}${t.kind === 'vmm' ? `, ${t.machines.length} VM${t.machines.length === 1 ? '' : 's'} under the monitor` : ''}. "help" lists the commands.`,
    ];
    if (this.engine.time > 0) lines.push(`Resumed from a snapshot at step ${this.engine.time}.`);
    lines.push(location(this.engine, this.engine.focus));
    return lines;
  }

  printBanner(): void {
    this.say(...this.banner());
  }

  /**
   * Run one line. An empty line repeats the last command that repeats
   * (step, next, continue, x, list, …). Returns `quit` with an exit status
   * when the session should end.
   */
  async execute(input: string): Promise<{ quit?: number }> {
    let line = input.trim();
    if (line.startsWith('#')) return {};
    if (line === '') {
      if (!this.lastLine) return {};
      line = this.lastLine;
    }
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    let word = m[1]!;
    let rest = m[2]!;
    // x/4x, p/x, print/d: the format sticks to the command
    const slash = word.indexOf('/');
    if (slash > 0) {
      rest = `${word.slice(slash)} ${rest}`.trim();
      word = word.slice(0, slash);
    }
    try {
      const cmd = this.find(word);
      this.lastLine = cmd.repeats ? (cmd.names[0] === 'x' || cmd.names[0] === 'list' ? `${cmd.names[0]}` : line) : '';
      if (cmd.names[0] === 'quit') {
        const status = rest ? Number(rest) : 0;
        if (!Number.isInteger(status) || status < 0 || status > 255) fail(`quit takes an exit status from 0 to 255, not '${rest}'`);
        return { quit: status };
      }
      await cmd.run.call(this, rest);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      this.errors++;
      this.lastLine = '';
      this.say(e.message);
    }
    this.flushOutput();
    return {};
  }

  private find(word: string): Command {
    const w = word.toLowerCase();
    const exact = this.commands.find((c) => c.names.includes(w));
    if (exact) return exact;
    const prefixed = this.commands.filter((c) => c.names[0]!.startsWith(w));
    if (prefixed.length === 1) return prefixed[0]!;
    if (prefixed.length > 1) return fail(`ambiguous command '${word}': ${prefixed.map((c) => c.names[0]).join(', ')}`);
    return fail(`unknown command '${word}'${suggest(w, this.commands.flatMap((c) => c.names))}; "help" lists the commands`);
  }

  /** Tab completion: commands first, then labels, registers and subcommands. */
  complete(line: string): [string[], string] {
    const m = /^(\s*)(\S*)$/.exec(line);
    if (m) {
      const w = m[2]!;
      const hits = [...new Set(this.commands.flatMap((c) => c.names).filter((n) => n.startsWith(w.toLowerCase())))].sort();
      // one match: complete it and the space after it, as a shell does
      return [hits.length === 1 ? [`${hits[0]} `] : hits, w];
    }
    const words = line.trimStart().split(/\s+/);
    const cmd = words[0]!.toLowerCase();
    const last = words[words.length - 1]!;
    let pool: string[];
    if (/^i(n(fo?)?)?$/.test(cmd)) pool = INFO_TOPICS;
    else if (cmd === 'catch') pool = words.length === 2 ? [...CATCH_WHATS] : [...Object.keys(CAUSES), ...Object.keys(EXIT_CODES)];
    else if (cmd === 'snapshot') pool = ['save', 'load'];
    else {
      const img = this.engine.machine.image;
      pool = [...sourceIndex(img).labelNames(), ...img.symbols.keys(), ...Object.keys(REGISTER_NUMBERS), ...SPECIALS];
    }
    const bare = last.replace(/^[*$]/, '');
    const lead = last.slice(0, last.length - bare.length);
    const hits = [...new Set(pool.filter((n) => n.startsWith(bare)).map((n) => lead + n))].sort();
    return [hits.length === 1 ? [`${hits[0]} `] : hits, last];
  }

  // ------------------------------------------------------------------ running

  /** Drive a motion: at once in batch use, breathing between slices interactively. */
  async drive(motion: Motion): Promise<Stop> {
    for (;;) {
      const r = motion.next();
      if (r.done) return r.value;
      if (this.host.breathe) await this.host.breathe();
    }
  }

  async move(motion: Motion): Promise<void> {
    this.listNext = undefined;
    this.xNext = undefined;
    const stop = await this.drive(motion);
    if (stop.reverse) this.rewindOutput();
    else this.flushOutput();
    this.say(...describeStop(this.engine, stop));
  }

  /** Show console output written since the last look (forward motion). */
  flushOutput(): void {
    const t = this.engine.target;
    t.machines.forEach((m, i) => {
      const out = m.console.output();
      if (out.length < this.shown[i]!) this.shown[i] = out.length;
      if (out.length === this.shown[i]) return;
      const text = this.decoders[i]!.decode(out.subarray(this.shown[i]), { stream: true });
      this.shown[i] = out.length;
      if (!text) return;
      if (t.kind === 'vmm') {
        const lines = text.split('\n');
        const tail = lines.pop()!;
        for (const l of lines) this.host.print(`${prefix(this.engine, i)}${l}\n`);
        if (tail) {
          this.host.print(`${prefix(this.engine, i)}${tail}`);
          this.outputOpen = true;
        }
      } else {
        this.host.print(text);
        this.outputOpen = !text.endsWith('\n');
      }
    });
  }

  /** After going back: output written after this moment is forgotten (and shown again if it is written again). */
  rewindOutput(): void {
    this.engine.target.machines.forEach((m, i) => {
      this.shown[i] = Math.min(this.shown[i]!, m.console.output().length);
    });
  }

  // ------------------------------------------------------------------ locations

  /** A count argument: a positive whole number, default 1. */
  count(arg: string, what = 'count'): number {
    if (!arg.trim()) return 1;
    const r = evaluate(arg, this.engine.exprContext());
    if ('error' in r) return fail(`${what}: ${r.error}`);
    if (r.value < 1) return fail(`${what} must be at least 1, not ${r.value}`);
    return r.value;
  }

  /**
   * A code location in machine m: `label`, `file:line`, `line`, `*expr`,
   * `0xADDR`. Returns the storage address and how to name it.
   */
  location(spec: string, m: number): { addr: number; where: string; note?: string } {
    const mi = this.engine.target.machines[m]!;
    const idx = sourceIndex(mi.image);
    const s = spec.trim();
    if (!s) return fail('a location is needed: a label, FILE:LINE, a line number or *ADDRESS');
    const named = (addr: number, note?: string) => {
      const src = sourceOf(mi.image, addr);
      const label = idx.nearestLabel(addr);
      const where = `${label ?? hex(addr)}${src ? ` (${src.file}:${src.line})` : ''}`;
      return { addr, where, ...(note ? { note } : {}) };
    };
    const fileLine = /^(.+):(\d+)$/.exec(s);
    if (fileLine || /^\d+$/.test(s)) {
      const fileName = fileLine ? fileLine[1]! : (sourceOf(mi.image, mi.view.base + mi.view.pc)?.file ?? idx.mainFile);
      const line = Number(fileLine ? fileLine[2] : s);
      const file = fileName === undefined ? undefined : idx.file(fileName);
      if (!file) return fail(`no source file '${fileName}' in ${mi.name}${idx.files.length ? ` (it has ${idx.files.join(', ')})` : ''}`);
      const r = idx.lineAddress(file, line);
      if ('error' in r) return fail(r.error);
      return named(r.addr, r.line !== line ? `(line ${line} has no code; using line ${r.line})` : undefined);
    }
    let addr: number;
    if (s.startsWith('*') || /^(0x|0b)/i.test(s)) {
      const r = evaluate(s.startsWith('*') ? s.slice(1) : s, this.engine.exprContext(m));
      if ('error' in r) return fail(r.error);
      addr = r.value >>> 0;
    } else {
      const v = mi.image.symbols.get(s);
      if (v === undefined || !mi.image.labels.has(s)) {
        if (v !== undefined) return fail(`'${s}' is a constant (.equ ${v}), not a label; use *${s} for that address`);
        return fail(`no label '${s}' in ${mi.name}${suggest(s, idx.labelNames())}`);
      }
      addr = v >>> 0;
    }
    if (addr >= mi.view.memWords) return fail(`address ${hex(addr)} is past the end of ${mi.name}'s storage (${mi.view.memWords} words)`);
    return named(addr);
  }

  /** `... vm N` / `... if COND` suffixes of break/watch/catch */
  suffixes(args: string): { rest: string; machine: number; condition?: string } {
    let rest = args;
    let condition: string | undefined;
    const cond = /\s+if\s+(.+)$/.exec(` ${rest}`);
    if (cond) {
      condition = cond[1]!.trim();
      rest = ` ${rest}`.slice(0, cond.index).trim();
    }
    let machine = this.engine.focus;
    const vm = /(?:^|\s)vm\s+(\S+)\s*$/.exec(rest);
    if (vm) {
      machine = this.vmIndex(vm[1]!);
      rest = rest.slice(0, vm.index).trim();
    }
    return { rest, machine, ...(condition ? { condition } : {}) };
  }

  vmIndex(arg: string): number {
    const t = this.engine.target;
    if (t.kind !== 'vmm') return fail('there are no VMs: this is the bare machine (start trapeze debug --vmm FILE... to debug guests)');
    const n = Number(arg);
    if (Number.isInteger(n) && n >= 1 && n <= t.machines.length) return n - 1;
    const byName = t.machines.findIndex((m) => m.name === arg);
    if (byName >= 0) return byName;
    return fail(`no VM '${arg}': the VMs are ${t.machines.map((m, i) => `${i + 1} (${m.name})`).join(', ')}`);
  }

  // ------------------------------------------------------------------ examining

  examine(args: string): void {
    const m = /^(?:\/(\d*)([xductsi]?))?\s*(.*)$/.exec(args.trim())!;
    let rest = m[3]!.trim();
    let phys = false;
    const space = /^(phys|physical|virt|virtual)\s+(.*)$/i.exec(rest);
    if (space) {
      phys = space[1]!.toLowerCase().startsWith('phys');
      rest = space[2]!;
    }
    let count = m[1] ? Number(m[1]) : (this.xNext?.count ?? 1);
    const fmt = m[2] || this.xNext?.fmt || 'x';
    if (count < 1 || count > 4096) fail(`x shows 1 to 4096 words, not ${count}`);
    let addr: number;
    if (rest) {
      const r = evaluate(rest, this.engine.exprContext());
      if ('error' in r) return fail(r.error);
      addr = r.value >>> 0;
    } else if (this.xNext) {
      addr = this.xNext.addr;
      phys = this.xNext.phys;
    } else return fail('x needs an address: x/N ADDRESS (virtual, through the current relocation) or x/N phys ADDRESS');
    const mi = this.engine.machine;
    const v = mi.view;
    const read = (a: number): number | undefined => (phys ? (a < v.memWords ? v.mem[a] : undefined) : fetchVirtual(v, a));
    const outOf = (a: number) =>
      phys ? `address ${hex(a)} is past the end of storage (${v.memWords} words)` : `address ${hex(a)} is outside the relocation bounds (base ${hex(v.base)}, bound ${hex(v.bound)}); x/N phys ADDRESS reads storage directly`;
    if (read(addr) === undefined) return fail(outOf(addr));
    const idx = sourceIndex(mi.image);
    const label = (a: number) => {
      const n = idx.nearestLabel(phys ? a : v.base + a);
      return n ? ` <${n}>` : '';
    };
    const lines: string[] = [];
    if (fmt === 'i') {
      for (let k = 0; k < count; k++) {
        const a = (addr + k) >>> 0;
        const w = read(a);
        if (w === undefined) {
          lines.push(outOf(a));
          break;
        }
        const here = !phys ? a === v.pc : a === v.base + v.pc;
        lines.push(`${here ? '=> ' : '   '}${hex(a)}${label(a)}:  ${disassembleWord(w, a, { isa: this.engine.target.isa, ...(v.base === 0 || phys ? { symbols: targetNames(mi.image) } : {}) })}`);
      }
      count = lines.length;
    } else if (fmt === 's') {
      let text = '';
      let k = 0;
      for (; k < 4096; k++) {
        const w = read((addr + k) >>> 0);
        if (w === undefined || w === 0) break;
        text += String.fromCharCode(w & 0xff);
      }
      lines.push(`${hex(addr)}${label(addr)}:  ${JSON.stringify(text)}`);
      count = k + 1;
    } else {
      const perRow = fmt === 'c' ? 8 : 4;
      for (let k = 0; k < count; k += perRow) {
        const cells: string[] = [];
        for (let j = k; j < Math.min(count, k + perRow); j++) {
          const w = read((addr + j) >>> 0);
          if (w === undefined) {
            cells.push('(out of bounds)');
            break;
          }
          cells.push(fmt === 'd' ? String(w | 0).padStart(11) : fmt === 'u' ? String(w >>> 0).padStart(10) : fmt === 'c' ? charOf(w) : hex(w));
        }
        lines.push(`${hex((addr + k) >>> 0)}${label((addr + k) >>> 0)}:  ${cells.join('  ')}`);
      }
    }
    this.xNext = { addr: (addr + count) >>> 0, count: m[1] ? Number(m[1]) : count, fmt, phys };
    this.say(...lines);
  }

  print(args: string): void {
    const m = /^(?:\/([xdutc]))?\s*(.*)$/.exec(args.trim())!;
    const expr = m[2]!.trim();
    if (!expr) fail('print needs an expression: a register (r1, sp, pc), a label, *ADDRESS, or arithmetic');
    const lower = expr.toLowerCase();
    if (lower === 'psw' || lower === '$psw') return this.say(...pswLines(this.engine.machine));
    if (lower === '$time' || lower === '$step') return this.say(`step ${this.engine.time}`);
    const r = evaluate(expr, this.engine.exprContext());
    if ('error' in r) return fail(r.error);
    const v = r.value;
    const shown = m[1] === 'x' ? hex(v) : m[1] === 'd' ? String(v | 0) : m[1] === 'u' ? String(v >>> 0) : m[1] === 't' ? '0b' + (v >>> 0).toString(2) : m[1] === 'c' ? charOf(v) : value(v);
    this.say(`${expr} = ${shown}`);
  }

  list(args: string): void {
    const mi = this.engine.machine;
    const idx = sourceIndex(mi.image);
    let file: string | undefined;
    let center: number;
    if (args.trim()) {
      const loc = this.location(args, this.engine.focus);
      const src = sourceOf(mi.image, loc.addr);
      if (!src) return fail(`no source line for ${hex(loc.addr)}`);
      file = src.file;
      center = src.line;
      this.listNext = undefined;
    } else if (this.listNext) {
      file = this.listNext.file;
      center = this.listNext.line + 5;
    } else {
      const src = sourceOf(mi.image, mi.view.base + mi.view.pc);
      file = src?.file ?? idx.mainFile;
      center = src?.line ?? 1;
    }
    const text = file === undefined ? undefined : idx.text(file);
    if (!file || !text) return fail(`no source text for ${mi.name} (an image without source lines); try disassemble`);
    const first = Math.max(1, center - 5);
    const last = Math.min(text.length, first + 9);
    if (first > text.length) return fail(`line ${first} is past the end of ${file} (${text.length} lines)`);
    const cur = sourceOf(mi.image, mi.view.base + mi.view.pc);
    const lines: string[] = [];
    for (let l = first; l <= last; l++) lines.push(`${cur && cur.file === file && cur.line === l ? '=>' : '  '}${String(l).padStart(5)}  ${text[l - 1]}`);
    this.listNext = { file, line: last + 1 };
    this.say(...lines);
  }

  disassemble(args: string): void {
    const mi = this.engine.machine;
    const v = mi.view;
    const idx = sourceIndex(mi.image);
    let from: number;
    let to: number;
    let name: string | undefined;
    if (args.trim()) {
      const m = /^(.*?)(?:\s*,\s*\+?(\d+))?$/.exec(args.trim())!;
      const loc = this.location(m[1]!, this.engine.focus);
      if (m[2]) {
        from = loc.addr;
        to = loc.addr + Number(m[2]);
      } else ({ from, to, name } = idx.routine(loc.addr));
    } else ({ from, to, name } = idx.routine(v.base + v.pc));
    to = Math.min(to, from + 256, v.memWords);
    const lines = [`Code of ${name ?? hex(from)} (storage ${hex(from)}..${hex(to - 1)}):`];
    for (let a = from; a < to; a++) {
      const w = v.mem[a]!;
      const here = a === v.base + v.pc;
      const src = sourceOf(mi.image, a);
      lines.push(
        `${here ? '=> ' : '   '}${hex(a)} <${idx.nearestLabel(a) ?? '?'}>:  ${disassembleWord(w, a, { isa: this.engine.target.isa, symbols: targetNames(mi.image) }).padEnd(28)}${src ? `  ; ${src.file}:${src.line}${src.parts > 1 && src.text ? ` ${src.text} (${src.part}/${src.parts})` : ''}` : ''}`,
      );
    }
    this.say(...lines);
  }

  info(args: string): void {
    const topic = args.trim().toLowerCase();
    const mi = this.engine.machine;
    const pick = INFO_TOPICS.filter((t) => topic !== '' && t.startsWith(topic) || (topic === 'r' && t === 'registers') || (topic === 'b' && t === 'breakpoints'));
    const which = topic === 'r' ? 'registers' : topic === 'b' ? 'breakpoints' : pick.length === 1 ? pick[0] : undefined;
    const p = prefix(this.engine, this.engine.focus);
    switch (which) {
      case 'registers':
        return this.say(...registers(mi).map((l) => p + l));
      case 'psw':
        return this.say(...pswLines(mi).map((l) => p + l));
      case 'timer':
        return this.say(...timerLines(mi).map((l) => p + l));
      case 'breakpoints':
      case 'watchpoints':
        return this.say(...breakpointLines(this.engine));
      case 'vms':
        return this.say(...this.vmLines());
      case 'history': {
        const h = this.engine.history;
        return this.say(
          `step ${this.engine.time}; history from step ${h.origin}: ${h.size} checkpoint${h.size === 1 ? '' : 's'} every ${h.interval} steps, ${(h.heldBytes / 1048576).toFixed(1)} MiB of storage pages (at most ${(h.budgetBytes / 1048576).toFixed(0)} MiB; older checkpoints are thinned beyond that)`,
        );
      }
      case 'console': {
        const text = new TextDecoder().decode(mi.console.output());
        return this.say(`${p}console output so far (${mi.console.output().length} bytes; ${mi.console.inputPosition()} input bytes read):`, ...text.split('\n').map((l) => `${p}| ${l}`));
      }
      case 'line':
      case 'program':
        return this.say(`${p}step ${this.engine.time}, ${mi.steps()} of them ${mi.name}'s`, location(this.engine, this.engine.focus));
      default:
        return fail(topic ? `'info ${topic}' is not something I can show; info ${INFO_TOPICS.join(' | ')}` : `info what? info ${INFO_TOPICS.join(' | ')}`);
    }
  }

  private vmLines(): string[] {
    const t = this.engine.target;
    if (t.kind !== 'vmm') return ['There are no VMs: this is the bare machine (trapeze debug --vmm FILE... debugs guests under the monitor).'];
    const lines = ['   VM  name          state       steps  mode  pc          partition              emulated  reflected'];
    t.machines.forEach((m, i) => {
      const vm = (t as VmmTarget).run_.guests[i]!;
      const st = m.stopped();
      const state = st === undefined ? 'running' : st === 'halt' ? 'halted' : st === 'checkstop' ? 'check-stop' : 'step limit';
      const refl = [...vm.stats.reflected].reduce((a, b) => a + b, 0);
      lines.push(
        `${i === this.engine.focus ? ' * ' : '   '}${String(i + 1).padEnd(4)}${m.name.padEnd(14)}${state.padEnd(12)}${String(vm.steps).padStart(5)}  ${vm.flags & 1 ? 'S' : 'U'}     ${hex(vm.pc)}  ${hex(vm.partition.offset)}+${vm.partition.size}`.padEnd(88) +
          `${String(vm.stats.emulations).padStart(8)}  ${String(refl).padStart(9)}`,
      );
    });
    const next = t.next();
    lines.push(next === undefined ? 'Every VM has stopped.' : `Next to run: VM ${next + 1} (${t.machines[next]!.name}).`);
    return lines;
  }

  // ------------------------------------------------------------------ breakpoints

  addBreak(kind: 'break' | 'tbreak', args: string): void {
    const { rest, machine, condition } = this.suffixes(args);
    const loc = rest.trim() ? this.location(rest, machine) : { addr: this.engine.nextPhys(machine), where: 'here' };
    if (loc.addr < 0) return fail('the next instruction is outside the relocation bounds: give a location');
    const mi = this.engine.target.machines[machine]!;
    if (condition) {
      const r = evaluate(condition, this.engine.exprContext(machine));
      if ('error' in r) return fail(`bad condition: ${r.error}`);
    }
    const bp = this.engine.add({ kind, machine, addr: loc.addr, where: loc.where, ...(condition ? { condition } : {}) });
    const onNothing = !mi.image.sourceMap.has(loc.addr) && !mi.image.segments.some((s) => loc.addr >= s.origin && loc.addr < s.origin + s.words.length);
    this.say(
      `${kind === 'tbreak' ? 'Temporary breakpoint' : 'Breakpoint'} ${bp.id} at ${hex(loc.addr)}: ${loc.where}${prefixVm(this, machine)}${condition ? ` if ${condition}` : ''}${'note' in loc && loc.note ? ` ${loc.note}` : ''}${onNothing ? ' (no word of the program is there yet)' : ''}`,
    );
  }

  addWatch(kind: 'watch' | 'rwatch' | 'awatch', args: string): void {
    const { rest, machine } = this.suffixes(args);
    const s = rest.trim();
    if (!s) return fail(`${kind} needs a word: a label, *ADDRESS or a register`);
    const mi = this.engine.target.machines[machine]!;
    const reg = REGISTER_NUMBERS[s.replace(/^\$/, '').toLowerCase()];
    if (reg !== undefined) {
      if (kind !== 'watch') return fail(`${kind} watches storage; registers are watched with watch`);
      if (reg === 0) return fail('r0 is always 0: there is nothing to watch');
      const bp = this.engine.add({ kind, machine, addr: -1, reg, where: REG_NAMES[reg]! });
      return this.say(`Watchpoint ${bp.id}: ${REG_NAMES[reg]} (stops after a step that writes it)${prefixVm(this, machine)}`);
    }
    let addr: number;
    let where: string;
    if (mi.image.labels.has(s)) {
      addr = mi.image.symbols.get(s)! >>> 0;
      where = s;
    } else {
      const r = evaluate(s.replace(/^\*/, ''), this.engine.exprContext(machine));
      if ('error' in r) return fail(r.error);
      addr = r.value >>> 0;
      where = sourceIndex(mi.image).nearestLabel(addr) ?? hex(addr);
    }
    if (addr >= mi.view.memWords) return fail(`address ${hex(addr)} is past the end of ${mi.name}'s storage (${mi.view.memWords} words)`);
    const bp = this.engine.add({ kind, machine, addr, where });
    const how = kind === 'watch' ? 'written' : kind === 'rwatch' ? 'read' : 'read or written';
    this.say(`${kind === 'watch' ? 'Watchpoint' : kind === 'rwatch' ? 'Read watchpoint' : 'Access watchpoint'} ${bp.id}: ${where} (storage word ${hex(addr)}, now ${value(mi.view.mem[addr]!)}; stops when it is ${how})${prefixVm(this, machine)}`);
  }

  addCatch(args: string): void {
    const { rest, machine } = this.suffixes(args);
    const [what0, arg] = rest.trim().split(/\s+/, 2) as [string, string | undefined];
    const what = what0.toLowerCase() as CatchWhat;
    if (!what0) return fail(`catch what? catch ${CATCH_WHATS.join(' | ')}`);
    if (!CATCH_WHATS.includes(what)) return fail(`cannot catch '${what0}'; catch ${CATCH_WHATS.join(' | ')}${suggest(what0, CATCH_WHATS)}`);
    const t = this.engine.target;
    if (t.kind === 'bare' && what !== 'trap' && what !== 'exit') return fail(`catch ${what} watches a monitor: start trapeze debug --vmm FILE... to run the program under one`);
    let code: number | undefined;
    let routine: string | undefined;
    if (arg !== undefined) {
      if (what === 'emulate') {
        if (!['lpsw', 'spsw', 'stimer', 'in', 'out', 'halt'].includes(arg.toLowerCase())) return fail(`there is no interpreter routine '${arg}'; the routines are lpsw, spsw, stimer, in, out, halt`);
        routine = arg.toLowerCase();
      } else if (what === 'trap' || what === 'reflect' || what === 'exit' || what === 'hypercall') {
        const table: Record<string, number> = what === 'exit' ? EXIT_CODES : what === 'hypercall' ? {} : CAUSES;
        const up = arg.toUpperCase();
        code = Object.hasOwn(table, up) ? table[up] : /^\d+$/.test(arg) ? Number(arg) : undefined;
        if (code === undefined || (what !== 'hypercall' && what !== 'exit' && causeName(code).startsWith('cause')))
          return fail(`'${arg}' is not a ${what === 'exit' ? 'VM exit code' : what === 'hypercall' ? 'hypercall number' : 'trap cause'}; ${what === 'exit' ? Object.keys(EXIT_CODES).join(' ') : what === 'hypercall' ? 'give its number' : Object.keys(CAUSES).join(' ')}`);
      } else return fail(`catch ${what} takes no argument`);
    }
    const m = t.kind === 'vmm' && !/(?:^|\s)vm\s+\S+\s*$/.test(args) ? -1 : machine;
    const bp = this.engine.add({ kind: 'catch', machine: m, addr: -1, what, where: what, ...(code !== undefined ? { code } : {}), ...(routine ? { routine } : {}) });
    // VM exits come from vmrun (ISA.md "Extension vt") or from the hw monitor
    const noExits = what === 'exit' && !t.isa.has('vmrun') && !(t instanceof VmmTarget && t.run_.monitor === 'hw');
    this.say(`Catchpoint ${bp.id} (${catchName(bp)})${m >= 0 && t.kind === 'vmm' ? prefixVm(this, m) : ''}${noExits ? ` (note: ${t.isa.name} has no vmrun and no hw monitor runs it: nothing exits)` : ''}`);
  }

  breakpointIds(args: string, verb: string): Breakpoint[] {
    const ids = args.trim().split(/[\s,]+/).filter(Boolean);
    if (!ids.length) return [...this.engine.breakpoints];
    return ids.map((s) => {
      const n = Number(s);
      const b = this.engine.breakpoints.find((x) => x.id === n);
      if (!b) return fail(`no breakpoint number ${s} to ${verb}${this.engine.breakpoints.length ? ` (the numbers are ${this.engine.breakpoints.map((x) => x.id).join(', ')})` : ''}`);
      return b;
    });
  }

  // ------------------------------------------------------------------ snapshots

  snapshot(args: string): void {
    const [verb, ...rest] = args.trim().split(/\s+/);
    const file = rest.join(' ');
    if (verb !== 'save' && verb !== 'load') return fail('snapshot save FILE | snapshot load FILE');
    if (!file) return fail(`snapshot ${verb} needs a file name`);
    if (verb === 'save') {
      const bytes = encodeSnapshot(this.engine.target.snapshot());
      const r = this.host.writeFile(file, bytes);
      if (r) return fail(r.error);
      return this.say(`Saved step ${this.engine.time} to ${file} (${bytes.length} bytes).`);
    }
    const bytes = this.host.readFile(file);
    if ('error' in bytes) return fail(bytes.error);
    const s = decodeSnapshot(bytes, file);
    if ('error' in s) return fail(s.error);
    const target = this.options.fromSnapshot(s, file);
    if ('error' in target) return fail(target.error);
    const old = this.engine;
    const t = old.target;
    if (target.kind !== t.kind || target.machines.length !== t.machines.length) return fail(`${file}: a snapshot of ${describeKind(target)}, but this session debugs ${describeKind(t)}`);
    for (let i = 0; i < t.machines.length; i++) {
      const a = t.machines[i]!.image;
      const b = target.machines[i]!.image;
      if (!sameImage(a, b)) return fail(`${file}: a snapshot of another program (${target.machines[i]!.name}); start trapeze debug ${file} to debug it`);
    }
    this.engine = new Engine(target, { maxSteps: old.maxSteps, interval: old.history.interval, historyBytes: old.history.budgetBytes });
    for (const b of old.breakpoints) {
      const nb = this.engine.add({ ...b });
      nb.enabled = b.enabled;
      nb.hits = b.hits;
    }
    this.engine.focus = Math.min(old.focus, target.machines.length - 1);
    this.shown = target.machines.map((m) => m.console.output().length);
    this.say(`Loaded step ${this.engine.time} from ${file}; history starts here.`, location(this.engine, this.engine.focus));
  }
}

function describeKind(t: Target): string {
  return t.kind === 'bare' ? 'the bare machine' : `${t.machines.length} VM${t.machines.length === 1 ? '' : 's'} under a monitor`;
}

function sameImage(a: import('../image.js').Image, b: import('../image.js').Image): boolean {
  if (a.entry !== b.entry || a.segments.length !== b.segments.length) return false;
  return a.segments.every((s, i) => {
    const t = b.segments[i]!;
    return s.origin === t.origin && s.words.length === t.words.length && s.words.every((w, k) => w === t.words[k]);
  });
}

function prefixVm(s: Session, m: number): string {
  const t = s.engine.target;
  return t.kind === 'vmm' ? ` in VM ${m + 1} (${t.machines[m]!.name})` : '';
}

function charOf(w: number): string {
  const b = w & 0xff;
  const c = b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : b === 10 ? "'\\n'" : b === 9 ? "'\\t'" : b === 0 ? "'\\0'" : '';
  return `${String(w | 0).padStart(4)} ${c.padEnd(4)}`;
}

// ------------------------------------------------------------------ the command table

const COMMANDS: readonly Command[] = [
  {
    names: ['break', 'b', 'br'],
    args: 'LOCATION [vm N] [if COND]',
    help: 'stop before the instruction at LOCATION: a label, FILE:LINE, LINE, or *ADDRESS (a storage address)',
    run(a) {
      this.addBreak('break', a);
    },
  },
  {
    names: ['tbreak', 'tb'],
    args: 'LOCATION [vm N] [if COND]',
    help: 'a breakpoint that is deleted when it is hit',
    run(a) {
      this.addBreak('tbreak', a);
    },
  },
  {
    names: ['delete', 'd'],
    args: '[N...]',
    help: 'delete breakpoints (all of them without N)',
    run(a) {
      const bps = this.breakpointIds(a, 'delete');
      for (const b of bps) this.engine.delete(b.id);
      if (!a.trim()) this.say(bps.length ? `Deleted all ${bps.length} breakpoints.` : 'There are no breakpoints.');
    },
  },
  {
    names: ['disable'],
    args: '[N...]',
    help: 'disable breakpoints (all without N)',
    run(a) {
      for (const b of this.breakpointIds(a, 'disable')) this.engine.setEnabled(b.id, false);
    },
  },
  {
    names: ['enable'],
    args: '[N...]',
    help: 'enable breakpoints (all without N)',
    run(a) {
      for (const b of this.breakpointIds(a, 'enable')) this.engine.setEnabled(b.id, true);
    },
  },
  {
    names: ['watch'],
    args: 'LABEL | *ADDRESS | REGISTER [vm N]',
    help: 'stop after a step that writes the storage word (or register)',
    run(a) {
      this.addWatch('watch', a);
    },
  },
  {
    names: ['rwatch'],
    args: 'LABEL | *ADDRESS [vm N]',
    help: 'stop after a step that reads the storage word',
    run(a) {
      this.addWatch('rwatch', a);
    },
  },
  {
    names: ['awatch'],
    args: 'LABEL | *ADDRESS [vm N]',
    help: 'stop after a step that reads or writes the storage word',
    run(a) {
      this.addWatch('awatch', a);
    },
  },
  {
    names: ['catch'],
    args: 'trap [CAUSE] | exit [CODE] | emulate [ROUTINE] | reflect [CAUSE] | monitor | translate | hypercall [N] | interpret',
    help: 'stop after a step in which a trap is taken (on the bare machine: delivered; under the VMM: taken by the monitor or delivered to the guest), a VM exits, or the monitor emulates, reflects, translates, …',
    run(a) {
      this.addCatch(a);
    },
  },
  {
    names: ['step', 's', 'stepi', 'si'],
    args: '[N]',
    help: 'run N instructions (steps) of the machine in focus; every part of a pseudo-instruction is one',
    repeats: true,
    async run(a) {
      await this.move(this.engine.step(this.count(a)));
    },
  },
  {
    names: ['next', 'n', 'nexti', 'ni'],
    args: '[N]',
    help: 'like step, but a call (jal, jalr) or a trap (svc) runs until it returns',
    repeats: true,
    async run(a) {
      await this.move(this.engine.next(this.count(a)));
    },
  },
  {
    names: ['finish', 'fin'],
    args: '',
    help: 'run until the current routine returns (jr lr, or lpsw from a trap handler)',
    repeats: true,
    async run() {
      await this.move(this.engine.finish());
    },
  },
  {
    names: ['until', 'u'],
    args: '[LOCATION]',
    help: 'like next, but never back up a loop; with LOCATION, run to it (or until this routine returns)',
    repeats: true,
    async run(a) {
      await this.move(this.engine.until(a.trim() ? this.location(a, this.engine.focus).addr : undefined));
    },
  },
  {
    names: ['advance'],
    args: 'LOCATION',
    help: 'run to LOCATION (or until this routine returns)',
    async run(a) {
      await this.move(this.engine.until(this.location(a, this.engine.focus).addr));
    },
  },
  {
    names: ['continue', 'c', 'cont'],
    args: '',
    help: 'run until a breakpoint, watchpoint or catchpoint, a halt, a check-stop or the step limit',
    repeats: true,
    async run() {
      await this.move(this.engine.continue());
    },
  },
  {
    names: ['reverse-step', 'rs', 'reverse-stepi', 'rsi'],
    args: '[N]',
    help: 'undo the last N steps of the machine in focus (exactly: the machine goes back to where it was)',
    repeats: true,
    async run(a) {
      await this.move(this.engine.reverseStep(this.count(a)));
    },
  },
  {
    names: ['reverse-next', 'rn', 'reverse-nexti', 'rni'],
    args: '',
    help: 'back one step at this call depth: over a call the routine returned from',
    repeats: true,
    async run() {
      await this.move(this.engine.reverseNext());
    },
  },
  {
    names: ['reverse-finish'],
    args: '',
    help: 'back to the call of the current routine',
    repeats: true,
    async run() {
      await this.move(this.engine.reverseFinish());
    },
  },
  {
    names: ['reverse-continue', 'rc'],
    args: '',
    help: 'back to the last moment a breakpoint, watchpoint or catchpoint would have stopped (or the start)',
    repeats: true,
    async run() {
      await this.move(this.engine.reverseContinue());
    },
  },
  {
    names: ['goto'],
    args: 'STEP',
    help: 'go to step STEP of the run, back or forward (no breakpoints on the way)',
    run(a) {
      const r = evaluate(a, this.engine.exprContext());
      if ('error' in r) return fail(`goto: ${r.error}`);
      const to = r.value;
      if (to < this.engine.history.origin) return fail(`step ${to} is before the start of the history (step ${this.engine.history.origin})`);
      const before = this.engine.time;
      this.engine.goTo(to);
      if (this.engine.time < to) this.say(`The run ends at step ${this.engine.time}.`);
      if (this.engine.time < before) this.rewindOutput();
      else this.flushOutput();
      this.say(`step ${this.engine.time}`, location(this.engine, this.engine.focus));
    },
  },
  {
    names: ['run', 'r'],
    args: '',
    help: 'restart, then continue',
    async run() {
      this.engine.restart();
      this.say(`Starting over from step ${this.engine.time}.`);
      this.rewindOutput();
      await this.move(this.engine.continue());
    },
  },
  {
    names: ['restart'],
    args: '',
    help: 'back to the start (of the program, or of the snapshot the session began from); breakpoints stay',
    run() {
      this.engine.restart();
      this.rewindOutput();
      this.say(`Back at step ${this.engine.time}.`, location(this.engine, this.engine.focus));
    },
  },
  {
    names: ['info', 'i', 'inf'],
    args: 'registers | psw | timer | breakpoints | vms | history | console | line',
    help: 'show machine state or the debugger’s',
    run(a) {
      this.info(a);
    },
  },
  {
    names: ['x'],
    args: '/NF [phys] ADDRESS',
    help: 'examine N words at ADDRESS (virtual; "phys" for storage) as F: x hex, d decimal, u unsigned, c char, s string, i instructions',
    repeats: true,
    run(a) {
      this.examine(a);
    },
  },
  {
    names: ['print', 'p'],
    args: '[/F] EXPRESSION',
    help: 'a register (r1, lr, sp, pc, flags, base, bound, timer), a label, *ADDRESS, arithmetic; psw; $time',
    run(a) {
      this.print(a);
    },
  },
  {
    names: ['list', 'l'],
    args: '[LOCATION]',
    help: 'source lines around the current line (or LOCATION); again: the next lines',
    repeats: true,
    run(a) {
      this.list(a);
    },
  },
  {
    names: ['disassemble', 'disas'],
    args: '[LOCATION[, N]]',
    help: 'the instructions of the current routine (or at LOCATION)',
    run(a) {
      this.disassemble(a);
    },
  },
  {
    names: ['vm'],
    args: '[N | NAME]',
    help: 'focus on VM N (under the VMM): step, info, x, print and new breakpoints are about it',
    run(a) {
      if (!a.trim()) {
        if (this.engine.target.kind !== 'vmm') return fail('there are no VMs: this is the bare machine');
        return this.say(`Focus: VM ${this.engine.focus + 1} (${this.engine.machine.name}).`, location(this.engine, this.engine.focus));
      }
      this.engine.focus = this.vmIndex(a.trim());
      this.say(`Focus: VM ${this.engine.focus + 1} (${this.engine.machine.name}).`, location(this.engine, this.engine.focus));
    },
  },
  {
    names: ['snapshot'],
    args: 'save FILE | load FILE',
    help: 'save the whole machine (every VM) to a file, or go to a saved one',
    run(a) {
      this.snapshot(a);
    },
  },
  {
    names: ['help', 'h'],
    args: '[COMMAND]',
    help: 'this list, or one command',
    run(a) {
      const w = a.trim();
      if (w) {
        const c = COMMANDS.find((x) => x.names.includes(w.toLowerCase()));
        if (!c) return fail(`no command '${w}'${suggest(w, COMMANDS.flatMap((x) => x.names))}`);
        return this.say(`${c.names[0]} ${c.args}`.trim(), `  ${c.help}`, ...(c.names.length > 1 ? [`  also: ${c.names.slice(1).join(', ')}`] : []));
      }
      this.say(
        'Commands (gdb’s; a unique prefix is enough; an empty line repeats step, next, continue, x, list, …):',
        ...COMMANDS.map((c) => `  ${`${c.names[0]} ${c.args}`.trim().padEnd(44)} ${c.help.length > 70 ? c.help.slice(0, 67) + '…' : c.help}`),
        '  quit [STATUS]                                end the session',
        'Locations: fact, factorial.s:40, 40, *0x2c. Expressions: r1 + 4, *sp, count, lr.',
      );
    },
  },
  {
    names: ['quit', 'q', 'exit'],
    args: '[STATUS]',
    help: 'end the session',
    run() {
      // handled in execute()
    },
  },
];

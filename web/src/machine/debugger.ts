/**
 * The playground's debugger: one bare PG32 machine, its console, its
 * breakpoints, its trap log and its past. It runs in the machine worker;
 * worker.ts decides when (in chunks, so Stop is always heard) and the page
 * only ever sees `view()`.
 *
 * Traps are taken through the CPU's trap hook so that every one is logged
 * exactly (cause, old pc, info, source line) even at full speed: run()
 * stops at the trap with nothing delivered, and `deliver()` below performs
 * the trap sequence just as the CPU would have (psw.ts's trapSequence, the
 * check-stop when no handler is installed, and the handler-fetch check).
 */
import { assemble, disassembleWord, type AsmError, type IncludeReader } from '../../../src/asm/index.js';
import { Cpu, type StopReason } from '../../../src/cpu/cpu.js';
import { trapSequence } from '../../../src/cpu/psw.js';
import type { Image } from '../../../src/image.js';
import { causeName, DEFAULT_MEM_WORDS, resolveIsa, type Isa } from '../../../src/isa/table.js';
import { layout, loadNames, parseLoadArg, type LoadSpec } from '../../../src/load.js';
import { PageConsole } from './console.js';
import { ReverseExecution } from './reverse.js';

/** How an action ended, beyond the CPU's own stop reasons. */
export type Stop = StopReason | 'breakpoint' | 'waiting';

export interface TrapEntry {
  /** the step at which the trap was taken (0 = the first step after reset) */
  readonly at: number;
  readonly cause: number;
  readonly name: string;
  /** the old pc (virtual) and the relocation it ran under */
  readonly pc: number;
  readonly base: number;
  readonly supervisor: boolean;
  readonly info: number;
  /** source line of the old pc, if it came from this program */
  readonly line: number | null;
}

/** The trap log keeps the most recent entries only. */
export const TRAP_LOG_SIZE = 2000;

export interface LoadOptions {
  readonly source: string;
  readonly file: string;
  /** an ISA name; 'auto' = the program's `.isa`, else pg32 */
  readonly isa: string;
  readonly memWords?: number;
  /** reads `.include`d files, and the programs of `loads` */
  readonly include?: IncludeReader;
  /** other programs to place beside it, as `trapeze run --load` does: `FILE@ADDR[:SIZE]` (isa/BOOT.md) */
  readonly loads?: readonly string[];
}

export type LoadResult = { readonly ok: true; readonly isa: string } | { readonly ok: false; readonly errors: readonly AsmError[] };

/** The ISA a program asks for with `.isa` (recorded in its image). */
export function imageIsa(image: Image): string | undefined {
  return image.isa;
}

/** Resolve the ISA to assemble and run with: an explicit name, or 'auto'. */
export function chooseIsa(name: string): { isa?: Isa; error?: string } {
  if (name === 'auto' || name === '') return {};
  const r = resolveIsa(name);
  return 'error' in r ? { error: r.error } : { isa: r };
}

/**
 * The main program with `loads` placed beside it and their boot table
 * (src/load.ts, as `trapeze run --load`): each one read through `include`
 * (the page reads programs/) and assembled for the main program's ISA.
 * Any problem is one line naming the `--load` it is about.
 */
export function layoutLoads(main: Image, loads: readonly string[], isa: Isa, memWords: number, include?: IncludeReader): { image: Image } | { error: string } {
  const parsed: { arg: string; path: string; at: number; partition?: number }[] = [];
  for (const arg of loads) {
    const r = parseLoadArg(arg);
    if ('error' in r) return { error: `--load ${r.error}` };
    parsed.push({ arg, ...r });
  }
  const names = loadNames(parsed.map((l) => l.path));
  const specs: LoadSpec[] = [];
  for (const [i, l] of parsed.entries()) {
    const file = include?.(l.path, '');
    if (!file || 'error' in file) return { error: `--load ${l.arg}: ${file && 'error' in file ? file.error : 'no files to load from'}` };
    const a = assemble(file.text, file.name, { isa, ...(include ? { include } : {}) });
    if (!a.image) return { error: `--load ${l.arg}: ${a.errors.length} assembly error${a.errors.length === 1 ? '' : 's'}, the first ${a.errors[0]!.file}:${a.errors[0]!.line}:${a.errors[0]!.col}: ${a.errors[0]!.message}` };
    specs.push({ arg: l.arg, name: names[i]!, image: a.image, at: l.at, ...(l.partition !== undefined ? { partition: l.partition } : {}) });
  }
  const r = layout(main, specs, memWords);
  return 'error' in r ? { error: r.error } : { image: r.image };
}

export class DebugSession {
  readonly cpu: Cpu;
  readonly console: PageConsole;
  readonly history: ReverseExecution;
  readonly isa: Isa;
  /** physical address → breakpoint set (one byte per word of storage) */
  private readonly breakAt: Uint8Array;
  private breakCount = 0;
  private readonly log: TrapEntry[] = [];
  private logged = 0;

  /** the editor's file: source lines of other files (`.include`d ones) are not its lines */
  readonly file: string;

  constructor(
    readonly image: Image,
    isa: Isa,
    memWords = DEFAULT_MEM_WORDS,
    /** bytes of storage pages reverse execution may hold */
    historyBytes?: number,
    /** the main file's name as the assembler was given it (default: the file of the lowest address) */
    file?: string,
  ) {
    this.isa = isa;
    this.file = file ?? [...image.sourceMap].sort((a, b) => a[0] - b[0])[0]?.[1].file ?? '';
    this.console = new PageConsole(() => this.position());
    this.cpu = new Cpu({ isa, memWords, devices: this.console });
    this.cpu.trapHook = true;
    this.breakAt = new Uint8Array(memWords);
    this.cpu.load(image);
    this.history = new ReverseExecution(this, historyBytes);
    this.history.reset();
  }

  /** Assemble and load; the errors, every one, if it does not assemble. */
  static load(opts: LoadOptions): { session: DebugSession } | { errors: readonly AsmError[] } {
    const chosen = chooseIsa(opts.isa);
    if (chosen.error) return { errors: [{ file: opts.file, line: 1, col: 1, message: chosen.error }] };
    const r = assemble(opts.source, opts.file, { ...(chosen.isa ? { isa: chosen.isa } : {}), ...(opts.include ? { include: opts.include } : {}) });
    if (!r.image) return { errors: r.errors };
    let isa = chosen.isa;
    if (!isa) {
      const wanted = resolveIsa(imageIsa(r.image) ?? 'pg32');
      if ('error' in wanted) return { errors: [{ file: opts.file, line: 1, col: 1, message: wanted.error }] };
      isa = wanted;
    }
    let image = r.image;
    if (opts.loads?.length) {
      const placed = layoutLoads(image, opts.loads, isa, opts.memWords ?? DEFAULT_MEM_WORDS, opts.include);
      if ('error' in placed) return { errors: [{ file: opts.file, line: 1, col: 1, message: placed.error }] };
      image = placed.image;
    }
    try {
      return { session: new DebugSession(image, isa, opts.memWords, undefined, opts.file) };
    } catch (e) {
      // an image that does not fit the chosen storage
      return { errors: [{ file: opts.file, line: 1, col: 1, message: `${(e as Error).message} (choose more storage)` }] };
    }
  }

  /**
   * Steps since reset: instructions completed plus traps taken. The CPU
   * stops at every trap of its own (the hook, counted in `traps`, even one
   * that check-stops); traps a `vt` guest takes inside guest mode are
   * delivered there and counted in `delivered`; the `vmrun` that entered
   * guest mode is a step from its start, though it completes (and counts in
   * `instret`) only at the exit.
   */
  position(): number {
    const cpu = this.cpu;
    return cpu.instret + cpu.trapCount + cpu.delivered + (cpu.guest?.byInstruction ? 1 : 0);
  }

  /** Back to the state right after loading (input typed so far is kept, unread again). */
  reset(): void {
    this.history.seek(0);
  }

  setBreakpoints(lines: readonly number[]): number[] {
    this.breakAt.fill(0);
    this.breakCount = 0;
    const byLine = this.addressesByLine();
    const placed: number[] = [];
    for (const line of lines) {
      // A line without code breaks at the next line that has some, as gdb does.
      let l = line;
      while (l <= this.lastLine && !byLine.has(l)) l++;
      const addrs = byLine.get(l);
      if (!addrs) continue;
      this.breakAt[addrs[0]!] = 1;
      this.breakCount++;
      placed.push(l);
    }
    return placed;
  }

  private lines?: Map<number, number[]>;
  private lastLine = 0;
  private addressesByLine(): Map<number, number[]> {
    if (!this.lines) {
      this.lines = new Map();
      for (const [addr, loc] of this.image.sourceMap) {
        if (addr >= this.breakAt.length || loc.file !== this.file) continue;
        const a = this.lines.get(loc.line);
        if (a) a.push(addr);
        else this.lines.set(loc.line, [addr]);
        if (loc.line > this.lastLine) this.lastLine = loc.line;
      }
    }
    return this.lines;
  }

  /** The source lines that hold code (for the editor's gutter). */
  codeLines(): number[] {
    return [...this.addressesByLine().keys()].sort((a, b) => a - b);
  }

  /**
   * Run forward up to `n` steps: until halt, check-stop, a breakpoint, or a
   * read with no input typed yet (then the machine is rewound to just
   * before that `in`, waiting). `breakFrom` is the position the user's
   * action started at, where a breakpoint does not stop it (continuing
   * from a breakpoint moves on); null ignores breakpoints.
   */
  advance(n: number, breakFrom: number | null): Stop {
    const cpu = this.cpu;
    const history = this.history;
    const end = this.position() + n;
    const check = breakFrom !== null && this.breakCount > 0;
    let r: Stop = 'budget';
    while (this.position() < end) {
      history.checkpoint();
      if (check) {
        // Single steps: a breakpoint is checked before every instruction.
        if (this.breakAt[this.physicalPc()] === 1 && this.position() !== breakFrom && !cpu.halted && !cpu.checkStop) return 'breakpoint';
        r = cpu.run(1);
      } else r = cpu.run(Math.min(end - this.position(), Math.max(1, history.untilDue))); // up to the next checkpoint
      if (r === 'trap') r = this.deliver() ?? 'budget';
      if (this.console.starvedAt >= 0) {
        this.history.seek(this.console.starvedAt);
        return 'waiting';
      }
      if (r !== 'budget') return r;
    }
    return 'budget';
  }

  /** Exactly `n` steps forward, for the reverse engine's replay. */
  replay(n: number): void {
    const end = this.position() + n;
    while (this.position() < end) {
      let r: StopReason = this.cpu.run(end - this.position());
      if (r === 'trap') r = this.deliver() ?? 'budget';
      if (r !== 'budget') break;
    }
  }

  /** Go back `n` steps (as far as the reset state at most). */
  reverse(n: number): void {
    this.history.seek(Math.max(0, this.position() - n));
  }

  rewound(step: number): void {
    while (this.log.length && this.log[this.log.length - 1]!.at >= step) {
      this.log.pop();
      this.logged--;
    }
  }

  /**
   * The trap the hooked CPU stopped at, delivered as the CPU would: logged,
   * then the trap sequence; no handler (new bound 0) is a check-stop, and
   * the handler's first fetch is checked by the CPU's next run (afterTrap).
   */
  private deliver(): StopReason | null {
    const cpu = this.cpu;
    const cause = cpu.trapCause;
    const info = cpu.trapInfo;
    const pc = cpu.trapPc;
    this.log.push({ at: this.position() - 1, cause, name: causeName(cause), pc, base: cpu.base, supervisor: cpu.supervisor, info, line: this.lineOf(cpu.base + pc) });
    this.logged++;
    if (this.log.length > TRAP_LOG_SIZE) this.log.splice(0, this.log.length - TRAP_LOG_SIZE);
    if (!trapSequence(cpu, cause, info, pc)) {
      cpu.checkStop = { cause, info: info | 0, pc: pc >>> 0, why: 'no trap handler installed (new PSW bound is 0)' };
      return 'checkstop';
    }
    cpu.afterTrap = true;
    return null;
  }

  /** The most recent trap log entries, oldest first, and how many traps were logged in all. */
  traps(last: number): { entries: TrapEntry[]; total: number } {
    return { entries: this.log.slice(-last), total: this.logged };
  }

  /**
   * The processor that runs the next instruction: the CPU, or in guest mode
   * (`vmrun`) the guest's, with the physical address its storage starts at.
   */
  private runner(): { cpu: Cpu; origin: number } {
    const g = this.cpu.guest?.cpu;
    // A guest processor's storage is a view of the partition in the host's storage.
    return g ? { cpu: g, origin: g.mem.byteOffset / Int32Array.BYTES_PER_ELEMENT } : { cpu: this.cpu, origin: 0 };
  }

  /** Physical address of the next instruction. */
  physicalPc(): number {
    const { cpu, origin } = this.runner();
    return origin + cpu.base + cpu.pc;
  }

  /** The editor's line that a physical address came from, or null (no source, or an `.include`d file's). */
  lineOf(addr: number): number | null {
    const loc = this.image.sourceMap.get(addr);
    return loc && loc.file === this.file ? loc.line : null;
  }

  /** Source line of the next instruction, if it came from the editor's program. */
  currentLine(): number | null {
    return this.lineOf(this.physicalPc());
  }

  /** The next instruction, disassembled (or why there is none). */
  nextInstruction(): string {
    const { cpu } = this.runner();
    if (this.cpu.halted) return '(halted)';
    if (cpu.checkStop) return '(check-stop)';
    if (cpu.pending && (cpu.flags & 2) !== 0) return '(timer interrupt)';
    const w = cpu.readVirtual(cpu.pc);
    const text = w === undefined ? '(fetch outside bounds: MEMORY trap)' : disassembleWord(w, cpu.pc);
    // Code from an `.include`d file: say where, as the editor cannot show it.
    const loc = this.image.sourceMap.get(this.physicalPc());
    const from = loc && loc.file !== this.file ? `  (${loc.file.replace(/^.*programs\//, '')}:${loc.line})` : '';
    return cpu === this.cpu ? text + from : `${text}  (in guest mode)${from}`;
  }
}

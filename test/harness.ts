/**
 * A fluent harness for machine tests, in the manner of 6502.ts's Runner:
 *   const m = run(`li r1, 5 \n halt`); expect(m.reg(1)).toBe(5)
 * Programs are assembled from source so tests read like the manual.
 *
 * As 6502.ts runs its suites against every CPU, the CPU tables run against
 * both implementations of PG32: the fast CPU (src/cpu) and the reference
 * interpreter (src/ref):
 *   describe.each(CPUS)('$name', (cpu) => { const { run } = on(cpu); … })
 */
import { expect } from 'vitest';
import { assemble, formatError } from '../src/asm/assemble.js';
import { Cpu, type StopReason } from '../src/cpu/cpu.js';
import { Console, textInput, type Devices } from '../src/cpu/devices.js';
import type { Image } from '../src/image.js';
import { isaOrThrow, type Isa } from '../src/isa/table.js';
import { Reference } from '../src/ref/interp.js';

/** Either implementation of PG32: they offer the same surface. */
export type TestCpu = Cpu | Reference;

export interface Implementation<C extends TestCpu = TestCpu> {
  readonly name: string;
  create(opts: { isa: Isa; memWords: number; devices: Devices }): C;
}

export const FAST: Implementation<Cpu> = { name: 'fast CPU', create: (o) => new Cpu(o) };
export const REFERENCE: Implementation<Reference> = { name: 'reference interpreter', create: (o) => new Reference(o) };
/** every implementation the CPU tables run against */
export const CPUS: readonly Implementation[] = [FAST, REFERENCE];

export interface MachineOpts {
  isa?: string;
  memWords?: number;
  input?: string;
}

export class Machine<C extends TestCpu = Cpu> {
  readonly cpu: C;
  readonly console: Console;
  reason: StopReason | undefined;

  constructor(
    readonly image: Image,
    opts: MachineOpts = {},
    impl: Implementation<C> = FAST as unknown as Implementation<C>,
  ) {
    this.console = new Console(textInput(opts.input ?? ''));
    this.cpu = impl.create({ isa: isaOrThrow(opts.isa ?? 'pg32'), memWords: opts.memWords ?? 4096, devices: this.console });
    this.cpu.load(image);
  }

  run(maxSteps = 1_000_000): this {
    this.reason = this.cpu.run(maxSteps);
    return this;
  }

  reg(r: number): number {
    return this.cpu.regs[r]!;
  }

  /** physical word */
  word(addr: number): number {
    return this.cpu.mem[addr]!;
  }

  sym(name: string): number {
    const v = this.image.symbols.get(name);
    if (v === undefined) throw new Error(`no symbol ${name}`);
    return v;
  }

  get out(): string {
    return this.console.text();
  }

  /** the save area after a trap: old PSW, cause, info */
  get saved(): { flags: number; pc: number; base: number; bound: number; cause: number; info: number } {
    const E = this.cpu.mem;
    return { flags: E[0]!, pc: E[1]!, base: E[2]!, bound: E[3]!, cause: E[4]!, info: E[5]! };
  }

  expectHalt(): this {
    expect(this.reason, `stopped by ${this.reason}${this.cpu.checkStop ? ' ' + JSON.stringify(this.cpu.checkStop) : ''}`).toBe('halt');
    return this;
  }
}

export function asm(src: string, isa = 'pg32+jrstu+gpsw+sflags+getr'): Image {
  const r = assemble(src, 'test.s', { isa: isaOrThrow(isa) });
  if (!r.image || r.errors.length) throw new Error('assembly failed:\n' + r.errors.map(formatError).join('\n'));
  return r.image;
}

/** `machine` and `run` on one implementation. */
export function on<C extends TestCpu>(impl: Implementation<C>) {
  const machine = (src: string, opts: MachineOpts = {}): Machine<C> => new Machine<C>(asm(src, opts.isa ?? 'pg32+jrstu+gpsw+sflags+getr'), opts, impl);
  /** Assemble and run to a stop (default budget one million steps). */
  const run = (src: string, opts: MachineOpts & { maxSteps?: number } = {}): Machine<C> => machine(src, opts).run(opts.maxSteps);
  return { machine, run };
}

/** On the fast CPU. */
export const { machine, run } = on(FAST);

/**
 * Source that installs a trap handler at label `handler` (supervisor, base 0,
 * bound = whole storage) via the new PSW at physical 8..11.
 */
export const HANDLER_PSW = (mem = 4096, flags = 1) => `.org 8\n.word ${flags}, handler, 0, ${mem}\n.org 16\nstart:\n`;

export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;

/**
 * Stories for the `vt` extension (ISA.md "Extension vt"), told as small PG32
 * host programs: the host builds a control block C, runs `vmrun`, and the
 * test reads C and the host's state afterwards.
 *
 * The frame every story shares (host storage MEM, a partition of SIZE words
 * at host-physical PART):
 *
 *   .equ PART, …            ; the partition: guest-physical 0 is here
 *   .org 8                   ; the host's new PSW (only with a host handler)
 *   .org 16
 *   start:  <host>           ; host code before vmrun
 *           la   r13, cb
 *   vmrun:  vmrun r13
 *   after:  <after>          ; host code after vmrun (default: halt)
 *   hend:
 *   cb:     .word …          ; the 32 words of C
 *   .org PART + 8            ; the guest's new PSW (only with a guest handler)
 *   .org PART + 16
 *   gstart: <guest>          ; guest code; a label's guest-physical address is label - PART
 *   ghandler: <handler>
 *
 * Words 9 and 10 of C (exit code and info) start as SENTINEL, so a test sees
 * whether vmrun wrote them.
 *
 * Every story runs on both implementations of PG32: the fast CPU, which the
 * tests read, and the reference interpreter (src/ref/guest.ts), run
 * alongside and compared with it after every run, host, guest and storage
 * (`sameMachines`): so each story's assertions hold for the reference too.
 */
import { expect } from 'vitest';
import { EXITS, INTERCEPTS, VMCB, type InterceptName } from '../../src/isa/table.js';
import type { Cpu, StopReason } from '../../src/cpu/cpu.js';
import type { Console } from '../../src/cpu/devices.js';
import { machine, on, REFERENCE, type Machine } from '../harness.js';
import type { Reference } from '../../src/ref/interp.js';

export const MEM = 4096;
export const PART = 2048;
export const SIZE = 512;
/** what C words 9–10 hold before vmrun writes them */
export const SENTINEL = 0x5a5a5a5a;

export { EXITS, INTERCEPTS, VMCB };

/** a guest handler: the save area (guest-physical 0–5) into r1–r6, then `hlt: halt` (intercept HALT to see them in C) */
export const saveAreaToRegs = `
        ld r1, 0(r0)
        ld r2, 1(r0)
        ld r3, 2(r0)
        ld r4, 3(r0)
        ld r5, 4(r0)
        ld r6, 5(r0)
hlt:    halt`;

type W = number | string;

export interface Story {
  /** default 'pg32+vt' */
  isa?: string;
  mem?: number;
  part?: W;
  size?: W;
  /** guest PSW (C words 0–3): default supervisor, IE off, at gstart, base 0, bound SIZE */
  flags?: W;
  pc?: W;
  base?: W;
  bound?: W;
  timer?: W;
  pending?: W;
  /** C word 8: a mask or intercept names */
  intercepts?: W | InterceptName[];
  inject?: W;
  injectInfo?: W;
  /** initial guest registers (C words 16–31), by number */
  regs?: Record<number, W>;
  /** host code before `la r13, cb; vmrun r13` */
  host?: string;
  /** host code after vmrun; default `halt` */
  after?: string;
  /** host trap handler code (the host's new PSW at 8: supervisor, IE off, base 0, bound MEM) */
  hostHandler?: string;
  /** guest code at gstart (guest-physical 16) */
  guest: string;
  /** guest trap handler code at ghandler (the guest's new PSW at guest-physical 8) */
  handler?: string;
  /** the guest's new PSW flags (default supervisor, IE off) */
  handlerFlags?: W;
  /** anything else, appended as is (data, more code) */
  extra?: string;
  /** console input */
  input?: string;
}

export function mask(i: Story['intercepts']): W {
  if (i === undefined) return 0;
  if (Array.isArray(i)) return i.reduce((m, n) => m | INTERCEPTS[n], 0);
  return i;
}

/** The host program of a story, as PG32 source. */
export function source(s: Story): string {
  const mem = s.mem ?? MEM;
  const regs = Array.from({ length: 16 }, (_, r) => String(s.regs?.[r] ?? 0));
  return `
        .equ PART, ${s.part ?? PART}
        .equ SIZE, ${s.size ?? SIZE}
${s.hostHandler !== undefined ? `        .org 8\n        .word 1, hhandler, 0, ${mem}` : ''}
        .org 16
start:
${s.host ?? ''}
        la   r13, cb
vmrun:  vmrun r13
after:
${s.after ?? '        halt'}
hend:
${s.hostHandler !== undefined ? `hhandler:\n${s.hostHandler}` : ''}
cb:     .word ${s.flags ?? 1}, ${s.pc ?? 'gstart - PART'}, ${s.base ?? 0}, ${s.bound ?? 'SIZE'}
        .word ${s.timer ?? 0}, ${s.pending ?? 0}, PART, SIZE
        .word ${mask(s.intercepts)}, ${SENTINEL}, ${SENTINEL}, ${s.inject ?? 0}, ${s.injectInfo ?? 0}, 0, 0, 0
        .word ${regs.join(', ')}
${s.extra ?? ''}
${s.handler !== undefined ? `        .org PART + 8\n        .word ${s.handlerFlags ?? 1}, ghandler - PART, 0, SIZE` : ''}
        .org PART + 16
gstart:
${s.guest}
${s.handler !== undefined ? `ghandler:\n${s.handler}` : ''}
`;
}

export interface Block {
  flags: number;
  pc: number;
  base: number;
  bound: number;
  timer: number;
  pending: number;
  partBase: number;
  partSize: number;
  intercepts: number;
  code: number;
  info: number;
  inject: number;
  injectInfo: number;
  regs: number[];
}

/** A story's machine, built but not run; `twin` is the same story on the reference interpreter. */
export class VtMachine {
  constructor(
    readonly m: Machine,
    readonly twin?: Machine<Reference>,
  ) {}

  get cpu() {
    return this.m.cpu;
  }
  get reason() {
    return this.m.reason;
  }
  get out() {
    return this.m.out;
  }
  run(steps = 100_000): this {
    this.steps(steps);
    return this;
  }
  /** Run both implementations `n` steps and compare them; the fast CPU's stop reason. */
  steps(n: number): StopReason {
    this.m.run(n);
    if (this.twin) {
      this.twin.run(n);
      sameMachines(this.m, this.twin);
    }
    return this.m.reason!;
  }
  sym(name: string): number {
    return this.m.sym(name);
  }
  /** a guest label's guest-physical address */
  gsym(name: string): number {
    return this.m.sym(name) - this.m.sym('PART');
  }
  /** the control block now */
  get cb(): Block {
    const at = this.m.sym('cb');
    const w = (k: number) => this.m.word(at + k);
    return {
      flags: w(0),
      pc: w(1) >>> 0,
      base: w(2) >>> 0,
      bound: w(3) >>> 0,
      timer: w(4) >>> 0,
      pending: w(5),
      partBase: w(6),
      partSize: w(7),
      intercepts: w(8),
      code: w(9),
      info: w(10),
      inject: w(11),
      injectInfo: w(12),
      regs: Array.from({ length: 16 }, (_, r) => w(16 + r)),
    };
  }
  /** guest-physical word */
  gword(p: number): number {
    return this.m.word(this.m.sym('PART') + p);
  }
  /** the guest's save area (guest-physical 0–5) */
  get gsaved() {
    return { flags: this.gword(0), pc: this.gword(1) >>> 0, base: this.gword(2) >>> 0, bound: this.gword(3) >>> 0, cause: this.gword(4), info: this.gword(5) };
  }
  /** the instruction word at a label */
  wordAt(label: string): number {
    return this.m.word(this.m.sym(label));
  }

  /** The host ran vmrun once, the guest exited, and the host ran its `after` code to its final halt. */
  expectExit(code: number, info?: number): this {
    expect(this.reason, `stopped by ${this.reason}${this.cpu.checkStop ? ' ' + JSON.stringify(this.cpu.checkStop) : ''}`).toBe('halt');
    expect(this.cpu.guest, 'still in guest mode').toBeNull();
    expect(this.cpu.pc, 'host resumes after vmrun and halts at the end').toBe(this.sym('hend'));
    expect(this.cb.code, 'exit code').toBe(code);
    if (info !== undefined) expect(this.cb.info, 'exit info').toBe(info);
    return this;
  }
}

export function story(s: Story): VtMachine {
  const opts = { isa: s.isa ?? 'pg32+vt', memWords: s.mem ?? MEM, input: s.input };
  const src = source(s);
  return new VtMachine(machine(src, opts), on(REFERENCE).machine(src, opts));
}

/** The fast CPU and the reference interpreter ran a story to the same place: stop reason, host, guest (if in guest mode), storage, console. */
export function sameMachines(a: Machine, b: Machine<Reference>): void {
  const state = (m: Machine<Cpu | Reference>, guest: { regs: Int32Array; flags: number; pc: number; base: number; bound: number; timer: number; pending: boolean } | undefined) => {
    const c = m.cpu;
    return {
      reason: m.reason,
      regs: [...c.regs],
      psw: [c.flags, c.pc, c.base, c.bound],
      timer: c.timer,
      pending: c.pending,
      instret: c.instret,
      halted: c.halted,
      checkStop: c.checkStop,
      traps: [...c.traps],
      guest: guest && { regs: [...guest.regs].slice(1), psw: [guest.flags, guest.pc, guest.base, guest.bound], timer: guest.timer, pending: guest.pending },
      out: [...m.console.output()],
      read: m.console.inputPosition(),
    };
  };
  expect(state(b, b.cpu.guest?.cpu), 'the reference interpreter ends where the fast CPU does').toEqual(state(a, a.cpu.guest?.cpu));
  const ma = a.cpu.mem;
  const mb = b.cpu.mem;
  for (let p = 0; p < ma.length; p++) if (ma[p] !== mb[p]) expect(mb[p], `storage word ${p}: the reference interpreter vs the fast CPU`).toBe(ma[p]);
}

/** Build and run a story (default budget 100,000 steps). */
export function runStory(s: Story, steps = 100_000): VtMachine {
  return story(s).run(steps);
}

/**
 * The guest of a story as a plain program on a bare PG32 the partition's
 * size: its part of the source with PART = 0, loaded, then the PSW, TIMER,
 * pending interrupt and registers set from the story's control block (as
 * vmrun would load them).
 */
export function bare(s: Story): Machine {
  const size = Number(s.size ?? SIZE);
  const src = source({ ...s, part: 0, size }).replace(/^[\s\S]*?\n(\s*\.org PART \+ (8|16)\n)/, '        .equ PART, 0\n        .equ SIZE, ' + size + '\n$1');
  const m = machine(src, { isa: (s.isa ?? 'pg32+vt').replace(/-vt$|\+vt/, '') || 'pg32', memWords: size, input: s.input });
  const cpu = m.cpu;
  const num = (v: W | undefined, d: number) => (v === undefined ? d : typeof v === 'number' ? v : Number.NaN);
  const sym = (v: W | undefined, d: number) => {
    const n = num(v, d);
    return Number.isNaN(n) ? evalIn(m, String(v)) : n;
  };
  cpu.flags = sym(s.flags, 1) & 3;
  cpu.pc = sym(s.pc, m.sym('gstart')) >>> 0;
  cpu.base = sym(s.base, 0) >>> 0;
  cpu.bound = sym(s.bound, size) >>> 0;
  cpu.timer = sym(s.timer, 0) >>> 0;
  cpu.pending = sym(s.pending, 0) !== 0;
  for (const [r, v] of Object.entries(s.regs ?? {})) cpu.regs[Number(r)] = sym(v, 0);
  cpu.regs[0] = 0;
  return m;
}

/** a story's expression (`gstart - PART - 8`, `SIZE`) evaluated with the bare program's symbols */
function evalIn(m: Machine, expr: string): number {
  const js = expr.replace(/[A-Za-z_][A-Za-z0-9_]*/g, (name) => String(m.sym(name)));
  if (!/^[-+*/()\d\s]+$/.test(js)) throw new Error(`cannot evaluate ${expr}`);
  return Function(`return (${js})`)() as number;
}

/**
 * Run the story in a guest (HALT intercepted) and as a bare program; the
 * guest exits INSTR at the halt where the bare machine halts (one instruction
 * later), with the same registers, mode, relocation and storage.
 */
export function sameAsBare(s: Story) {
  const g = runStory({ ...s, intercepts: ['HALT'] }).expectExit(EXITS.INSTR);
  const b = bare(s).run(100_000).expectHalt();
  expect(g.cb.regs).toEqual([...b.cpu.regs]);
  expect({ flags: g.cb.flags, pc: g.cb.pc + 1, base: g.cb.base, bound: g.cb.bound }).toEqual({ flags: b.cpu.flags, pc: b.cpu.pc, base: b.cpu.base, bound: b.cpu.bound });
  const size = Number(s.size ?? SIZE);
  for (let p = 0; p < size; p++) if (g.gword(p) !== b.word(p)) expect(g.gword(p), `guest-physical ${p}`).toBe(b.word(p));
  expect(g.out).toBe(b.out);
  // The bare halt completes (one more instruction, one more TIMER tick); the intercepted one does not.
  const t = g.cb.timer;
  expect({ timer: t > 0 ? t - 1 : 0, pending: g.cb.pending === 1 || t === 1 }).toEqual({ timer: b.cpu.timer, pending: b.cpu.pending });
  if (s.host === undefined && s.after === undefined) {
    const hostInstructions = g.sym('vmrun') - g.sym('start') + 2; // up to vmrun, vmrun itself, the final halt
    expect(g.cpu.instret - hostInstructions, 'guest instructions').toBe(b.cpu.instret - 1);
  }
  return g;
}


/** The whole machine state: the host, storage, the console, and the guest processor while in guest mode. */
export function wholeState(cpu: Cpu, con: Console) {
  let h = 0;
  for (let i = 0; i < cpu.mem.length; i++) h = (Math.imul(h, 31) + cpu.mem[i]!) | 0;
  const g = cpu.guest;
  return {
    regs: [...cpu.regs], flags: cpu.flags, pc: cpu.pc, base: cpu.base, bound: cpu.bound, timer: cpu.timer, pending: cpu.pending,
    instret: cpu.instret, delivered: cpu.delivered, halted: cpu.halted, checkStop: cpu.checkStop, mem: h, out: con.text(),
    guest: g && { cb: g.cb, inject: g.injectCause, regs: [...g.cpu.regs], flags: g.cpu.flags, pc: g.cpu.pc, base: g.cpu.base, bound: g.cpu.bound, timer: g.cpu.timer, pending: g.cpu.pending },
  };
}

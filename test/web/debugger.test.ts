/**
 * The playground's debugger, in Node: the same code the machine worker runs.
 * Its hooked trap delivery must give exactly the bare CPU's results, and
 * reverse execution (src/debug's checkpoints + replay) must land exactly
 * where a fresh run of the same number of steps lands.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assemble, type IncludeReader } from '../../src/asm/index.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { isaOrThrow } from '../../src/isa/table.js';
import { DebugSession } from '../../web/src/machine/debugger.js';
import { examples } from '../../web/build.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { programs, type Program } from '../library.js';

const MEM = 65536;
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** `.include` from disk, relative to the including file (programs/vmm/ includes ../lib/). */
const include: IncludeReader = (path, from) => {
  const name = join(dirname(from), path);
  return existsSync(name) ? { name, text: readFileSync(name, 'utf8') } : { error: `no such file '${name}'` };
};

function session(p: Pick<Program, 'source' | 'isa' | 'input'> & { path?: string }, name = p.path ?? 'prog.s'): DebugSession {
  const r = DebugSession.load({ source: p.source, file: name, isa: p.isa, memWords: MEM, include });
  if (!('session' in r)) throw new Error(r.errors.map((e) => e.message).join('\n'));
  r.session.console.feed(p.input);
  r.session.console.end();
  return r.session;
}

/** Everything a program can observe or leave behind. */
function state(cpu: Cpu, output: Uint8Array) {
  let h = 0;
  for (let i = 0; i < cpu.mem.length; i++) h = (Math.imul(h, 31) + cpu.mem[i]!) | 0;
  return {
    regs: [...cpu.regs],
    psw: [cpu.flags, cpu.pc, cpu.base, cpu.bound],
    timer: cpu.timer,
    pending: cpu.pending,
    halted: cpu.halted,
    checkStop: cpu.checkStop,
    instret: cpu.instret,
    traps: [...cpu.traps],
    storage: h,
    output: decode(output),
  };
}

function bare(p: Program, steps: number) {
  const console = new Console(p.input);
  const cpu = new Cpu({ isa: isaOrThrow(p.isa), memWords: MEM, devices: console });
  const a = assemble(p.source, p.path || p.name, { isa: isaOrThrow(p.isa), include });
  cpu.load(a.image!);
  if (steps > 0) cpu.run(steps); // the budget counts steps exactly
  return state(cpu, console.output());
}

// A paravirtual program (one with an unmodified twin) runs only under a monitor; the debugger is the bare machine.
const all = programs().filter((p) => p.twin === undefined);

describe('debugger: hooked trap delivery', () => {
  for (const p of all) {
    it(`${p.name}: runs to the same end state as the bare CPU, every trap logged`, () => {
      const s = session(p);
      const stop = s.advance(10_000_000, null);
      expect(['halt', 'checkstop']).toContain(stop);
      expect(state(s.cpu, s.console.output())).toEqual(bare(p, 10_000_000));
      if (p.expected !== undefined) expect(decode(s.console.output())).toBe(p.expected);
      const log = s.traps(1e9);
      expect(log.total).toBe(s.cpu.trapCount);
      for (let c = 1; c < 8; c++) expect(log.entries.filter((e) => e.cause === c).length).toBe(s.cpu.traps[c]);
    });
  }
});

describe('debugger: reverse execution', () => {
  for (const p of all) {
    it(`${p.name}: going back to any step gives the state a fresh run of that many steps gives`, () => {
      const s = session(p);
      s.advance(10_000_000, null);
      const end = s.position();
      // Back to steps near the end, the middle and the start; then forward
      // (by running) and back again.
      const check = (t: number) => {
        expect(s.position()).toBe(t);
        expect(state(s.cpu, s.console.output()), `${p.name} at step ${t}`).toEqual(bare(p, t));
        expect(s.traps(1e9).entries.every((e) => e.at < t)).toBe(true);
      };
      for (const t of [end - 1, end - 2, Math.floor(end / 2), 3, 0]) {
        s.history.seek(t);
        check(t);
      }
      const third = Math.floor(end / 3);
      s.advance(third, null);
      check(third);
      s.history.seek(third - 1);
      check(third - 1);
      // And forward again from the past, to the same end.
      s.advance(10_000_000, null);
      expect(s.position()).toBe(end);
      expect(state(s.cpu, s.console.output())).toEqual(bare(p, end));
    });
  }

  it('keeps few checkpoints over a long run, within its byte budget, and reverse steps one at a time stay exact', () => {
    const count = { source: '        li r1, 3000000\nloop:   addi r1, r1, -1\n        bne r1, r0, loop\n        halt\n', isa: 'pg32', input: new Uint8Array(0) };
    const s = session(count);
    for (let i = 0; i < 200; i++) s.advance(40_000, null); // a long run in chunks, as the worker runs it
    s.advance(10_000_000, null);
    expect(s.cpu.halted).toBe(true);
    const end = s.position();
    // The spacing grows with the run (1/64 of it, src/debug/history.ts): logarithmically many checkpoints, not one per interval.
    const h = s.history.history;
    expect(h.size).toBeGreaterThan(10);
    expect(h.size).toBeLessThanOrEqual(64 * (1 + Math.log(end / (64 * h.interval))) + 4);
    expect(h.size).toBeLessThan(end / h.interval / 2);
    // From the end: before halt (r1 = 0), before the last bne, the last addi (r1 = 1), a bne, an addi (r1 = 2).
    const r1: number[] = [];
    for (let k = 1; k <= 5; k++) {
      s.reverse(1);
      expect(s.position()).toBe(end - k);
      r1.push(s.cpu.regs[1]!);
    }
    expect(s.cpu.halted).toBe(false);
    expect(r1).toEqual([0, 0, 1, 1, 2]);
  });

  it('thins old history to stay within its byte budget, and still goes back exactly', () => {
    // Round after round the program writes the round's number into 15 storage pages: each checkpoint holds 15 new pages.
    const source = ['        li r5, 40', 'round:  li r2, 0x1000', 'loop:   st r5, 0(r2)', '        addi r2, r2, 0x1000', '        li r4, 0x10000', '        bne r2, r4, loop',
      '        li r3, 5000', 'spin:   addi r3, r3, -1', '        bne r3, r0, spin', '        addi r5, r5, -1', '        bne r5, r0, round', '        halt', ''].join('\n');
    const image = assemble(source, 'pages.s').image!;
    const run = (budget?: number) => {
      const s = new DebugSession(image, isaOrThrow('pg32'), MEM, budget);
      s.console.end();
      expect(s.advance(10_000_000, null)).toBe('halt');
      return s;
    };
    const whole = run();
    const budget = 1024 * 1024;
    const thin = run(budget);
    expect(whole.history.history.heldBytes).toBeGreaterThan(2 * budget);
    expect(thin.history.history.heldBytes).toBeLessThanOrEqual(budget);
    expect(thin.history.history.size).toBeLessThan(whole.history.history.size);
    const p = { source, isa: 'pg32', input: new Uint8Array(0), name: 'pages.s', path: 'pages.s' } as Program;
    const end = thin.position();
    for (const t of [end - 1, Math.floor(end / 2), 1]) {
      thin.history.seek(t);
      expect(state(thin.cpu, thin.console.output()), `step ${t}`).toEqual(bare(p, t));
    }
  });
});

describe('debugger: vt guest mode', () => {
  // A host that runs a three-instruction guest with vmrun; the guest's halt is intercepted (exit INSTR, 16).
  const host = [
    '        .equ PART, 0x1000',
    'start:  la r3, guest',
    '        li r4, PART',
    '        li r5, guest_end - guest',
    'copy:   ld r6, 0(r3)',
    '        st r6, 0(r4)',
    '        addi r3, r3, 1',
    '        addi r4, r4, 1',
    '        addi r5, r5, -1',
    '        bnez r5, copy',
    '        la r7, cb',
    '        vmrun r7',
    '        ld r1, 9(r7)        ; the exit code',
    '        out r1, 2',
    '        halt',
    'guest:  addi r1, r1, 1',
    '        addi r1, r1, 2',
    '        addi r1, r1, 3',
    '        halt',
    'guest_end:',
    'cb:     .word 1, 0, 0, 64   ; guest PSW: supervisor, pc 0, base 0, bound 64',
    '        .word 0, 0, PART, 64, 2 ; TIMER, pending, partition, size, intercepts: HALT',
    '        .word 0, 0, 0, 0, 0, 0, 0',
    '        .space 16',
  ].join('\n');
  const p = { name: 'vt.s', path: '', source: host, isa: 'pg32+vt', input: new Uint8Array(0), expected: '16', twin: undefined };

  it('runs into guest mode and out, and steps back through it exactly', () => {
    const s = session(p);
    expect(s.advance(1000, null)).toBe('halt');
    expect(decode(s.console.output())).toBe('16');
    const end = s.position();
    expect(state(s.cpu, s.console.output())).toEqual(bare(p, end));
    for (let t = end - 1; t >= end - 8; t--) {
      s.history.seek(t);
      expect(state(s.cpu, s.console.output()), `step ${t}`).toEqual(bare(p, t));
    }
    // Three steps before the end (exit, ld, out, then halt) the machine is in guest mode, at the guest's halt.
    s.advance(end - 3 - s.position(), null);
    expect(s.position()).toBe(end - 3);
    expect(s.cpu.guest).not.toBeNull();
    expect(s.nextInstruction()).toBe('halt  (in guest mode)');
    s.advance(1, null);
    expect(s.cpu.guest).toBeNull();
  });

  it('takes checkpoints inside guest mode and goes back to them exactly (the guest processor included)', () => {
    // The guest counts down from 60,000 before its halt: long enough for checkpoints taken while it runs.
    const long = { ...p, source: host.replace("guest:  addi r1, r1, 1\n        addi r1, r1, 2\n        addi r1, r1, 3", 'guest:  li r2, 60000\ng1:     addi r2, r2, -1\n        bnez r2, g1'), expected: '16' };
    const s = session(long);
    expect(s.advance(1_000_000, null)).toBe('halt');
    expect(decode(s.console.output())).toBe('16');
    const guest = (cpu: Cpu) => (cpu.guest ? { regs: [...cpu.guest.cpu.regs], pc: cpu.guest.cpu.pc, instret: cpu.guest.cpu.instret } : null);
    for (const t of [100_000, 70_000, 40_000, 20_000]) {
      const cp = s.history.history.at(t)!;
      s.history.seek(t);
      const fresh = new Cpu({ isa: isaOrThrow('pg32+vt'), memWords: MEM, devices: new Console() });
      fresh.load(assemble(long.source, 'vt.s', { isa: isaOrThrow('pg32+vt') }).image!);
      fresh.run(t);
      expect(state(s.cpu, s.console.output()), `step ${t}`).toEqual(state(fresh, new Uint8Array(0)));
      expect(guest(s.cpu), `guest at step ${t}`).toEqual(guest(fresh));
      if (t === 40_000) expect(cp.state.cpu.guest, 'a checkpoint taken in guest mode').not.toBeNull();
    }
  });
});

describe('debugger: programs that .include others', () => {
  // Regression: the source map of an included file (vmm/core.s, lib/*.s) gave its own line numbers,
  // which the page took for the editor's: breakpoints landed in core.s, and the pc line jumped about.
  it('gutter, breakpoints, the pc line and the trap log use the editor file\'s lines only', () => {
    const type1 = programs().find((p) => p.name === 'vmm/type1.s')!;
    const s = session({ ...type1, path: 'programs/vmm/type1.s' });
    const lines = type1.source.split('\n').length;
    expect(new Set([...s.image.sourceMap.values()].map((l) => l.file)).size).toBeGreaterThan(1); // it does include others
    expect(Math.max(...s.codeLines())).toBeLessThanOrEqual(lines);
    // A breakpoint on every code line of type1.s: each hit is on a line of type1.s, at an address of type1.s.
    const code = s.codeLines();
    expect(s.setBreakpoints(code)).toEqual(code);
    const hit = s.advance(1_000_000, s.position());
    expect(hit).toBe('breakpoint');
    expect(s.image.sourceMap.get(s.physicalPc())!.file).toBe('programs/vmm/type1.s');
    // Running on: in core.s's code the editor has no line, and the next instruction names core.s.
    s.setBreakpoints([]);
    let sawCore = false;
    for (let i = 0; i < 5000 && !s.cpu.halted; i++) {
      s.advance(1, null);
      const loc = s.image.sourceMap.get(s.physicalPc());
      if (loc && loc.file !== 'programs/vmm/type1.s') {
        sawCore = true;
        expect(s.currentLine()).toBeNull();
        expect(s.nextInstruction()).toMatch(/\((vmm|lib)\/[a-z0-9]+\.s:\d+\)$/);
      } else if (loc) expect(s.currentLine()).toBe(loc.line);
    }
    expect(sawCore).toBe(true);
    s.advance(10_000_000, null);
    expect(s.traps(1e9).entries.every((e) => e.line === null || e.line <= lines)).toBe(true);
  });
});

describe('debugger: programs loaded beside the main one (--load)', () => {
  /** programs/ as the page reads it: names relative to the including file, else to programs/ */
  const fromPrograms: IncludeReader = (path, from) => {
    const name = join(from ? dirname(from) : 'programs', path);
    return existsSync(name) ? { name, text: readFileSync(name, 'utf8') } : { error: `no such file '${name}'` };
  };
  const type1 = readFileSync('programs/vmm/type1.s', 'utf8');

  it('type1.s runs hello.s and sieve.s as its guests, as `trapeze run --load` does', async () => {
    const loads = ['hello.s@0x4000', 'sieve.s@0x8000'];
    const r = DebugSession.load({ source: type1, file: 'programs/vmm/type1.s', isa: 'auto', memWords: 1 << 20, include: fromPrograms, loads });
    if (!('session' in r)) throw new Error(r.errors.map((e) => e.message).join('\n'));
    r.session.console.end();
    expect(r.session.advance(10_000_000, null)).toBe('halt');
    const files = Object.fromEntries(['vmm/type1.s', 'vmm/core.s', 'lib/boot.s', 'lib/itoa.s', 'lib/print.s', 'hello.s', 'sieve.s'].map((f) => [f, readFileSync(`programs/${f}`, 'utf8')]));
    const io = memoryIo(files);
    expect(await main(['run', 'vmm/type1.s', '--mem', String(1 << 20), ...loads.flatMap((l) => ['--load', l])], io), io.stderr()).toBe(0);
    expect(decode(r.session.console.output())).toBe(io.stdout());
    expect(io.stdout()).toContain('[hello] Hello, world!');
    // The examples menu gives type1.s these loads, from the command in its header.
    expect(examples().find((e) => e.path === 'vmm/type1.s')!.loads).toEqual(loads);
  });

  it('a bad --load is one line naming it', () => {
    const bad = (loads: string[]) => {
      const r = DebugSession.load({ source: type1, file: 'programs/vmm/type1.s', isa: 'auto', memWords: 1 << 20, include: fromPrograms, loads });
      return 'errors' in r ? r.errors.map((e) => e.message) : [];
    };
    expect(bad(['hello.s'])).toEqual([expect.stringMatching(/^--load 'hello.s' is not FILE@ADDR/)]);
    expect(bad(['nowhere.s@0x4000'])).toEqual([expect.stringMatching(/^--load nowhere.s@0x4000: no such file/)]);
    expect(bad(['hello.s@0x10'])).toEqual([expect.stringMatching(/^--load hello.s@0x10: words 0x20..0x\w+ overlap the main program/)]);
    expect(bad(['hello.s@0xFFFFF'])).toEqual([expect.stringMatching(/^--load hello.s@0xFFFFF: .* do not fit below the boot table/)]);
    expect(bad(['hello.s@0x4000', 'sieve.s@0x4000'])).toEqual([expect.stringMatching(/overlap/)]);
  });
});

describe('debugger: breakpoints', () => {
  const src = ['start:  li r1, 3', 'loop:   addi r1, r1, -1', '        ; a comment line', '        bne r1, r0, loop', '        halt'].join('\n');

  it('stops before the instruction of a breakpoint line, every time round the loop, and not where it starts', () => {
    const s = session({ source: src, isa: 'pg32', input: new Uint8Array(0) });
    expect(s.setBreakpoints([2])).toEqual([2]);
    const hits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = s.advance(1000, s.position());
      if (r !== 'breakpoint') {
        expect(r).toBe('halt');
        break;
      }
      expect(s.currentLine()).toBe(2);
      hits.push(s.cpu.regs[1]!);
    }
    expect(hits).toEqual([3, 2, 1]);
  });

  it('a breakpoint on a line without code breaks at the next line that has some', () => {
    const s = session({ source: src, isa: 'pg32', input: new Uint8Array(0) });
    expect(s.setBreakpoints([3])).toEqual([4]);
    expect(s.advance(1000, s.position())).toBe('breakpoint');
    expect(s.currentLine()).toBe(4);
  });
});

describe('debugger: console input', () => {
  const echo = all.find((p) => p.name === 'echo.s')!;

  it('a read with nothing typed yet waits before the `in`, and goes on when input comes', () => {
    const r = DebugSession.load({ source: echo.source, file: 'echo.s', isa: 'pg32', memWords: MEM });
    if (!('session' in r)) throw new Error('echo.s did not assemble');
    const s = r.session;
    expect(s.advance(1000, null)).toBe('waiting');
    expect(s.nextInstruction()).toMatch(/^in\b/);
    const waitedAt = s.position();
    s.console.feed(new TextEncoder().encode('hé\n'));
    expect(s.advance(1000, null)).toBe('waiting');
    expect(decode(s.console.output())).toBe('hé\n');
    expect(s.position()).toBeGreaterThan(waitedAt);
    s.console.end();
    expect(s.advance(1000, null)).toBe('halt');
    // Reverse into the middle and forward again: the same bytes are read.
    s.reverse(6);
    expect(s.advance(1000, null)).toBe('halt');
    expect(decode(s.console.output())).toBe('hé\n');
  });
});

describe('debugger: loading', () => {
  it('reports every assembly error with its line and column', () => {
    const r = DebugSession.load({ source: 'start: addi r1, r2\n  bogus r1\n  li r1, 99999999999\n', file: 'bad.s', isa: 'auto', memWords: MEM });
    expect('errors' in r && r.errors.map((e) => e.line)).toEqual([1, 2, 3]);
  });

  it('an unknown ISA name is one error, not an exception', () => {
    const r = DebugSession.load({ source: 'halt\n', file: 'x.s', isa: 'pg33', memWords: MEM });
    expect('errors' in r && r.errors[0]!.message).toMatch(/unknown ISA 'pg33'/);
  });
});

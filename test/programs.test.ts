/**
 * The example programs (programs/**\/*.s) as end-to-end tests: every program
 * with a P.expected file is assembled, run on the bare machine with P.input
 * (if any) as console input, and must halt with exactly P.expected on the
 * console. The mini kernel (programs/os/kernel.s) is also checked for what it
 * is meant to show, not only for matching its file: every task's output, the
 * fault messages, and that a misbehaving task does not stop the others.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../src/asm/index.js';
import { Cpu, type StopReason } from '../src/cpu/cpu.js';
import { Console } from '../src/cpu/devices.js';
import { CAUSES, isaOrThrow } from '../src/isa/table.js';
import { includedFiles } from './library.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROGRAMS = join(ROOT, 'programs');
const MAX_STEPS = 50_000_000;

interface Run {
  readonly reason: StopReason;
  readonly out: string;
  readonly cpu: Cpu;
}

/** Assemble a program (for its own `.isa`, else pg32) and run it on that ISA to a stop. */
function runProgram(path: string): Run {
  const file = relative(ROOT, path);
  const source = readFileSync(path, 'utf8');
  const r = assemble(source, file);
  if (!r.image) throw new Error(`${file} does not assemble:\n${r.errors.map(formatError).join('\n')}`);
  const isa = isaOrThrow(r.image.isa ?? 'pg32');
  const inputPath = path.replace(/\.s$/, '.input');
  const input = existsSync(inputPath) ? new Uint8Array(readFileSync(inputPath)) : new Uint8Array(0);
  const console = new Console(input);
  const cpu = new Cpu({ isa, devices: console });
  cpu.load(r.image);
  const reason = cpu.run(MAX_STEPS);
  return { reason, out: console.text(), cpu };
}

// Files that programs include (programs/lib/, programs/vmm/core.s) are parts, not programs.
const parts = includedFiles();
const sources = (readdirSync(PROGRAMS, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.s'))
  .map((f) => join(PROGRAMS, f))
  .filter((p) => !parts.has(p))
  .sort();
const withExpected = sources.filter((p) => existsSync(p.replace(/\.s$/, '.expected')));

describe('example programs', () => {
  it('the library is there', () => {
    const names = withExpected.map((p) => relative(PROGRAMS, p));
    for (const n of ['hello.s', 'arith.s', 'fib.s', 'factorial.s', 'sieve.s', 'sort.s', 'strings.s', 'echo.s', 'os/kernel.s']) {
      expect(names).toContain(n);
    }
  });

  for (const path of withExpected) {
    const name = relative(PROGRAMS, path);
    it(`${name} halts with exactly ${name.replace(/\.s$/, '.expected')}`, () => {
      const { reason, out, cpu } = runProgram(path);
      expect(cpu.checkStop).toBeNull();
      expect(reason).toBe('halt');
      expect(out).toBe(readFileSync(path.replace(/\.s$/, '.expected'), 'utf8'));
    });
  }

  it('every program ends with halt and has a header comment', () => {
    for (const path of sources) {
      const lines = readFileSync(path, 'utf8').split('\n');
      expect(lines[0], relative(ROOT, path)).toMatch(/^; \S+\.s — /);
      // (a task of the mini kernel, like the hosted monitor type2.s, ends with svc 0: exit)
      expect(/^\s*(halt\b|svc\s+0\s*(;|$))/m.test(lines.join('\n')), relative(ROOT, path)).toBe(true);
    }
  });
});

describe('timer.s and traps.s', () => {
  it('timer.s takes exactly five timer interrupts', () => {
    const { cpu } = runProgram(join(PROGRAMS, 'timer.s'));
    expect(cpu.traps[CAUSES.TIMER]).toBe(5);
  });

  it('traps.s takes every synchronous cause and no check-stop', () => {
    const { cpu } = runProgram(join(PROGRAMS, 'traps.s'));
    expect(cpu.traps[CAUSES.PRIV]).toBe(3);
    expect(cpu.traps[CAUSES.ILLEGAL]).toBe(1);
    expect(cpu.traps[CAUSES.MEMORY]).toBe(1);
    expect(cpu.traps[CAUSES.SVC]).toBe(3);
    expect(cpu.traps[CAUSES.ARITH]).toBe(1);
  });
});

describe('the mini kernel (programs/os/kernel.s)', () => {
  const k = runProgram(join(PROGRAMS, 'os', 'kernel.s'));
  const lines = k.out.split('\n');
  const at = (line: string) => {
    const i = lines.indexOf(line);
    expect(i, `output line "${line}"`).toBeGreaterThanOrEqual(0);
    return i;
  };
  const atMatch = (re: RegExp) => {
    const i = lines.findIndex((l) => re.test(l));
    expect(i, `an output line matching ${re}`).toBeGreaterThanOrEqual(0);
    return i;
  };

  it('halts normally', () => {
    expect(k.cpu.checkStop).toBeNull();
    expect(k.reason).toBe('halt');
  });

  it("shows every task's output, each line whole", () => {
    // task A counts 1..5 in order, then its total (1+..+10n summed over n = 1..5)
    const counts = [1, 2, 3, 4, 5].map((n) => at(`A: count ${n}`));
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    expect(at('A: total 2825')).toBeGreaterThan(counts[4]!);
    // task B prints its word four times
    expect(lines.filter((l) => l === 'B: hello')).toHaveLength(4);
    // task C reads its input with getc, and prints 10! with puts + putnum + putc
    at('C: read pg32 rocks');
    at('C: 10! = 3628800');
    // every line is a whole line of one task or of the kernel: nothing interleaved
    for (const l of lines.slice(0, -1)) {
      expect(l).toMatch(/^(A: count [1-5]|A: total 2825|B: hello|C: read pg32 rocks|C: 10! = 3628800|kernel: .*|  task [ABC]: .*)$/);
    }
    expect(lines.at(-1)).toBe('');
  });

  it('runs the tasks interleaved (timer preemption, round robin)', () => {
    const firstB = at('B: hello');
    expect(firstB).toBeLessThan(at('A: count 5'));
    expect(at('C: read pg32 rocks')).toBeLessThan(at('A: count 5'));
    expect(k.cpu.traps[CAUSES.TIMER]).toBeGreaterThan(10);
    // the summary's preemption counts add up to the timer interrupts the machine took
    const preempted = lines.map((l) => /^ {2}task [ABC]: .*, preempted (\d+) times$/.exec(l)).filter((m) => m !== null);
    expect(preempted).toHaveLength(3);
    expect(preempted.reduce((s, m) => s + Number(m[1]), 0)).toBe(k.cpu.traps[CAUSES.TIMER]);
  });

  it('reports the privileged instruction and the memory fault, ending only the offending task', () => {
    const priv = atMatch(/^kernel: task B: privileged instruction 0x45000000 in user mode; task ended$/);
    const mem = atMatch(/^kernel: task C: memory fault at virtual address 0x00000500 \(bound 0x00000400\); task ended$/);
    expect(k.cpu.traps[CAUSES.PRIV]).toBe(1);
    expect(k.cpu.traps[CAUSES.MEMORY]).toBe(1);
    // B printed all its words before it misbehaved, and nothing after
    expect(lines.slice(priv).filter((l) => l.startsWith('B:'))).toEqual([]);
    expect(lines.slice(mem).filter((l) => l.startsWith('C:'))).toEqual([]);
    // the others went on after each fault: A finished its work and exited normally
    expect(lines.slice(priv + 1).some((l) => l.startsWith('A: count'))).toBe(true);
    expect(lines.slice(mem + 1).some((l) => l.startsWith('A:'))).toBe(true);
    const exit = at('kernel: task A: exited with status 0');
    expect(exit).toBeGreaterThan(Math.max(priv, mem));
  });

  it('prints a summary when all tasks have ended, then halts', () => {
    const done = at('kernel: all tasks ended');
    expect(lines.slice(done + 1, done + 4).map((l) => l.replace(/, preempted \d+ times$/, ''))).toEqual([
      '  task A: exited',
      '  task B: ended (privileged instruction)',
      '  task C: ended (memory fault)',
    ]);
    expect(done).toBe(lines.length - 5);
  });

  it('is deterministic', () => {
    expect(runProgram(join(PROGRAMS, 'os', 'kernel.s')).out).toBe(k.out);
  });
});

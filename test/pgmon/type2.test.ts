/**
 * The hosted arrangement: the mini kernel (programs/os/kernel.s) as host
 * operating system, programs/vmm/type2.s as its task D, guests inside that
 * task's partition run through the kernel's run-guest service (svc 5).
 * Every guest prints what it prints on the bare machine, and the kernel's
 * own tasks print what they print without the monitor beside them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import type { Image } from '../../src/image.js';
import { PG32 } from '../../src/isa/table.js';
import { programs } from '../library.js';
import { program, source } from '../fuzz/generator.js';
import { underType2 } from './fuzz.js';
import { arrange, asShown, bare, guest, runImage, verdictOf, type Load } from './harness.js';

const KERNEL = 'programs/os/kernel.s';
const TYPE2 = 'programs/vmm/type2.s';
const MEM_WORDS = 0x20000;
const SLOT = 0x4000;
/** The monitor's partition, task D's storage: its guests are loaded inside it. */
const TASK = { at: 0x2000, size: 0x1c000 };

const library = programs().filter((p) => p.isa === 'pg32' && p.expected !== undefined);
const kernelInput = library.find((p) => p.name === 'os/kernel.s')!.input;
let bareKernel: string | undefined;
/** The kernel's own run, without the monitor beside it. */
const kernelAlone = () => (bareKernel ??= bare(KERNEL, MEM_WORDS, kernelInput).out);
const kernelLines = (out: string) => out.split('\n').filter((l) => /^([ABC]: |kernel: task [ABC]|  task [ABC]: )/.test(l));

/** The host kernel with type2.s as task D and these guests inside it (addresses in task D's storage). */
function hosted(guests: Load[], input: Uint8Array = kernelInput, maxSteps = 100_000_000) {
  const loads = [{ file: TYPE2, at: TASK.at, size: TASK.size }, ...guests.map((g) => ({ ...g, at: TASK.at + g.at }))];
  return runImage(arrange(KERNEL, loads, MEM_WORDS), MEM_WORDS, input, maxSteps);
}

function asm(src: string): Image {
  const r = assemble(src, 'guest.s', { isa: PG32 });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

describe('type2.s hosted by the mini kernel', () => {
  const quiet = library.filter((p) => p.input.length === 0 && p.name !== 'os/kernel.s').map((p) => p.name);
  const groups: string[][] = [];
  for (let i = 0; i < quiet.length; i += 5) groups.push(quiet.slice(i, i + 5));

  for (const names of groups) {
    it(`runs ${names.join(', ')} beside the kernel's own tasks, each as on the bare machine`, () => {
      const r = hosted(names.map((n, i) => ({ file: `programs/${n}`, at: SLOT * (i + 1), size: SLOT })));
      expect(r.reason).toBe('halt');
      for (const n of names) {
        const tag = n.replace(/\.s$/, '');
        const b = bare(`programs/${n}`, SLOT);
        const g = guest(r.out, [tag], 'type2');
        expect(g.text, n).toBe(asShown(b.out));
        expect(g.verdict, n).toMatch(verdictOf(b));
      }
      // the kernel's own tasks are untouched by the monitor beside them
      expect(kernelLines(r.out)).toEqual(kernelLines(kernelAlone()));
      expect(r.out).toMatch(/^kernel: starting 4 tasks, quantum 50\n/);
      expect(r.out).toContain('kernel: task D: exited with status 0\n');
    });
  }

  it('runs the mini kernel itself as a hosted guest: a kernel in a task of a kernel, time exact', () => {
    // the host's task C reads the first line of input, the guest kernel's task C the second
    const input = new Uint8Array([...kernelInput, ...kernelInput]);
    const r = hosted([{ file: KERNEL, at: SLOT * 2, size: SLOT }], input, 200_000_000);
    expect(r.reason).toBe('halt');
    expect(guest(r.out, ['kernel'], 'type2').text).toBe(bare(KERNEL, SLOT, kernelInput).out);
    expect(kernelLines(r.out)).toEqual(kernelLines(kernelAlone()));
  });

  it('contains its guests: a guest that writes everywhere changes nothing outside its partition, and a spinning one starves nobody', () => {
    // The vandal stores its marker at every address of its upper quarter, and on, until its bound stops it.
    const vandal = asm('start: li r1, 0x5a5a\n li r2, 0x3000\nloop: st r1, 0(r2)\n addi r2, r2, 1\n b loop\n');
    const spinner = asm('start: b start\n');
    const r = hosted([{ file: 'vandal.s', image: vandal, at: SLOT, size: SLOT }, { file: 'spin.s', image: spinner, at: 2 * SLOT, size: SLOT }], kernelInput, 800_000);
    expect(r.reason).toBe('budget'); // the spinner never stops
    expect(guest(r.out, ['vandal'], 'type2').verdict).toMatch(/^check-stop: MEMORY trap at pc 0x00000012, info 0x00004000: no trap handler/);
    // the kernel's tasks all finished, exactly as without the monitor (the summary waits for task D, which spins on)
    const own = (out: string) => kernelLines(out).filter((l) => !l.startsWith('  task'));
    expect(own(r.out)).toEqual(own(kernelAlone()));
    expect(own(r.out)).toContain('kernel: task A: exited with status 0');
    // No marker in the other tasks' partitions or above task D; the kernel's code as loaded. (Copies of the
    // vandal's registers, which hold the marker, are legitimately in the kernel's ksave and the monitor's VCB.)
    const mem = r.cpu.mem;
    const stray: number[] = [];
    for (let a = 0x1000; a < mem.length; a++) if ((a < TASK.at || a >= TASK.at + TASK.size) && mem[a] === 0x5a5a) stray.push(a);
    expect(stray).toEqual([]);
    const code = bare(KERNEL, MEM_WORDS, kernelInput).cpu.mem;
    expect([...mem.subarray(16, 0x200)]).toEqual([...code.subarray(16, 0x200)]);
  });

  it('refuses a run block outside the task, ending only that task', () => {
    const bad = asm('start: lui r1, 0x7000\n svc 5\n svc 0\n');
    const loads = [{ file: 'bad.s', image: bad, at: TASK.at, size: SLOT }];
    const r = runImage(arrange(KERNEL, loads, MEM_WORDS), MEM_WORDS, kernelInput);
    expect(r.reason).toBe('halt');
    expect(r.out).toContain('kernel: task D: run with a bad address 0x70000000; task ended\n');
    expect(kernelLines(r.out)).toEqual(kernelLines(kernelAlone()));
  });

  it('10 random programs from the fuzz generator (seed 1718): each that stops as on the bare machine', () => {
    for (const p of fc.sample(program, { seed: 1718, numRuns: 10 })) expect(underType2(source(p), p.input), source(p)).toEqual([]);
  });
});

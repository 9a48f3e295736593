/**
 * The tour's step on the monitors written in PG32 (programs/vmm/): the same
 * guest under type1.s on the bare machine and under type2.s hosted by the
 * mini kernel, with what each costs in PG32 instructions.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { assemble, formatError } from './asm/assemble.js';
import { Cpu } from './cpu/cpu.js';
import { Console } from './cpu/devices.js';
import type { Image } from './image.js';
import { PG32 } from './isa/table.js';
import { layout, loadNames, type LoadSpec } from './load.js';

function load(root: string, rel: string): Image {
  const r = assemble(readFileSync(join(root, rel), 'utf8'), rel, {
    isa: PG32,
    include: (path, from) => {
      const name = normalize(join(dirname(from), path));
      try {
        return { name, text: readFileSync(join(root, name), 'utf8') };
      } catch {
        return { error: `no such file '${name}'` };
      }
    },
  });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

/** Run MAIN with `--load`s (a file, or an image) on the bare machine: its console and instruction count. */
function run(root: string, main: string, loads: [string | Image, number, number][], memWords: number, input: Uint8Array): { out: string; instret: number; traps: number } {
  const names = loadNames(loads.map(([f]) => (typeof f === 'string' ? f : 'guest')));
  const specs: LoadSpec[] = loads.map(([f, at, size], i) => ({ arg: `${names[i]}@${at}:${size}`, name: names[i]!, image: typeof f === 'string' ? load(root, f) : f, at, partition: size }));
  const l = layout(load(root, main), specs, memWords);
  if ('error' in l) throw new Error(l.error);
  const con = new Console(input);
  const cpu = new Cpu({ isa: PG32, memWords, devices: con });
  cpu.load(l.image);
  cpu.run(100_000_000);
  return { out: con.text(), instret: cpu.instret, traps: cpu.trapCount };
}

/** A guest that runs `body` 100 times in a loop. */
function loop(body: string): Image {
  const r = assemble(`start: li r2, 100\nloop: ${body}\n addi r2, r2, -1\n bnez r2, loop\n halt\n`, 'loop.s', { isa: PG32 });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

export function pgmonStep(root: string, say: (s?: string) => void, heading: (s: string) => void, indent: (t: string, p?: string) => string): void {
  heading('6. The monitor as a PG32 program: type 1 and type 2   (trapeze run programs/vmm/type1.s --load programs/sieve.s@0x4000)');
  say('   programs/vmm/type1.s runs on the bare machine and hosts the sieve as a guest; type2.s is the same monitor');
  say('   core as a user task of the mini kernel, which runs guest code for it (svc 5, like KVM_RUN):');
  const guest = 'programs/sieve.s';
  const input = new Uint8Array(readFileSync(join(root, 'programs/os/kernel.input')));
  const con = new Console();
  const bare = new Cpu({ isa: PG32, memWords: 0x4000, devices: con });
  bare.load(load(root, guest));
  bare.run(1e8);
  const t1 = run(root, 'programs/vmm/type1.s', [[guest, 0x4000, 0x4000]], 0x10000, new Uint8Array(0));
  const t2 = run(root, 'programs/os/kernel.s', [['programs/vmm/type2.s', 0x2000, 0x10000], [guest, 0x6000, 0x4000]], 0x20000, input);
  const lines = (out: string) => out.split('\n').filter((l) => l.startsWith('[sieve] '));
  say(indent(lines(t1.out).join('\n'), '   type1: '));
  say(indent(lines(t2.out).join('\n'), '   type2: '));
  const ownTasks = t2.out.split('\n').filter((l) => /^[ABC]: /.test(l)).length;
  const same = (out: string) => lines(out).map((l) => l.slice(8) + '\n').join('') === con.text();
  say(`   Same output as bare: ${same(t1.out) && same(t2.out) ? 'yes, both' : 'NO'}. Bare, the sieve runs ${bare.instret} instructions; under type1.s the machine`);
  say(`   runs ${t1.instret} (${t1.traps} traps); hosted by the kernel, with its tasks A, B and C beside (${ownTasks} lines of theirs), ${t2.instret}.`);
  // What one emulated `out` costs: a guest doing 100 of them, minus one doing 100 nops instead.
  const cost = (f: (g: Image) => number) => (f(loop('out r0, 3')) - f(loop('nop'))) / 100 + 1;
  const c1 = cost((g) => run(root, 'programs/vmm/type1.s', [[g, 0x4000, 0x4000]], 0x10000, new Uint8Array(0)).instret);
  const c2 = cost((g) => run(root, 'programs/os/kernel.s', [['programs/vmm/type2.s', 0x2000, 0x10000], [g, 0x6000, 0x4000]], 0x20000, input).instret);
  say(`   One emulated \`out\` costs ${c1.toFixed(0)} PG32 instructions under type1.s, ${c2.toFixed(0)} under type2.s (two crossings into the kernel);`);
  say("   trapeze's own VMM does it in TypeScript: one trap, no PG32 instruction (npx tsx bench/pgmon.ts for the whole table).");
}

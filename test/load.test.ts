/**
 * --load and the boot table (isa/BOOT.md): where programs land, what the
 * table says at every level, and one clear line for every bad layout.
 */
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../src/asm/assemble.js';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { Cpu } from '../src/cpu/cpu.js';
import type { Image } from '../src/image.js';
import { PG32 } from '../src/isa/table.js';
import { BOOT, layout, loadNames, parseLoadArg, readTable, type LoadSpec } from '../src/load.js';

function img(src: string): Image {
  const r = assemble(src, 'x.s', { isa: PG32 });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

const MAIN = img('start: halt\n');
const G = img('.org 8\n.word 1, h, 0, 100\n.org 16\nstart: nop\nh: halt\n'); // words 8..11 and 16..17
const spec = (at: number, partition?: number, image = G, name = 'g'): LoadSpec => ({ arg: `g.s@${at}${partition ? ':' + partition : ''}`, name, image, at, ...(partition ? { partition } : {}) });

function storage(image: Image, mem: number): Int32Array {
  const cpu = new Cpu({ isa: PG32, memWords: mem });
  cpu.load(image);
  return cpu.mem;
}

describe('layout', () => {
  it('places each program at its offset and describes it in the table at the top of storage', () => {
    const r = layout(MAIN, [spec(0x100, undefined, G, 'a'), spec(0x200, 0x40, G, 'b')], 0x400);
    if ('error' in r) throw new Error(r.error);
    const mem = storage(r.image, 0x400);
    expect(mem[0x100 + 9]).toBe(G.symbols.get('h')); // the image's word 9 at 0x109
    expect(mem[0x200 + 16]).toBe(mem[16 + 0x100]);
    expect(r.table).toBe(0x400 - (BOOT.HEADER + 2 * BOOT.ENTRY));
    expect(mem[BOOT.POINTER]).toBe(r.table);
    expect(readTable(mem)).toEqual({
      table: r.table,
      memWords: 0x400,
      entries: [
        { name: 'a', origin: 0x100, size: 18, start: 0x110, partition: 0x100 }, // up to the next program
        { name: 'b', origin: 0x200, size: 18, start: 0x210, partition: 0x40 },
      ],
    });
    expect(r.image.entry).toBe(MAIN.entry);
  });

  it('ends the last undeclared partition at the table, and an inner one at its level\'s table', () => {
    const r = layout(MAIN, [spec(0x100, 0x200, G, 'm'), spec(0x180, undefined, G, 'in')], 0x400);
    if ('error' in r) throw new Error(r.error);
    const [m, inner] = r.entries;
    expect(m!.partition).toBe(0x200);
    expect(inner!.partition).toBe(0x100 + 0x200 - 0x180 - (BOOT.HEADER + BOOT.ENTRY)); // below m's guests' table
    const top = layout(MAIN, [spec(0x100)], 0x400);
    if ('error' in top) throw new Error(top.error);
    expect(top.entries[0]!.partition).toBe(0x400 - (BOOT.HEADER + BOOT.ENTRY) - 0x100);
  });

  it('writes nothing to word 12 without --load', () => {
    expect(storage(MAIN, 64)[BOOT.POINTER]).toBe(0);
  });

  it('refuses every bad layout with one line naming the --load', () => {
    const err = (loads: LoadSpec[], mem = 0x400, m = MAIN) => {
      const r = layout(m, loads, mem);
      return 'error' in r ? r.error : 'no error';
    };
    expect(err([spec(8)])).toMatch(/^--load g\.s@8: address 8 is in low storage/);
    expect(err([spec(0x3f0)])).toMatch(/^--load g\.s@1008: words 0x3f0\.\.0x401 do not fit below the boot table at 0x3ec/);
    expect(err([spec(0x100), spec(0x108)])).toMatch(/^--load g\.s@264: its words overlap those of --load g\.s@256$/);
    expect(err([spec(0x100, 10)])).toMatch(/a partition of 10 words cannot hold even low storage/);
    expect(err([spec(0x100, 17)])).toMatch(/the program needs 18 words .* more than its partition of 17/);
    expect(err([spec(0x100, 0x100), spec(0x180, 0x100)])).toMatch(/^--load g\.s@384:256: its partition .* must lie inside or outside that of --load g\.s@256:256/);
    expect(err([spec(0x100), spec(0x10c)])).toMatch(/^--load g\.s@256: words 0x100\.\.0x111 run into --load g\.s@268$/);
    expect(err([spec(0x20)], 0x400, img('start: nop\n.org 0x30\n.word 5\n'))).toMatch(/overlap the main program/);
    expect(err([spec(0x100)], 0x400, img('.org 12\n.word 1\nstart: halt\n'))).toMatch(/main program has a word at address 12/);
    expect(err([spec(0x100, 0x100), spec(0x1f0, undefined)])).toMatch(/run into the boot table of --load g\.s@256:256's guests/);
  });

  it('parses FILE@ADDR[:SIZE] and names programs uniquely', () => {
    expect(parseLoadArg('a/b.s@0x4000')).toEqual({ path: 'a/b.s', at: 0x4000 });
    expect(parseLoadArg('x@y.s@1_000:0x10')).toEqual({ path: 'x@y.s', at: 1000, partition: 16 });
    for (const bad of ['hello.s', '@0x10', 'h.s@', 'h.s@zz', 'h.s@1:', 'h.s@1:2:3', 'h.s@-5']) expect(parseLoadArg(bad)).toHaveProperty('error');
    expect(loadNames(['p/hello.s', 'q/hello.s', 'a_very_long_name.img', 'x'])).toEqual(['hello', 'hello-2', 'a_very_long', 'x']);
  });
});

describe('--load on the command line', () => {
  const files = {
    'main.s': 'start: ld r1, 12(r0)\n ld r2, 1(r1)\n out r2, 2\n halt\n',
    'g.s': 'start: halt\n',
  };

  it('run, vmm and equiv load the same layout', async () => {
    for (const cmd of [['run'], ['vmm'], ['equiv']]) {
      const io = memoryIo(files);
      const status = await main([...cmd, 'main.s', '--load', 'g.s@0x100', '--load', 'g.s@0x200', '--mem', '4096'], io);
      expect(status, io.stderr()).toBe(0);
      expect(io.stdout()).toMatch(cmd[0] === 'vmm' ? /^\[main\] 2\n$/ : cmd[0] === 'run' ? /^2$/ : /EQUIVALENT/);
    }
  });

  it('says what is wrong in one line', async () => {
    const cases: [string[], RegExp, number][] = [
      [['--load', 'g.s'], /^trapeze run: --load 'g\.s' is not FILE@ADDR/, 2],
      [['--load', 'g.s@0x'], /^trapeze run: --load 'g\.s@0x': the address must be a number/, 2],
      [['--load', 'nope.s@0x100'], /^trapeze run: --load nope\.s@0x100: cannot read 'nope\.s': no such file$/, 2],
      [['--load', 'g.s@4'], /^trapeze run: --load g\.s@4: address 4 is in low storage/, 1],
      [['--load', 'g.s@0x100', '--load', 'g.s@0x100'], /overlap those of --load g\.s@0x100/, 1],
      [['--load', 'g.s@0x100000'], /do not fit below the boot table/, 1],
    ];
    for (const [args, re, status] of cases) {
      const io = memoryIo(files);
      expect(await main(['run', 'main.s', ...args, '--mem', '4096'], io)).toBe(status);
      expect(io.stderr().split('\n').filter(Boolean)).toHaveLength(1);
      expect(io.stderr().trimEnd()).toMatch(re);
    }
    const bad = memoryIo({ ...files, 'bad.s': 'start: bogus\n' });
    expect(await main(['run', 'main.s', '--load', 'bad.s@0x100'], bad)).toBe(1);
    expect(bad.stderr()).toMatch(/^bad\.s:1:8: error: unknown mnemonic 'bogus'/);
  });
});

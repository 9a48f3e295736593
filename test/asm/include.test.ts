/**
 * `.include "file"` (isa/ASSEMBLER.md): the included lines take the
 * directive's place; errors name the included file's line and column; a
 * cycle is an error; the core reads files only through the reader it is
 * given (here a map, as the web page would).
 */
import { describe, expect, it } from 'vitest';
import { assemble, formatError, type AssembleResult } from '../../src/asm/assemble.js';
import type { IncludeReader } from '../../src/asm/include.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { PG32 } from '../../src/isa/table.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/** A reader over a map of files, resolving names relative to the including file's directory. */
function mapReader(files: Record<string, string>): IncludeReader {
  return (path, from) => {
    const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
    const name = path.startsWith('/') ? path : dir + path;
    const text = files[name];
    return text === undefined ? { error: `no such file '${name}'` } : { name, text };
  };
}

function asm(files: Record<string, string>, top = 'main.s'): AssembleResult {
  return assemble(files[top]!, top, { isa: PG32, include: mapReader(files) });
}

function run(files: Record<string, string>): string {
  const r = asm(files);
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  const con = new Console();
  const cpu = new Cpu({ isa: PG32, memWords: 4096, devices: con });
  cpu.load(r.image);
  expect(cpu.run(100_000)).toBe('halt');
  return con.text();
}

const PUTS = ['; puts: print the string at r1', 'puts:   ld r2, 0(r1)', '        beqz r2, puts_end', '        out r2, 0', '        addi r1, r1, 1', '        b puts', 'puts_end:', '        ret'].join('\n');

describe('.include', () => {
  it('puts the included lines where the directive stands', () => {
    const files = {
      'main.s': 'start:  la r1, msg\n        call puts\n        halt\n        .include "lib/puts.s"\nmsg:    .string "hi\\n"\n',
      'lib/puts.s': PUTS,
    };
    expect(run(files)).toBe('hi\n');
    // the same words as the routine written in place
    const inline = assemble(files['main.s'].replace('        .include "lib/puts.s"', PUTS), 'main.s', { isa: PG32 });
    expect(asm(files).image!.segments).toEqual(inline.image!.segments);
  });

  it('resolves nested includes relative to the including file, and keeps a label on the directive', () => {
    const files = {
      'main.s': 'start:  la r1, msg\n        call print\n        halt\nprint:  .include "lib/print.s"\nmsg:    .string "ok\\n"\n',
      'lib/print.s': '        b puts\n        .include "puts.s"\n',
      'lib/puts.s': PUTS,
    };
    expect(run(files)).toBe('ok\n');
  });

  it('maps the source map and the source text back to each file', () => {
    const files = { 'main.s': 'start: la r1, m\n call puts\n halt\n .include "lib/puts.s"\nm: .string "x"\n', 'lib/puts.s': PUTS };
    const img = asm(files).image!;
    const puts = img.symbols.get('puts')!;
    expect(img.sourceMap.get(puts)).toEqual({ file: 'lib/puts.s', line: 2 });
    expect(img.sourceMap.get(img.symbols.get('start')!)).toEqual({ file: 'main.s', line: 1 });
    expect(img.sourceMap.get(img.symbols.get('m')!)).toEqual({ file: 'main.s', line: 5 });
    expect(img.sources?.get('lib/puts.s')?.[1]).toBe('puts:   ld r2, 0(r1)');
  });

  it("reports errors at the included file's line and column, every one, in reading order", () => {
    const files = {
      'main.s': 'start: nop\n .include "lib/bad.s"\n addi r1, r2, 70000\n',
      'lib/bad.s': 'ok: nop\n  bogus r1\n addi r1, r2, 99999\n',
    };
    const r = asm(files);
    expect(r.image).toBeUndefined();
    expect(r.errors.map(formatError)).toEqual([
      expect.stringMatching(/^lib\/bad\.s:2:3: error: unknown mnemonic 'bogus'/),
      'lib/bad.s:3:15: error: immediate 99999 out of range -32768..32767 for addi',
      'main.s:3:15: error: immediate 70000 out of range -32768..32767 for addi',
    ]);
  });

  it('names the other file in messages about another line', () => {
    const r = asm({ 'main.s': 'x: nop\n .include "lib.s"\n', 'lib.s': 'x: nop\n' });
    expect(r.errors.map(formatError)).toEqual(["lib.s:1:1: error: duplicate symbol 'x' (first defined at main.s:1)"]);
  });

  it('refuses an include cycle, naming the chain', () => {
    const r = asm({ 'main.s': 'start: nop\n .include "a.s"\n', 'a.s': ' nop\n .include "b.s"\n', 'b.s': ' .include "a.s"\n' });
    expect(r.errors.map(formatError)).toEqual(['b.s:1:11: error: include cycle: main.s → a.s → b.s → a.s']);
    const self = asm({ 'main.s': ' .include "main.s"\n' });
    expect(self.errors.map(formatError)).toEqual(['main.s:1:11: error: include cycle: main.s → main.s']);
  });

  it('reports a missing file and a malformed directive at the directive', () => {
    const r = asm({ 'main.s': 'start: nop\n .include "nope.s"\n .include nope.s\n .include "a" "b"\n .include ""\n' });
    expect(r.errors.map(formatError)).toEqual([
      "main.s:2:11: error: cannot include 'nope.s': no such file 'nope.s'",
      'main.s:3:2: error: .include takes one file name in double quotes (.include "file.s")',
      'main.s:4:2: error: .include takes one file name in double quotes (.include "file.s")',
      'main.s:5:11: error: .include needs a file name',
    ]);
  });

  it('is an error, not a file access, when the caller gave no reader', () => {
    const r = assemble('start: nop\n .include "lib/puts.s"\n', 'main.s', { isa: PG32 });
    expect(r.errors.map(formatError)).toEqual(['main.s:2:11: error: .include "lib/puts.s": this assembler was given no way to read files']);
  });

  it('leaves strings and comments that mention .include alone', () => {
    const r = asm({ 'main.s': 'start: halt ; .include "x.s"\ns: .string ".include \\"y.s\\""\n' });
    expect(r.errors).toEqual([]);
  });

  it('the CLI reads included files relative to the program', async () => {
    const io = memoryIo({ 'p/main.s': 'start: la r1, m\n call puts\n halt\n .include "../lib/puts.s"\nm: .string "cli\\n"\n', 'lib/puts.s': PUTS });
    expect(await main(['run', 'p/main.s'], io)).toBe(0);
    expect(io.stdout()).toBe('cli\n');
    const bad = memoryIo({ 'p/main.s': 'start: nop\n .include "gone.s"\n' });
    expect(await main(['run', 'p/main.s'], bad)).toBe(1);
    expect(bad.stderr()).toBe("p/main.s:2:11: error: cannot include 'gone.s': no such file 'p/gone.s'\n");
  });
});

// Messages that help a student: suggestions for misspellings, what a
// register is, what most likely happened at a check-stop, the same stop
// lines from run, vmm and equiv, programs that say their ISA, and colour
// only where a person is looking.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { editDistance, closest } from '../../src/asm/suggest.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { styles, useColor } from '../../src/cli/paint.js';

const BIN = fileURLToPath(new URL('../../bin/trapeze.js', import.meta.url));
const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

async function cli(args: string[], files: Record<string, string | Uint8Array> = {}, opts: { color?: boolean } = {}) {
  const io = memoryIo(files, '', opts);
  const status = await main(args, io);
  return { status, out: io.stdout(), err: io.stderr(), io };
}

describe('did you mean', () => {
  it('edit distance counts a swap of neighbours as one', () => {
    expect(editDistance('add', 'addd')).toBe(1);
    expect(editDistance('ld', 'dl')).toBe(1);
    expect(editDistance('loop', 'lopo')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
  it('offers only close words, and a case slip first', () => {
    expect(closest('Loop', ['look', 'loop'])).toEqual(['loop']);
    expect(closest('addd', ['add', 'addi'])).toEqual(['add']);
    expect(closest('lid', ['ld', 'li', 'lui'])).toEqual(['ld', 'li']);
    expect(closest('frobnicate', ['add', 'sub'])).toEqual([]);
    expect(closest('xy', ['ab'])).toEqual([]);
  });
  it('mnemonics, directives and labels, each with a suggestion, every error reported', async () => {
    const r = await cli(['asm', 'p.s'], { 'p.s': 'start:  addd r1, r2, r3\n        .wrod 5\nloop:   b Loop\n        lid r1, 3\n        jmp strat\n' });
    expect(r.status).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([
      "p.s:1:9: error: unknown mnemonic 'addd' (did you mean 'add'?)",
      "p.s:2:9: error: unknown directive '.wrod' (did you mean '.word'?)",
      "p.s:3:11: error: undefined symbol 'Loop' (did you mean 'loop'?)",
      "p.s:4:9: error: unknown mnemonic 'lid' (did you mean 'ld' or 'li'?)",
      "p.s:5:13: error: undefined symbol 'strat' (did you mean 'start'?)",
      'trapeze asm: 5 errors, no image written',
    ]);
  });
  it('r16 (or R99) says which registers there are, where a register or a value is expected', async () => {
    const r = await cli(['asm', 'p.s'], { 'p.s': 'add r16, r1, r2\nli r1, R99\n' });
    expect(r.err.trim().split('\n').slice(0, 2)).toEqual([
      "p.s:1:5: error: add: 'r16' is not a register (registers are r0–r15, lr and sp)",
      "p.s:2:8: error: 'R99' is not a register (registers are r0–r15, lr and sp)",
    ]);
  });
});

describe('check-stops say what most likely happened', () => {
  it('running into zeroed storage after the last instruction: "fell off the end of the program after line N?"', async () => {
    const r = await cli(['run', 'f.s'], { 'f.s': 'start: li r1, 5\n       addi r1, r1, 1\n' });
    expect(r.status).toBe(3);
    expect(r.err).toBe(
      'trapeze run: check-stop: ILLEGAL trap at pc 0x00000012, info 0x00000000: no trap handler installed (new PSW bound is 0); fell off the end of the program after line 2? (end it with halt)\n',
    );
  });
  it('running into the program’s own data names the line', async () => {
    const r = await cli(['run', 'd.s'], { 'd.s': 'start: nop\nmsg: .string "hi"\n' });
    expect(r.err).toMatch(/ILLEGAL trap at pc 0x00000011 \(d\.s:2: msg: \.string "hi"\), info 0x00000068: .*; ran into data \(line 2\): a missing halt or jump before it\?\n$/);
  });
  it('a jump to zeroed storage outside the program', async () => {
    const r = await cli(['run', 'j.s'], { 'j.s': 'start: li r1, 0x500\n jr r1\n' });
    expect(r.err).toMatch(/pc 0x00000500, .*; zeroed storage outside the program: a jump or return to a wrong address\?\n$/);
  });
  it('vmm names pc and source line as run does, and says "step limit"', async () => {
    const bad = { 'c.s': 'nop\ndiv r1, r1, r0\n', 's.s': 'l: nop\n b l\n' };
    const run = await cli(['run', 'c.s'], bad);
    const vmm = await cli(['vmm', 'c.s'], bad);
    expect(vmm.status).toBe(3);
    expect(vmm.err).toBe(run.err.replace('trapeze run: ', 'trapeze vmm: c: '));
    const limit = await cli(['vmm', 's.s', '--max-steps', '100'], bad);
    expect(limit.status).toBe(4);
    expect(limit.err).toMatch(/^trapeze vmm: s: stopped at the step limit \(100 steps; raise it with --max-steps\) at pc 0x0000001[01] \(s\.s:[12]: /);
  });
  it('equiv says "step limit" (not "budget") and names a check-stop’s pc and source line', async () => {
    const limit = await cli(['equiv', 's.s', '--max-steps', '100'], { 's.s': 'l: nop\n b l\n' });
    expect(limit.out).toMatch(/bare: {4}step limit, 100 instructions/);
    expect(limit.out).not.toMatch(/budget/);
    const cs = await cli(['equiv', 'c.s'], { 'c.s': 'nop\ndiv r1, r1, r0\n' });
    expect(cs.out).toMatch(/bare: {4}check-stop: ARITH at pc 0x00000011 \(c\.s:2: div r1, r1, r0\), 1 instructions/);
  });
});

describe('a program says its ISA', () => {
  it('programs/variants/x86.s runs with no --isa flag, bare and under the monitors', async () => {
    const files = { 'x86.s': read('programs/variants/x86.s') };
    const r = await cli(['run', 'x86.s'], files);
    expect(r).toMatchObject({ status: 0, out: read('programs/variants/x86.expected') });
    expect((await cli(['vmm', 'x86.s', '--monitor', 'hybrid'], files)).status).toBe(0);
    expect((await cli(['equiv', 'x86.s'], files)).out).toMatch(/NOT EQUIVALENT/);
    expect((await cli(['equiv', 'pdp10.s', '--monitor', 'hybrid'], { 'pdp10.s': read('programs/variants/pdp10.s') })).out).toMatch(/: EQUIVALENT/);
  });
  it('an explicit --isa that disagrees is an error naming both, for source and for an image', async () => {
    const files = { 'x86.s': read('programs/variants/x86.s') };
    const src = await cli(['run', 'x86.s', '--isa', 'pg32'], files);
    expect(src.status).toBe(1);
    expect(src.err).toMatch(/^x86\.s:\d+:14: error: the program says \.isa pg32-x86 but --isa says pg32\n$/);
    const asm = await cli(['asm', 'x86.s'], files);
    expect(asm.status).toBe(0);
    const img = asm.io.readFile('x86.img');
    for (const cmd of ['run', 'vmm', 'equiv', 'disasm']) {
      const r = await cli([cmd, 'x86.img', '--isa', 'pg32-pdp10'], { 'x86.img': img });
      expect(r.status, cmd).toBe(1);
      expect(r.err, cmd).toBe('x86.img: the program is written for pg32-x86 (.isa), but --isa says pg32-pdp10\n');
    }
    // the same ISA by another name is no disagreement
    expect((await cli(['run', 'x86.img', '--isa', 'pg32+getr+sflags+gpsw'], { 'x86.img': img })).status).toBe(0);
  });
  it('asm and run agree on the default: pg32 unless the program says otherwise', async () => {
    const files = { 'g.s': 'start: getr r1\n halt\n' };
    const asm = await cli(['asm', 'g.s'], files);
    const run = await cli(['run', 'g.s'], files);
    expect(asm.status).toBe(1);
    expect(run.status).toBe(1);
    expect(run.err).toBe(asm.err.split('\n')[0] + '\n');
    expect(asm.err).toMatch(/instruction 'getr' is not in ISA pg32; it is in pg32-x86, pg32-x86-vt or pg32\+getr/);
  });
  it('vmm: programs written for different ISAs cannot share one machine', async () => {
    const r = await cli(['vmm', 'a.s', 'b.s'], { 'a.s': '.isa pg32-x86\nhalt\n', 'b.s': '.isa pg32-pdp10\nhalt\n' });
    expect(r.status).toBe(1);
    expect(r.err).toBe('trapeze vmm: a.s is written for pg32-x86 but b.s for pg32-pdp10; they cannot share one machine\n');
    // one that says nothing runs on the other's ISA
    expect((await cli(['vmm', 'a.s', 'c.s'], { 'a.s': '.isa pg32-x86\ngpsw r1\nhalt\n', 'c.s': 'halt\n' })).status).toBe(0);
  });
  it('disasm decodes with the program’s ISA and writes its .isa, so the text re-assembles', async () => {
    const asm = await cli(['asm', 'p.s'], { 'p.s': '.isa pg32-pdp10\nstart: jrstu r1\n' });
    const d = await cli(['disasm', 'p.img'], { 'p.img': asm.io.readFile('p.img') });
    expect(d.out).toMatch(/^\.isa pg32-pdp10$/m);
    expect(d.out).toMatch(/^ {4}jrstu r1/m);
    expect((await cli(['asm', 'again.s'], { 'again.s': d.out })).status).toBe(0);
  });
});

describe('colour only where a person is looking', () => {
  it('on a terminal, not in a pipe; NO_COLOR (non-empty) turns it off; FORCE_COLOR on; TERM=dumb off', () => {
    expect(useColor(true, {})).toBe(true);
    expect(useColor(false, {})).toBe(false);
    expect(useColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(true, { NO_COLOR: '' })).toBe(true);
    expect(useColor(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(false, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
    expect(useColor(true, { TERM: 'dumb' })).toBe(false);
  });
  it('with colour: the place in bold, "error:" in red, check-stop in red; the text is otherwise the same', async () => {
    expect(styles.diagnostic("p.s:1:2: error: unknown mnemonic 'x'")).toBe("\x1b[1mp.s:1:2:\x1b[0m \x1b[1;31merror:\x1b[0m unknown mnemonic 'x'");
    const c = await cli(['run', 'c.s'], { 'c.s': 'div r1, r1, r0\n' }, { color: true });
    const plain = await cli(['run', 'c.s'], { 'c.s': 'div r1, r1, r0\n' });
    expect(c.err).toContain('\x1b[1;31mcheck-stop:\x1b[0m');
    expect(c.err.replace(/\x1b\[[\d;]*m/g, '')).toBe(plain.err);
    expect(plain.err).not.toContain('\x1b');
  });
  it('the real binary: no escape codes in a pipe; FORCE_COLOR gives them; NO_COLOR wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trapeze-colour-'));
    writeFileSync(join(dir, 'c.s'), 'div r1, r1, r0\n');
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [BIN, 'run', join(dir, 'c.s')], { input: '', encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env } }).stderr;
    expect(run({})).not.toContain('\x1b');
    expect(run({ FORCE_COLOR: '1' })).toContain('\x1b[');
    expect(run({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain('\x1b');
  });
});

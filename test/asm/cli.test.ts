import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { decodeImage } from '../../src/asm/imagefile.js';

const HELLO = 'start: li r1, 72\n  out r1, 0\n  halt\n';

describe('trapeze asm', () => {
  it('writes FILE.img next to the source by default', async () => {
    const io = memoryIo({ 'p.s': HELLO });
    expect(await main(['asm', 'p.s'], io)).toBe(0);
    const img = decodeImage(io.files.get('p.img')!, 'p.img');
    expect('error' in img).toBe(false);
    expect(io.stderr()).toBe('');
  });
  it('-o and --listing', async () => {
    const io = memoryIo({ 'p.s': HELLO });
    expect(await main(['asm', 'p.s', '-o', 'out.img', '--listing', 'p.lst'], io)).toBe(0);
    expect(io.files.has('out.img')).toBe(true);
    expect(Buffer.from(io.files.get('p.lst')!).toString()).toMatch(/start: li r1, 72/);
  });
  it('prints every error, one per line, and exits 1', async () => {
    const io = memoryIo({ 'bad.s': 'frob\nnop\naddi r1, r0, 99999\n' });
    expect(await main(['asm', 'bad.s'], io)).toBe(1);
    expect(io.stderr().split('\n')).toEqual([
      "bad.s:1:1: error: unknown mnemonic 'frob'",
      'bad.s:3:14: error: immediate 99999 out of range -32768..32767 for addi',
      'trapeze asm: 2 errors, no image written',
      '',
    ]);
    expect(io.files.has('bad.img')).toBe(false);
  });
  it('--isa restricts the instructions', async () => {
    const io = memoryIo({ 'v.s': 'getr r1\n' });
    expect(await main(['asm', 'v.s', '--isa', 'pg32'], io)).toBe(1);
    expect(io.stderr()).toMatch(/^v\.s:1:1: error: instruction 'getr' is not in ISA pg32; it is in pg32-x86, pg32-x86-vt or pg32\+getr$/m);
    const ok = memoryIo({ 'v.s': 'getr r1\n' });
    expect(await main(['asm', 'v.s', '--isa', 'pg32+getr'], ok)).toBe(0);
  });
  it('usage mistakes are one line plus usage, never a stack trace', async () => {
    const io = memoryIo({ 'p.s': HELLO });
    expect(await main(['asm', 'p.s', '--bogus'], io)).toBe(2);
    expect(io.stderr()).toMatch(/^trapeze asm: unknown option '--bogus'\nusage: trapeze asm/);
    const io2 = memoryIo();
    expect(await main(['asm', 'missing.s'], io2)).toBe(2);
    expect(io2.stderr()).toBe("trapeze: cannot read 'missing.s': no such file\n");
    const io3 = memoryIo({ 'p.s': HELLO });
    expect(await main(['asm', 'p.s', '--isa', 'vax'], io3)).toBe(2);
    expect(io3.stderr()).toMatch(/^trapeze asm: unknown ISA 'vax'/);
  });
  it('--help', async () => {
    const io = memoryIo();
    expect(await main(['asm', '--help'], io)).toBe(0);
    expect(io.stdout()).toMatch(/^usage: trapeze asm/);
  });
});

describe('trapeze disasm', () => {
  it('disassembles an image file, or a .s file', async () => {
    const io = memoryIo({ 'p.s': HELLO });
    await main(['asm', 'p.s'], io);
    expect(await main(['disasm', 'p.img'], io)).toBe(0);
    expect(io.stdout()).toMatch(/start:\n\s+addi r1, r0, 72/);
    const io2 = memoryIo({ 'p.s': HELLO });
    expect(await main(['disasm', 'p.s'], io2)).toBe(0);
    expect(io2.stdout()).toMatch(/out r1, 0/);
  });
  it('refuses a bad image with one line', async () => {
    const io = memoryIo({ 'x.img': 'garbage' });
    expect(await main(['disasm', 'x.img'], io)).toBe(1);
    expect(io.stderr()).toBe('x.img: not a trapeze image (bad magic number)\n');
  });
});

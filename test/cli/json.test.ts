// The JSON that `run`, `vmm` and `equiv` print with --format json, as the
// README documents it: for scripts and autograders. Run in process.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const read = (p: string) => readFileSync(new URL(`../../programs/${p}`, import.meta.url), 'utf8');
const HELLO = read('hello.s');
const ECHO = read('echo.s');
const X86 = read('variants/x86.s');
const CAUSE_NAMES = ['PRIV', 'ILLEGAL', 'MEMORY', 'SVC', 'TIMER', 'ARITH'];

async function json(args: string[], files: Record<string, string | Uint8Array>, stdin: string | Uint8Array = '') {
  const io = memoryIo(files, stdin);
  const status = await main(args, io);
  return { status, j: JSON.parse(io.stdout()) as Record<string, any>, err: io.stderr() };
}

describe('trapeze run --format json', () => {
  it('has the documented shape: stop, exit status, output (text and exact bytes), registers, PSW, TIMER, counts, traps by name, time', async () => {
    const { status, j } = await json(['run', 'h.s', '--format', 'json'], { 'h.s': HELLO });
    expect(status).toBe(0);
    expect(Object.keys(j)).toEqual(['file', 'isa', 'stop', 'registers', 'psw', 'timer', 'instructions', 'exitStatus', 'output', 'traps', 'steps', 'timeMs']);
    expect(j).toMatchObject({ file: 'h.s', isa: 'pg32', stop: 'halt', exitStatus: 0, timer: 0 });
    expect(j.output).toEqual({ text: 'Hello, world!\n', base64: Buffer.from('Hello, world!\n').toString('base64'), bytes: 14 });
    expect(j.registers).toHaveLength(16);
    expect(j.registers[0]).toBe(0);
    expect(j.psw).toEqual({ flags: 1, mode: 'supervisor', ie: false, pc: expect.any(Number), base: 0, bound: 1048576 });
    expect(Object.keys(j.traps)).toEqual(CAUSE_NAMES);
    expect(j.instructions).toBeGreaterThan(14);
    expect(j.steps).toBe(j.instructions);
    expect(j.timeMs).toBeGreaterThanOrEqual(0);
  });
  it('console output is exact bytes: a byte that is not UTF-8 survives in base64', async () => {
    const { j } = await json(['run', 'e.s', '--format', 'json'], { 'e.s': ECHO }, new Uint8Array([0x41, 0xff, 0x42]));
    expect(Buffer.from(j.output.base64, 'base64')).toEqual(Buffer.from([0x41, 0xff, 0x42]));
    expect(j.output).toMatchObject({ text: 'A\uFFFDB', bytes: 3 });
  });
  it('nothing but the JSON on stdout; a check-stop is named, with cause, pc, source line and hint, exit 3', async () => {
    const { status, j, err } = await json(['run', 'c.s', '--format', 'json'], { 'c.s': 'start: nop\n       li r1, 1\n' });
    expect(status).toBe(3);
    expect(j).toMatchObject({ stop: 'checkstop', exitStatus: 3 });
    expect(j.checkStop).toMatchObject({ cause: 'ILLEGAL', pc: 18, info: 0, why: expect.stringMatching(/no trap handler/), hint: 'fell off the end of the program after line 2? (end it with halt)' });
    expect(j.traps.ILLEGAL).toBe(1);
    expect(err).toMatch(/check-stop/); // the person watching still gets the line on stderr
  });
  it('a trap by cause name, and the step limit as "step-limit", exit 4', async () => {
    const { status, j } = await json(['run', 's.s', '--format', 'json', '--max-steps', '50'], { 's.s': 'l: nop\n   b l\n' });
    expect(status).toBe(4);
    expect(j.stop).toBe('step-limit');
    const { j: k } = await json(['run', 't.s', '--format', 'json'], { 't.s': '.org 8\n.word 1, h, 0, 1000\n.org 16\nstart: svc 7\nh: halt\n' });
    expect(k.traps).toEqual({ PRIV: 0, ILLEGAL: 0, MEMORY: 0, SVC: 1, TIMER: 0, ARITH: 0 });
    expect(k.steps).toBe(k.instructions + 1);
  });
  it('--dump ADDR:LEN adds storage words, by number or label, several at once', async () => {
    const src = 'start: halt\nmsg: .string "hi"\n.org 0x40\ntable: .word 7, -1\n';
    const { j } = await json(['run', 'd.s', '--format', 'json', '--dump', 'msg:3,0x40:2'], { 'd.s': src });
    expect(j.dump).toEqual([
      { address: 17, words: [104, 105, 0] },
      { address: 64, words: [7, -1] },
    ]);
  });
  it('--dump mistakes are one line, exit 2', async () => {
    for (const [spec, msg] of [
      ['nolabel:2', /'nolabel' is neither a number nor a label/],
      ['16', /--dump takes ADDR:LEN/],
      ['16:0', /length must be a whole number from 1/],
      ['1048575:2', /outside storage/],
    ] as const) {
      const io = memoryIo({ 'h.s': HELLO });
      expect(await main(['run', 'h.s', '--dump', spec], io)).toBe(2);
      expect(io.stderr()).toMatch(msg);
      expect(io.stderr().trim().split('\n')).toHaveLength(1);
    }
  });
  it('--format must be text or json', async () => {
    const io = memoryIo({ 'h.s': HELLO });
    expect(await main(['run', 'h.s', '--format', 'xml'], io)).toBe(2);
    expect(io.stderr()).toBe("trapeze run: --format must be text or json, not 'xml'\n");
  });
  it('in text mode --dump goes to stderr, so stdout stays the guest output', async () => {
    const io = memoryIo({ 'h.s': HELLO });
    expect(await main(['run', 'h.s', '--dump', '16:2'], io)).toBe(0);
    expect(io.stdout()).toBe('Hello, world!\n');
    expect(io.stderr()).toMatch(/^0x00000010: 0x[0-9a-f]{8} 0x[0-9a-f]{8}\n$/);
  });
});

describe('trapeze vmm --format json', () => {
  it('one result with every VM: name, file, stop, output, registers, PSW, counts, traps and reflections by name', async () => {
    const { status, j } = await json(['vmm', 'h.s', 'e.s', '--format', 'json', '--quantum', '7'], { 'h.s': HELLO, 'e.s': ECHO }, 'ok');
    expect(status).toBe(0);
    expect(j).toMatchObject({ isa: 'pg32', monitor: 'trap-emulate', depth: 1, quantum: 7, exitStatus: 0 });
    expect(j.vms.map((v: any) => [v.name, v.file, v.stop, v.output.text])).toEqual([
      ['h', 'h.s', 'halt', 'Hello, world!\n'],
      ['e', 'e.s', 'halt', 'ok'],
    ]);
    const h = j.vms[0];
    expect(Object.keys(h)).toEqual(['name', 'file', 'stop', 'registers', 'psw', 'timer', 'instructions', 'output', 'direct', 'emulated', 'interpreted', 'traps', 'reflected', 'entries', 'exits', 'guestMode']);
    expect(h).toMatchObject({ entries: 0, exits: {}, guestMode: 0 });
    expect(h.emulated).toEqual({ out: 14, halt: 1 });
    expect(h.traps).toEqual({ PRIV: 15, ILLEGAL: 0, MEMORY: 0, SVC: 0, TIMER: 0, ARITH: 0 });
    expect(Object.keys(h.reflected)).toEqual(CAUSE_NAMES);
    expect(h.direct + 15).toBe(h.instructions);
  });
  it('a VM that check-stops is named with its pc and source line; the others run on; exit 3', async () => {
    const { status, j, err } = await json(['vmm', 'h.s', 'bad.s', '--format', 'json'], { 'h.s': HELLO, 'bad.s': 'nop\ndiv r1, r1, r0\n' });
    expect(status).toBe(3);
    expect(j.vms[0].stop).toBe('halt');
    expect(j.vms[1]).toMatchObject({ stop: 'checkstop', checkStop: { cause: 'ARITH', pc: 17, source: 'bad.s:2: div r1, r1, r0' } });
    expect(err).toBe('trapeze vmm: bad: check-stop: ARITH trap at pc 0x00000011 (bad.s:2: div r1, r1, r0), info 0x04110000: no trap handler installed (new PSW bound is 0)\n');
  });
});

describe('trapeze equiv --format json', () => {
  it('names trap causes and stop reasons as run does', async () => {
    const { status, j } = await json(['equiv', 'x.s', '--format', 'json'], { 'x.s': X86 });
    expect(status).toBe(1); // x86.s is not equivalent under trap-and-emulate
    expect(j).toMatchObject({ isa: 'pg32-x86', equivalent: false, bare: { stop: 'halt' }, virtual: { stop: 'halt' } });
    expect(Object.keys(j.stats[0].traps)).toEqual(CAUSE_NAMES);
    expect(j.stats[0].traps.PRIV).toBeGreaterThan(0);
    expect(Object.keys(j.stats[0].reflected)).toEqual(CAUSE_NAMES);
  });
  it('a step limit is "step-limit"; a check-stop carries its source line', async () => {
    const { j } = await json(['equiv', 's.s', '--format', 'json', '--max-steps', '100'], { 's.s': 'l: b l\n' });
    expect(j.bare.stop).toBe('step-limit');
    const { j: k } = await json(['equiv', 'c.s', '--format', 'json'], { 'c.s': 'nop\ndiv r1, r1, r0\n' });
    expect(k.bare).toMatchObject({ stop: 'checkstop', checkStop: { cause: 'ARITH', source: 'c.s:2: div r1, r1, r0' } });
  });
});

describe('vmm --separate', () => {
  it('writes each VM’s output to its file, with --format json too', async () => {
    for (const extra of [[], ['--format', 'json']]) {
      const io = memoryIo({ 'h.s': HELLO, 'e.s': ECHO }, 'in');
      expect(await main(['vmm', 'h.s', 'e.s', '--separate', 'out', ...extra], io)).toBe(0);
      expect(new TextDecoder().decode(io.files.get('out/h.out'))).toBe('Hello, world!\n');
      expect(new TextDecoder().decode(io.files.get('out/e.out'))).toBe('in');
    }
  });
});

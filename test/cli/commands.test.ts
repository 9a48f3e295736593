// The commands as users meet them, run in process: what goes to stdout and
// stderr, exit statuses, and the JSON shapes the issues specify.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const HELLO = readFileSync(new URL('../../programs/hello.s', import.meta.url), 'utf8');
const ECHO = readFileSync(new URL('../../programs/echo.s', import.meta.url), 'utf8');

async function cli(args: string[], files: Record<string, string> = {}, stdin = '') {
  const io = memoryIo(files, stdin);
  const status = await main(args, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

describe('trapeze run', () => {
  it('stdout is exactly the guest output; --stats goes to stderr', async () => {
    const r = await cli(['run', 'h.s', '--stats'], { 'h.s': HELLO });
    expect(r).toMatchObject({ status: 0, out: 'Hello, world!\n' });
    expect(r.err).toMatch(/instructions\s+\d+/);
  });
  it('console input comes from stdin', async () => {
    expect((await cli(['run', 'e.s'], { 'e.s': ECHO }, 'abc\n')).out).toBe('abc\n');
  });
  it('a check-stop is one line naming the cause, pc and source line; exit 3', async () => {
    const r = await cli(['run', 'c.s'], { 'c.s': 'nop\ndiv r1, r1, r0\n' });
    expect(r.status).toBe(3);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/check-stop: ARITH trap at pc 0x00000011 \(c\.s:2: div r1, r1, r0\)/);
  });
  it('a runaway program stops at the step limit with one line; exit 4', async () => {
    const r = await cli(['run', 's.s', '--max-steps', '1000'], { 's.s': 'l: b l\n' });
    expect(r.status).toBe(4);
    expect(r.err).toMatch(/step limit \(1000 steps/);
  });
  it('assembly errors: every one as file:line:col, exit 1', async () => {
    const r = await cli(['run', 'b.s'], { 'b.s': 'addi r1\nfoo\nli r1, 99999999999\n' });
    expect(r.status).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^b\\.s:${i + 1}:\\d+: error: `)));
  });
});

describe('trapeze vmm', () => {
  it('prefixes every line of a VM with its name and runs them all', async () => {
    const r = await cli(['vmm', 'h.s', 'h.s', 'e.s', '--quantum', '3'], { 'h.s': HELLO, 'e.s': ECHO }, 'in\n');
    expect(r.status).toBe(0);
    expect(r.out.split('\n').filter(Boolean).sort()).toEqual(['[e] in', '[h-2] Hello, world!', '[h] Hello, world!']);
  });
});

describe('trapeze equiv', () => {
  it('reads console input from stdin, for the bare run and every VM', async () => {
    const r = await cli(['equiv', 'e.s', '--vms', '2', '--format', 'json'], { 'e.s': ECHO }, 'xyz');
    const j = JSON.parse(r.out) as { equivalent: boolean; bare: { output: string }; virtual: { output: string }; differences: string[] };
    expect(r.status).toBe(0);
    expect(j).toMatchObject({ equivalent: true, differences: [], bare: { output: 'xyz' }, virtual: { output: 'xyz' } });
  });
});

describe('trapeze classify', () => {
  it('--format json is one object with instructions and theorems', async () => {
    const r = await cli(['classify', '--isa', 'pg32+getr', '--format', 'json', '--states', '150']);
    const j = JSON.parse(r.out) as { isa: string; instructions: Array<Record<string, unknown>>; theorems: Record<string, { holds: boolean; violators: string[] }> };
    expect(j.isa).toBe('pg32+getr');
    expect(Object.keys(j.instructions[0]!)).toEqual(expect.arrayContaining(['mnemonic', 'privileged', 'controlSensitive', 'locationSensitive', 'modeSensitive', 'userSensitive', 'supervisorSensitive', 'innocuous', 'witnesses']));
    expect(j.theorems['1']).toMatchObject({ holds: false, violators: ['getr'] });
    expect(j.theorems['3']).toMatchObject({ holds: false, violators: ['getr'] });
    expect(j.theorems['2']!.holds).toBe(false);
  });
});

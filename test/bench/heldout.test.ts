// The held-out benchmark programs (bench/programs/bubble.s, hash.s,
// queens.s) print what their plain-JS twins print, at small sizes, on the
// fast CPU and the reference interpreter: the `cli` suite's timings compare
// the same work.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Console } from '../../src/cpu/devices.js';
import { PG32 } from '../../src/isa/table.js';
import { asm, CPUS } from '../harness.js';

const DIR = join(import.meta.dirname, '..', '..', 'bench', 'programs');
/** program, the .equ that sizes it, a small size */
const SMALL: readonly [string, string, number][] = [
  ['bubble', 'N', 300],
  ['hash', 'M', 20000],
  ['queens', 'N', 7],
];

describe.each(CPUS)('held-out benchmark programs ($name)', (impl) => {
  it.each(SMALL)('%s prints what its JS twin prints', (name, equ, size) => {
    const src = readFileSync(join(DIR, `${name}.s`), 'utf8').replace(new RegExp(`^(\\s*\\.equ\\s+${equ}\\s*,\\s*)\\d+`, 'm'), `$1${size}`);
    const con = new Console();
    const cpu = impl.create({ isa: PG32, memWords: 65536, devices: con });
    cpu.load(asm(src, 'pg32'));
    expect(cpu.run(1e8)).toBe('halt');
    const twin = execFileSync(process.execPath, [join(DIR, `${name}.js`), String(size)], { encoding: 'utf8' });
    expect(con.text()).toBe(twin);
    expect(twin).toMatch(/^-?\d+\n/);
  });
});

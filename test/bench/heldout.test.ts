// The held-out benchmark programs (bench/programs/bubble.s, hash.s,
// queens.s) print what their plain-JS twins print, at small sizes, on the
// fast CPU and the reference interpreter: the `cli` suite's timings compare
// the same work.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bubble } from '../../bench/programs/bubble.js';
import { hash } from '../../bench/programs/hash.js';
import { queens } from '../../bench/programs/queens.js';
import { Console } from '../../src/cpu/devices.js';
import { PG32 } from '../../src/isa/table.js';
import { asm, CPUS } from '../harness.js';

const DIR = join(import.meta.dirname, '..', '..', 'bench', 'programs');
/** program, the .equ that sizes it, a small size, its twin */
const SMALL: readonly [string, string, number, (n: number) => string][] = [
  ['bubble', 'N', 120, bubble],
  ['hash', 'M', 8000, hash],
  ['queens', 'N', 7, queens],
];

describe.each(CPUS)('held-out benchmark programs ($name)', (impl) => {
  it.each(SMALL)('%s prints what its JS twin prints', (name, equ, size, twin) => {
    const src = readFileSync(join(DIR, `${name}.s`), 'utf8').replace(new RegExp(`^(\\s*\\.equ\\s+${equ}\\s*,\\s*)\\d+`, 'm'), `$1${size}`);
    const con = new Console();
    const cpu = impl.create({ isa: PG32, memWords: 65536, devices: con });
    cpu.load(asm(src, 'pg32'));
    expect(cpu.run(1e8)).toBe('halt');
    expect(twin(size)).toMatch(/^-?\d+\n/);
    expect(con.text()).toBe(twin(size));
  });
});

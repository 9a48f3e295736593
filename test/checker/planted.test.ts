// As the hidden checks do: plant a semantic mutation into a copy of the code (src/cpu/cpu.ts, the machine every
// tool runs, or src/cpu/translate.ts, its region translator), then classify and check equivalence with that
// copy's own modules, or run that copy's own `trapeze classify` command. They must notice.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type * as cleanClassify from '../../src/checker/classify.js';
import type * as cleanMain from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import type * as cleanOracle from '../ref/oracle.js';
import fc from 'fast-check';
import * as cleanEquiv from '../../src/vmm/equiv.js';
import { isaOrThrow } from '../../src/isa/table.js';
import { asm } from '../harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COPY = join(ROOT, 'tmp', `planted-${process.pid}`);
afterAll(() => rmSync(COPY, { recursive: true, force: true }));

/** A mutation: in `file` (under src/), `find` becomes `replace`. */
interface Plant {
  readonly file: string;
  readonly find: string | RegExp;
  readonly replace: string;
}

/**
 * A copy of src/ and isa/ (and the differential tests, test/ref and test/fuzz) with the edits planted (each
 * site must be there, once). Each copy gets a directory of its own: modules are cached by path.
 */
let copies = 0;
function copyWith(plants: readonly Plant[]): string {
  const dir = join(COPY, String(++copies));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of ['src', 'isa', 'test/ref', 'test/fuzz']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  for (const { file, find, replace } of plants) {
    const path = join(dir, 'src', file);
    const text = readFileSync(path, 'utf8');
    const sites = typeof find === 'string' ? text.split(find).length - 1 : (text.match(new RegExp(find, 'g')) ?? []).length;
    if (sites !== 1) throw new Error(`the mutation site ${find} is in src/${file} ${sites} times, not once: update this test`);
    writeFileSync(path, text.replace(find, replace));
  }
  return dir;
}

/** A planted copy's checker, equivalence checker and command line. */
async function plantedCopy(plants: readonly Plant[]) {
  const dir = copyWith(plants);
  return {
    classify: (await import(join(dir, 'src/checker/classify.ts'))) as typeof cleanClassify,
    equiv: (await import(join(dir, 'src/vmm/equiv.ts'))) as typeof cleanEquiv,
    main: (await import(join(dir, 'src/cli/main.ts'))) as typeof cleanMain,
    isa: ((await import(join(dir, 'src/isa/table.ts'))) as { isaOrThrow: typeof isaOrThrow }).isaOrThrow('pg32'),
  };
}

// a kernel that adds 0x1234 to something: the mutant sets IE there
const KERNEL = asm('li r1, 0x1234\nadd r2, r1, r1\nhalt\n', 'pg32');
const EQUIV = { monitor: 'trap-emulate', depth: 1, vms: 1, quantum: 100, memWords: 4096, maxSteps: 1000 } as const;
const QUICK = { states: 60, assistStates: 1 } as const;

describe('a semantic mutation planted into a copy of cpu.ts: add sets IE when rs is 0x1234', () => {
  it('the clean code: the kernel is equivalent (and add innocuous, the CPU agreeing with the reference: checker.test.ts)', () => {
    expect(cleanEquiv.checkEquivalence(KERNEL, { ...EQUIV, isa: isaOrThrow('pg32') }).equivalent).toBe(true);
  });

  it('the planted copy: add is control-sensitive, Theorem 1 fails, the CPU disagrees with the reference; equiv finds the PSW differs at the add', async () => {
    const copy = await plantedCopy([{ file: 'cpu/cpu.ts', find: /case ADD:/, replace: 'case ADD: if (R[(w >> B) & 15] === 0x1234) this.flags |= IE;' }]);
    const r = copy.classify.classifyIsa(copy.isa, QUICK);
    expect(r.instructions.find((c) => c.mnemonic === 'add')).toMatchObject({ controlSensitive: true, privileged: false, userSensitive: true });
    expect(r.theorems['1']).toMatchObject({ holds: false, violators: ['add'] });
    expect(r.discrepancies.map((d) => d.mnemonic)).toEqual(['add']);
    const e = copy.equiv.checkEquivalence(KERNEL, { ...EQUIV, isa: copy.isa });
    expect(e.equivalent).toBe(false);
    expect(e.differences).toContain('PSW flags: bare 3, virtual 1');
    expect(e.divergence?.instruction).toMatch(/^add r2, r1, r1/);
  });
});

/**
 * Mutations of the region translator (src/cpu/translate.ts): each changes what the generated JavaScript does for
 * one instruction, so it is wrong only in hot code; the interpreter (and every one-instruction probe it runs) is
 * untouched. `trapeze classify` runs each state through the translator too (src/checker/translated.ts) and must
 * report each instruction as a disagreement with the reference interpreter, and exit 1.
 */
const TRANSLATOR: readonly (Plant & { readonly name: string; readonly hits: readonly string[] })[] = [
  { name: 'add ors instead of adding', file: 'cpu/translate.ts', find: 'case O.add: code = set(dd, `(${s} + ${t}) | 0`)', replace: 'case O.add: code = set(dd, `${s} | ${t}`)', hits: ['add'] },
  {
    name: "ld's bound check lets the word just past the window through",
    file: 'cpu/translate.ts',
    find: "if ((a >>> 0) >= limit) ${trap(CAUSES.MEMORY, 'a')} ${set(dd",
    replace: "if ((a >>> 0) > limit) ${trap(CAUSES.MEMORY, 'a')} ${set(dd",
    hits: ['ld'],
  },
  {
    name: 'st stores without its bound check',
    file: 'cpu/translate.ts',
    find: "if ((a >>> 0) >= limit) ${trap(CAUSES.MEMORY, 'a')} ` +",
    replace: '` +',
    hits: ['st'],
  },
  { name: 'bltu compares signed', file: 'cpu/translate.ts', find: 'case O.bltu: return `(${x} >>> 0) < (${y} >>> 0)`', replace: 'case O.bltu: return `${x} < ${y}`', hits: ['bltu'] },
  {
    name: 'a shift amount read at run time loses its top bit',
    file: 'cpu/translate.ts',
    find: 'sh = `(w & ${SH5})`',
    replace: 'sh = `(w & 15)`',
    hits: ['shli', 'shri', 'srai'],
  },
];

/**
 * What classify cannot see (isa/MACHINE.md): a loop of more than one instruction goes round once more when
 * the budget no longer covers a pass. A one-word loop (a branch to itself) is the only loop a probe forms,
 * and there the two conditions agree.
 */
const BEYOND: Plant = { file: 'cpu/translate.ts', find: 'if (n < ${MAXP})', replace: 'if (n < 1)' };

describe('semantic mutations planted into a copy of translate.ts: trapeze classify notices each', () => {
  it(`${TRANSLATOR.map((m) => m.name).join('; ')} (and a loop overrunning its budget, not seen)`, async () => {
    const copy = await plantedCopy([...TRANSLATOR, BEYOND]); // the loop mutant (below): classify does not see it
    const io = memoryIo({});
    const status = await copy.main.main(['classify', '--format', 'json'], io);
    expect(status, io.stderr()).toBe(1);
    const report = JSON.parse(io.stdout()) as { translated: string; discrepancies: { mnemonic: string; machine: string; differences: string[] }[] };
    expect(report.translated).toBe("the CPU's translated code (src/cpu/translate.ts)");
    // each mutant's instructions, and nothing else, disagree; each time it is the translated code that does
    expect(report.discrepancies.map((d) => d.mnemonic).sort()).toEqual(TRANSLATOR.flatMap((m) => m.hits).sort());
    for (const d of report.discrepancies) expect(d.machine, d.mnemonic).toBe(report.translated);
    const why = Object.fromEntries(report.discrepancies.map((d) => [d.mnemonic, d.differences.join('; ')]));
    expect(why.st).toMatch(/completes vs traps MEMORY/);
    expect(why.ld).toMatch(/completes vs traps MEMORY/);
    expect(why.bltu).toMatch(/^pc: /);
    // and the classes stay right: the checker's verdicts come from the interpreter, which is not mutated
    expect(copy.classify.classifyIsa(copy.isa, { states: 8, assistStates: 1, translated: false }).discrepancies).toEqual([]);
  });

  it('the limit: a loop that overruns its budget is not seen by classify (above), but by the differential test\'s hot loops', async () => {
    const dir = copyWith([BEYOND]);
    const { hotProperty, HOT_RUNS } = (await import(join(dir, 'test/ref/oracle.ts'))) as typeof cleanOracle;
    expect(fc.check(hotProperty(), { seed: 1982, numRuns: HOT_RUNS, endOnFailure: true }).failed).toBe(true);
  });
});

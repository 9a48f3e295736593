// As the hidden checks do: plant a semantic mutation into a copy of the code (src/cpu/cpu.ts, the machine every
// tool runs), then classify and check equivalence with that copy's own modules. Both must notice.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type * as cleanClassify from '../../src/checker/classify.js';
import * as cleanEquiv from '../../src/vmm/equiv.js';
import { isaOrThrow } from '../../src/isa/table.js';
import { asm } from '../harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COPY = join(ROOT, 'tmp', `planted-${process.pid}`);
afterAll(() => rmSync(COPY, { recursive: true, force: true }));

/** A copy of src/ and isa/ with one edit to src/cpu/cpu.ts; the copy's checker and equivalence checker. */
async function plantedCopy(find: RegExp, replace: string) {
  rmSync(COPY, { recursive: true, force: true });
  mkdirSync(COPY, { recursive: true });
  for (const d of ['src', 'isa']) cpSync(join(ROOT, d), join(COPY, d), { recursive: true });
  const file = join(COPY, 'src/cpu/cpu.ts');
  const text = readFileSync(file, 'utf8');
  if (!find.test(text)) throw new Error(`the mutation site ${find} is not in src/cpu/cpu.ts any more: update this test`);
  writeFileSync(file, text.replace(find, replace));
  return {
    classify: (await import(join(COPY, 'src/checker/classify.ts'))) as typeof cleanClassify,
    equiv: (await import(join(COPY, 'src/vmm/equiv.ts'))) as typeof cleanEquiv,
    isa: ((await import(join(COPY, 'src/isa/table.ts'))) as { isaOrThrow: typeof isaOrThrow }).isaOrThrow('pg32'),
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
    const copy = await plantedCopy(/case ADD:/, 'case ADD: if (R[(w >> B) & 15] === 0x1234) this.flags |= IE;');
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

// As the hidden checks do: plant a semantic mutation into a copy of the code (src/cpu/cpu.ts, the machine every
// tool runs), then run `trapeze classify` and `trapeze equiv` from that copy. Both must notice.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main as cleanMain } from '../../src/cli/main.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COPY = join(ROOT, 'tmp', `planted-${process.pid}`);

/** A copy of src/ and isa/ with one edit to src/cpu/cpu.ts; its CLI entry point. */
async function plantedCopy(find: RegExp, replace: string): Promise<typeof cleanMain> {
  rmSync(COPY, { recursive: true, force: true });
  mkdirSync(COPY, { recursive: true });
  for (const d of ['src', 'isa']) cpSync(join(ROOT, d), join(COPY, d), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(COPY, 'package.json'));
  const file = join(COPY, 'src/cpu/cpu.ts');
  const text = readFileSync(file, 'utf8');
  if (!find.test(text)) throw new Error(`the mutation site ${find} is not in src/cpu/cpu.ts any more: update this test`);
  writeFileSync(file, text.replace(find, replace));
  return ((await import(join(COPY, 'src/cli/main.ts'))) as { main: typeof cleanMain }).main;
}
afterAll(() => rmSync(COPY, { recursive: true, force: true }));

async function cli(main: typeof cleanMain, args: string[], files: Record<string, string> = {}) {
  const io = memoryIo(files, '');
  const status = await main(args, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

// a kernel that adds 0x1234 to something: the mutant sets IE there
const KERNEL = 'li r1, 0x1234\nadd r2, r1, r1\nhalt\n';

describe('a semantic mutation planted into a copy of cpu.ts: add sets IE when rs is 0x1234', () => {
  it('the clean code: equiv finds the kernel equivalent (and add is innocuous: checker.test.ts)', async () => {
    expect((await cli(cleanMain, ['equiv', 'k.s'], { 'k.s': KERNEL })).status).toBe(0);
  });

  it('the planted copy: classify finds add control-sensitive, Theorem 1 failing and the CPU disagreeing with the reference; equiv finds the PSW differs', async () => {
    const main = await plantedCopy(/case ADD:/, 'case ADD: if (R[(w >> B) & 15] === 0x1234) this.flags |= IE;');
    const c = await cli(main, ['classify', '--isa', 'pg32', '--format', 'json', '--states', '80']);
    const j = JSON.parse(c.out);
    expect(c.status).toBe(1);
    const add = j.instructions.find((i: { mnemonic: string }) => i.mnemonic === 'add');
    expect(add).toMatchObject({ controlSensitive: true, privileged: false, userSensitive: true });
    expect(j.theorems['1']).toMatchObject({ holds: false, violators: ['add'] });
    expect(j.discrepancies.map((d: { mnemonic: string }) => d.mnemonic)).toEqual(['add']);
    const e = await cli(main, ['equiv', 'k.s'], { 'k.s': KERNEL });
    expect(e.status).toBe(1);
    expect(e.out).toMatch(/PSW flags: bare 3, virtual 1/);
    expect(e.out).toMatch(/first divergence: after step 2, the instruction at pc \d+: add r2, r1, r1/);
  });
});

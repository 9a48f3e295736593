// Start-up: the command is a bundle whose commands and assembler are chunks
// loaded when needed. Running an image, or asking for the version, must not
// load the assembler or Chevrotain (that is most of the bundle's weight);
// running source must. Checked on the real binary with a module-load hook
// that lists every JavaScript file the process loads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'trapeze.js');
const dir = mkdtempSync(join(tmpdir(), 'trapeze-lazy-'));
const HOOK = join(dir, 'hook.mjs');
writeFileSync(
  HOOK,
  `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent("export async function load(u, c, n) { if (u.startsWith('file:')) process._rawDebug('LOADED ' + u); return n(u, c); }"));\n`,
);

/** The files of the bundle a command loads, and whether Chevrotain is among them. */
function loaded(args: string[]): { files: string[]; chevrotain: boolean; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const files = [...r.stderr.matchAll(/^LOADED file:\/\/(\S+)$/gm)].map((m) => m[1]!).filter((f) => f !== HOOK);
  const chevrotain = files.some((f) => /chevrotain/.test(f) || readFileSync(f, 'utf8').includes('EmbeddedActionsParser'));
  return { files: files.map((f) => f.slice(ROOT.length)), chevrotain, stdout: r.stdout };
}

describe('what each command loads', () => {
  const img = join(dir, 'hello.img');
  it('the binary is the bundle in dist/, never TypeScript at run time', () => {
    const v = loaded(['--version']);
    expect(v.stdout).toMatch(/^trapeze \d+\.\d+\.\d+\n$/);
    expect(v.files.every((f) => f === 'bin/trapeze.js' || f.startsWith('dist/'))).toBe(true);
    expect(v.files.some((f) => f.endsWith('.ts') || f.includes('node_modules'))).toBe(false);
    expect(v.chevrotain).toBe(false);
  });
  it('running an image loads neither the assembler nor Chevrotain; running source loads both', () => {
    expect(spawnSync(process.execPath, [BIN, 'asm', join(ROOT, 'programs', 'hello.s'), '-o', img]).status).toBe(0);
    const image = loaded(['run', img]);
    expect(image.stdout).toBe('Hello, world!\n');
    expect(image.chevrotain).toBe(false);
    const source = loaded(['run', join(ROOT, 'programs', 'hello.s')]);
    expect(source.stdout).toBe('Hello, world!\n');
    expect(source.chevrotain).toBe(true);
    expect(source.files.length).toBeGreaterThan(image.files.length);
  });
});

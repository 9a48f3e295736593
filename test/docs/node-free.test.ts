// The library core runs in the browser too (the playground), so nothing in
// src/ outside the command line (src/cli) and the tour may import Node's
// modules or use its globals.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const NODE_ONLY = [
  [/\bfrom\s+['"](node:[^'"]+|fs|path|os|url|util|child_process|module|crypto|buffer|process)['"]/, 'imports a Node module'],
  [/\bimport\(\s*['"]node:/, 'imports a Node module'],
  [/\brequire\(/, 'uses require'],
  [/\bBuffer\b/, 'uses Buffer'],
  [/\bprocess\.(?!env\b)|\bprocess\.env\b/, 'uses process'],
  [/\b__dirname\b|\b__filename\b/, 'uses __dirname'],
] as const;

it('the library core (everything in src/ but src/cli and the tour, src/tour*.ts) uses nothing from Node', () => {
  const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(SRC, f));
  const core = files.filter((f) => !relative(SRC, f).startsWith('cli/') && !relative(SRC, f).startsWith('tour'));
  expect(core.length).toBeGreaterThan(20);
  const found: string[] = [];
  for (const f of core) {
    // comments may mention Node; code may not
    const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    for (const [re, what] of NODE_ONLY) if (re.test(code)) found.push(`${relative(SRC, f)} ${what}`);
  }
  expect(found).toEqual([]);
});

it('the check itself finds Node in a core file', () => {
  const sample = "import { readFileSync } from 'node:fs';\nconst b = Buffer.from('x');\n";
  expect(NODE_ONLY.filter(([re]) => re.test(sample)).map(([, w]) => w)).toEqual(['imports a Node module', 'uses Buffer']);
});

#!/usr/bin/env node
/**
 * The build: `npm run build` (and `prepare`, so `npm install` in a fresh
 * clone and `npm pack` both run it).
 *
 *   dist/cli.js, dist/index.js   esbuild bundles (ESM, Node 20): the command and the library,
 *   dist/chunks/*.js             sharing chunks; every command, and the assembler with
 *                                Chevrotain, is a chunk loaded only when it is needed
 *   dist/types/**\/*.d.ts        the library's types (tsc --emitDeclarationOnly)
 *
 *   node bin/build.js            all of it
 *   node bin/build.js --js       the bundles only (a fraction of a second: the tests' setup)
 *   node bin/build.js --types    the types only
 *   --force                      the types even if they are newer than every source
 *
 * Bundled, a command starts several times faster than through tsx (which
 * compiles TypeScript at run time, and loads Chevrotain's ~650 lodash-es
 * modules one by one through its hooks): see bench/startup.bench.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');

/** The JavaScript bundles. */
export async function buildJs() {
  const { build } = await import('esbuild');
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  rmSync(join(DIST, 'chunks'), { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'src/cli/bin.ts', index: 'src/index.ts' },
    outdir: 'dist',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Smaller files parse faster; names are kept so an internal error's stack trace still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    define: { __TRAPEZE_VERSION__: JSON.stringify(version) },
    logLevel: 'warning',
  });
}

const TYPES = join(DIST, 'types');
/** written after every types build: they are as new as this (tsc does not rewrite an unchanged declaration) */
const STAMP = join(TYPES, '.built');

/**
 * The library's .d.ts files. tsc also writes the declarations of modules no
 * public type refers to (the parser's, which name Chevrotain's types): those
 * are removed, so what ships is exactly what `import … from 'trapeze'` sees.
 */
export function buildTypes({ force = false } = {}) {
  if (!force && typesFresh()) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const emit = () => {
    const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`tsc failed (exit ${r.status})`);
  };
  const reachable = () => {
    const needed = new Set();
    let missing = false;
    const visit = (file) => {
      if (needed.has(file)) return;
      if (!existsSync(file)) return void (missing = true);
      needed.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) visit(join(dirname(file), m[1] + '.d.ts'));
    };
    visit(join(TYPES, 'src', 'index.d.ts'));
    return { needed, missing };
  };
  emit();
  let { needed, missing } = reachable();
  if (missing) {
    // an incremental build does not rewrite a declaration pruned earlier that is needed now: build afresh
    rmSync(TYPES, { recursive: true, force: true });
    emit();
    ({ needed, missing } = reachable());
    if (missing) throw new Error('a declaration the library needs was not emitted');
  }
  for (const f of readdirSync(TYPES, { recursive: true })) {
    const path = join(TYPES, String(f));
    if (path.endsWith('.d.ts') && !needed.has(path)) rmSync(path);
  }
  writeFileSync(STAMP, new Date().toISOString() + '\n');
}

/** The declarations are newer than every TypeScript source and config they come from: nothing to do. */
function typesFresh() {
  const index = join(TYPES, 'src', 'index.d.ts');
  if (!existsSync(index) || !existsSync(STAMP)) return false;
  const built = statSync(STAMP).mtimeMs;
  const sources = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => join(ROOT, f));
  for (const dir of ['src', 'isa']) {
    for (const f of readdirSync(join(ROOT, dir), { recursive: true })) if (String(f).endsWith('.ts')) sources.push(join(ROOT, dir, String(f)));
  }
  return sources.every((f) => statSync(f).mtimeMs < built);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const only = process.argv.includes('--js') ? 'js' : process.argv.includes('--types') ? 'types' : undefined;
  if (only !== 'types') await buildJs();
  if (only !== 'js') buildTypes({ force: process.argv.includes('--force') });
}

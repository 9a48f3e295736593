/**
 * Builds the playground into a static site (web/dist by default): index.html,
 * app.js + app.css for the page, worker.js for its Web Worker. Nothing in it
 * needs a server: any static host, or `trapeze web`, serves it.
 *
 * The examples menu is generated here from programs/ (every .s file, with
 * its .input), so a program added there appears in the page.
 *
 * Run it with `npm run build:web` (or `tsx web/build.ts [OUTDIR]`).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(WEB_DIR, '..');
export const DIST = join(WEB_DIR, 'dist');
const PROGRAMS = join(ROOT, 'programs');

/** One entry of the examples menu. */
export interface Example {
  /** path under programs/, e.g. os/kernel.s */
  readonly path: string;
  /** the menu group: the folder ('programs' for the top level) */
  readonly group: string;
  /** what the program's first comment line says it is */
  readonly title: string;
  readonly source: string;
  /** its .input file, if any */
  readonly input?: string;
  /** the ISA it is written for: `.isa NAME`, else a `; isa: NAME` line near the top */
  readonly isa?: string;
  /** a part of programs (programs/lib/, or a file some program `.include`s), not a program: not in the menu */
  readonly part?: true;
  /** programs its header runs it with (`trapeze run programs/THIS.s --load programs/X.s@ADDR …`), as `X.s@ADDR` */
  readonly loads?: readonly string[];
}

/** The `--load`s of the first `trapeze run programs/PATH …` command in a program's header comment, paths relative to programs/. */
export function headerLoads(path: string, source: string): string[] {
  const header: string[] = [];
  for (const line of source.split(/\r?\n/)) {
    if (!line.startsWith(';')) break;
    header.push(line.replace(/^;\s?/, ''));
  }
  const text = header.join('\n').replace(/\\\n\s*/g, ' ');
  const m = new RegExp(`trapeze run programs/${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}((?:\\s+--load\\s+\\S+)+)`).exec(text);
  return m ? [...m[1]!.matchAll(/--load\s+programs\/(\S+)/g)].map((x) => x[1]!) : [];
}

export function examples(dir = PROGRAMS): Example[] {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.s')).map((f) => f.split(sep).join('/'));
  const depth = (f: string) => f.split('/').length;
  files.sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  const parts = new Set(files.filter((f) => f.startsWith('lib/')));
  for (const f of files) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^\s*(?:[A-Za-z_]\w*\s*:\s*)?\.include\s+"([^"]+)"/gim)) {
      parts.add(join(f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '', m[1]!).split(sep).join('/'));
    }
  }
  return files.map((path) => {
    const source = readFileSync(join(dir, path), 'utf8');
    const inputPath = join(dir, path.replace(/\.s$/, '.input'));
    const head = source.split(/\r?\n/).slice(0, 12).join('\n');
    const isa = /^\s*\.isa\s+(\S+)/im.exec(source)?.[1] ?? /^;\s*isa:\s*(\S+)/m.exec(head)?.[1];
    const first = /^;\s*(.*)$/m.exec(head)?.[1] ?? path;
    const title = first.replace(/^\S+\.s\s*[—–-]\s*/, '').trim() || path;
    const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : 'programs';
    const loads = headerLoads(path, source);
    return { path, group: folder, title, source, ...(existsSync(inputPath) ? { input: readFileSync(inputPath, 'utf8') } : {}), ...(isa ? { isa } : {}), ...(parts.has(path) ? { part: true as const } : {}), ...(loads.length ? { loads } : {}) };
  });
}

/** `import examples from 'trapeze:examples'`: the menu, made from programs/ at build time. */
const examplesPlugin: Plugin = {
  name: 'trapeze-examples',
  setup(b) {
    b.onResolve({ filter: /^trapeze:examples$/ }, () => ({ path: 'examples', namespace: 'trapeze-examples', watchDirs: [PROGRAMS] }));
    b.onLoad({ filter: /.*/, namespace: 'trapeze-examples' }, () => ({ contents: `export default ${JSON.stringify(examples())};`, loader: 'js' }));
  },
};

/** The page and the library core it uses must not reach for Node: say so, naming the importer. */
const NODE_MODULES = new Set(builtinModules);
export const noNodePlugin: Plugin = {
  name: 'no-node',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!args.path.startsWith('node:') && !NODE_MODULES.has(name.split('/')[0]!)) return undefined;
      return { errors: [{ text: `${relative(ROOT, args.importer)} imports the Node module '${args.path}': the library core and the playground must run in a browser (only src/cli may use Node)` }] };
    });
  },
};

export interface BuildResult {
  readonly outdir: string;
  readonly ms: number;
  /** bytes of each file written */
  readonly files: Readonly<Record<string, number>>;
}

export async function buildWeb(opts: { outdir?: string; minify?: boolean } = {}): Promise<BuildResult> {
  const { build } = await import('esbuild');
  const outdir = opts.outdir ?? DIST;
  const t0 = performance.now();
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const r = await build({
    entryPoints: { app: join(WEB_DIR, 'src/main.ts'), worker: join(WEB_DIR, 'src/worker.ts') },
    outdir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: opts.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    plugins: [examplesPlugin, noNodePlugin],
  });
  await copyFile(join(WEB_DIR, 'index.html'), join(outdir, 'index.html'));
  const files: Record<string, number> = {};
  for (const [f, o] of Object.entries(r.metafile.outputs)) if (!f.endsWith('.map')) files[relative(outdir, f)] = o.bytes;
  files['index.html'] = statSync(join(outdir, 'index.html')).size;
  return { outdir, ms: performance.now() - t0, files };
}

/** The build's errors, one line each (esbuild's own message says where). */
export function buildErrors(e: unknown): string[] {
  const errs = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
  if (!errs?.length) return [(e as Error).message ?? String(e)];
  return errs.map((x) => (x.location ? `${x.location.file}:${x.location.line}:${x.location.column + 1}: error: ${x.text}` : `error: ${x.text}`));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = process.argv[2] ?? DIST;
  try {
    const r = await buildWeb({ outdir });
    const total = Object.values(r.files).reduce((a, b) => a + b, 0);
    console.log(`built the playground in ${relative(process.cwd(), r.outdir) || '.'} (${Object.entries(r.files).map(([f, n]) => `${f} ${(n / 1024).toFixed(0)} KB`).join(', ')}; ${(total / 1024).toFixed(0)} KB in ${r.ms.toFixed(0)} ms)`);
  } catch (e) {
    for (const l of buildErrors(e)) console.error(l);
    process.exitCode = 1;
  }
}

/**
 * trapeze web: serve the browser playground on 127.0.0.1. The playground is
 * a static site (web/dist); in a checkout this builds it first (web/build.ts,
 * in a child process: esbuild is a development tool, not part of the
 * command) if it is missing or older than its sources; an installed package
 * ships it built. No code runs on the server: the page and its Web Workers
 * do everything.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intFlag, parseArgs } from './args.js';
import { UsageError, type Io } from './io.js';

const DEFAULT_PORT = 8080;

const USAGE = [
  'usage: trapeze web [--port N] [--build]',
  '',
  'Serves the playground (editor, debugger, classifier, monitors, nanobenchmarks) on',
  'http://127.0.0.1:PORT/ and prints the address. Ctrl+C stops it.',
  'The page is a static site: `npm run build:web` writes it to web/dist for any static host.',
  '',
  `  --port N     the port (default ${DEFAULT_PORT}; 0 picks a free one)`,
  '  --build      build the site again first, even if it is up to date',
].join('\n');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface WebServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serve the files of `dir` (GET and HEAD only, nothing outside it) on 127.0.0.1:port. */
export function serveStatic(dir: string, port: number): Promise<WebServer> {
  const root = normalize(dir + sep);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? path + 'index.html' : path));
    let body: Buffer;
    try {
      if (!file.startsWith(root) || !statSync(file).isFile()) throw new Error('not a file');
      body = readFileSync(file);
    } catch {
      // Missing, outside the site, or gone while the site is rebuilt: never a crash.
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const a = server.address();
      const p = typeof a === 'object' && a ? a.port : port;
      resolve({ url: `http://127.0.0.1:${p}/`, server, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/** The trapeze package's folder: above this file, bundled (dist/) or not (src/cli/). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let d = from; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'trapeze') return d;
    if (dirname(d) === d) throw new Error(`trapeze's package.json is not above ${from}`);
  }
}

/** What the site is built from: the page's sources, the library it bundles, the programs for its menu. */
const SOURCES = ['web/src', 'web/index.html', 'web/build.ts', 'src', 'isa', 'programs', 'bench/nano-programs.ts'];

/** Is there no built site, or (in a checkout) is it older than its sources? */
export function needsBuild(root: string): boolean {
  const dist = join(root, 'web', 'dist');
  const index = join(dist, 'index.html');
  if (!['index.html', 'app.js', 'worker.js'].every((f) => existsSync(join(dist, f)))) return true;
  if (!existsSync(join(root, 'web', 'src'))) return false; // an installed package: shipped built
  let newest = 0;
  const walk = (p: string) => {
    if (!existsSync(p) || p === join(root, 'src', 'cli')) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p)) walk(join(p, f));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const d of SOURCES) walk(join(root, d));
  return newest > statSync(index).mtimeMs;
}

/** Build the site if needed (or `force`); build errors are printed one line each, status 1. */
export function ensureBuilt(io: Io, force: boolean): string {
  const root = packageRoot();
  const dist = join(root, 'web', 'dist');
  if (!force && !needsBuild(root)) return dist;
  const script = join(root, 'web', 'build.ts');
  if (!existsSync(script)) throw new UsageError('trapeze web: the playground is not built, and this copy of trapeze has no web/build.ts to build it: reinstall trapeze', 1);
  io.err(`trapeze web: building the playground in ${dist} …\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, dist], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    const lines = `${r.stderr ?? ''}${r.error ? r.error.message : ''}`.split('\n').filter(Boolean);
    for (const l of lines.slice(0, 20)) io.err(`trapeze web: ${l}\n`);
    throw new UsageError('trapeze web: the playground did not build (npm install installs what it needs)', 1);
  }
  return dist;
}

export async function webCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs('web', args, { port: { value: true }, build: {}, help: { short: 'h' } }, USAGE);
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  if (p.positional.length) throw new UsageError(`trapeze web: unexpected argument '${p.positional[0]}'\n${USAGE}`);
  const port = intFlag('web', p, 'port', DEFAULT_PORT, 0, 65535);
  const dir = ensureBuilt(io, p.flags.has('build'));
  let web: WebServer;
  try {
    web = await serveStatic(dir, port);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new UsageError(`trapeze web: port ${port} is in use; choose another with --port N (0 picks a free one)`);
    if (code === 'EACCES') throw new UsageError(`trapeze web: not allowed to listen on port ${port}; choose one above 1023 with --port N`);
    throw e;
  }
  io.out(`trapeze playground: ${web.url}\n`);
  io.err('(serving web/dist on 127.0.0.1 only; Ctrl+C stops)\n');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void web.close().then(resolve);
      web.server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

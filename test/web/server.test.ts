/**
 * `trapeze web`: its static server (GET and HEAD only, nothing outside the
 * site, the right content types) and its command line.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { serveStatic, type WebServer } from '../../src/cli/web.js';

function io() {
  const m = memoryIo();
  return { io: m, out: () => m.stdout(), err: () => m.stderr() };
}

describe('the static server', () => {
  let dir: string;
  let web: WebServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trapeze-serve-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dir, 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'sub', 'x.css'), 'p{}');
    writeFileSync(join(tmpdir(), 'trapeze-secret.txt'), 'secret');
    web = await serveStatic(dir, 0);
  });
  afterAll(async () => {
    await web.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and serves the site with its content types', async () => {
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(web.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>t</title>');
    expect((await fetch(web.url + 'app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(web.url + 'sub/x.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('serves nothing outside the site, and only GET and HEAD', async () => {
    expect((await fetch(web.url + 'nope.js')).status).toBe(404);
    expect((await fetch(web.url + '..%2Ftrapeze-secret.txt')).status).toBe(404);
    expect((await fetch(web.url + '%2e%2e/%2e%2e/trapeze-secret.txt')).status).toBe(404);
    expect((await fetch(web.url + 'sub')).status).toBe(404);
    expect((await fetch(web.url, { method: 'POST', body: 'x' })).status).toBe(405);
    const head = await fetch(web.url + 'app.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('trapeze web, the command', () => {
  it('--help says what it does', async () => {
    const t = io();
    expect(await main(['web', '--help'], t.io)).toBe(0);
    expect(t.out()).toMatch(/^usage: trapeze web \[--port N\]/);
    expect(t.out()).toContain('127.0.0.1');
  });

  it('is listed in trapeze --help', async () => {
    const t = io();
    await main(['--help'], t.io);
    expect(t.out()).toMatch(/\n {2}web +serve the browser playground/);
  });

  it('a bad port or argument is one line and status 2, before anything is built', async () => {
    for (const args of [['--port', '70000'], ['--port', 'http'], ['extra']]) {
      const t = io();
      expect(await main(['web', ...args], t.io)).toBe(2);
      expect(t.err()).toMatch(/^trapeze web: /);
      expect(t.err()).not.toContain('building');
    }
  });

  it('a port in use is one line saying so', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(serveStatic(tmpdir(), port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      blocker.close();
    }
  });
});

/**
 * The browser test harness: the playground built once (esbuild, into a
 * temporary folder), served by `trapeze web`'s own static server on a free
 * port, and one headless Chromium (Debian's, /usr/bin/chromium) shared by
 * every test. Each test gets a fresh page; it fails if the page logs an
 * error, and leaves a screenshot in test/web/failures/ when it fails.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { serveStatic, type WebServer } from '../../src/cli/web.js';
import { buildWeb } from '../../web/build.js';

export const CHROMIUM = process.env.TRAPEZE_CHROMIUM ?? '/usr/bin/chromium';
const FAILURES = join(dirname(fileURLToPath(import.meta.url)), 'failures');

/** The flags this machine's Chromium needs: no sandbox (root), no GPU, and no network of its own. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser | undefined;
let server: WebServer | undefined;
let site: string | undefined;

export async function startBrowser(): Promise<string> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does this), or set TRAPEZE_CHROMIUM to its path`);
  }
  site = mkdtempSync(join(tmpdir(), 'trapeze-web-'));
  const [, b] = await Promise.all([
    buildWeb({ outdir: site }),
    // Playwright gives every launch a fresh, empty profile (its own --user-data-dir).
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
  ]);
  browser = b;
  server = await serveStatic(site, 0);
  return server.url;
}

export async function stopBrowser(): Promise<void> {
  await browser?.close();
  await server?.close();
  if (site) rmSync(site, { recursive: true, force: true });
}

export interface PageUnderTest {
  readonly page: Page;
  /** console errors and uncaught exceptions so far */
  readonly errors: string[];
}

/** A fresh page at 1280×800 on the playground, with its errors collected. */
export async function openPage(hash = ''): Promise<PageUnderTest> {
  if (!browser || !server) throw new Error('startBrowser() did not run');
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  await page.goto(server.url + hash);
  await page.waitForSelector('.cm-content');
  return { page, errors };
}

/** A test that runs in a fresh page: no console errors allowed; a screenshot if it fails. */
export function browserTest(name: string, fn: (t: PageUnderTest) => Promise<void>, timeout = 60_000): void {
  it(name, async () => {
    const t = await openPage();
    try {
      await fn(t);
      expect(t.errors, 'the page logged errors').toEqual([]);
    } catch (e) {
      mkdirSync(FAILURES, { recursive: true });
      const file = join(FAILURES, `${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}.png`);
      await t.page.screenshot({ path: file }).catch(() => undefined);
      throw e;
    } finally {
      await t.page.close();
    }
  }, timeout);
}

// ------------------------------------------------------------ actions

/** Replace the editor's text: pasted (the default), or typed key by key. */
export async function typeProgram(page: Page, text: string, how: 'paste' | 'keys' = 'paste'): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  if (how === 'keys') await page.keyboard.type(text);
  else await page.keyboard.insertText(text);
}

export const status = (page: Page) => page.textContent('#status-state');

/** Wait until the status badge says one of `states`. */
export async function waitForStatus(page: Page, ...states: string[]): Promise<string> {
  await page.waitForFunction((s) => s.includes(document.querySelector('#status-state')?.textContent ?? ''), states, { timeout: 30_000 });
  return (await status(page))!;
}

export async function register(page: Page, r: number): Promise<string> {
  return (await page.locator('#regs .reg .val').nth(r).textContent())!;
}

export async function outputText(page: Page): Promise<string> {
  return (await page.textContent('#output')) ?? '';
}

/** Wait until the first element matching `selector` contains `text`. */
export async function waitForText(page: Page, selector: string, text: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(([sel, t]) => document.querySelector(sel!)?.textContent?.includes(t!) ?? false, [selector, text], { timeout });
}

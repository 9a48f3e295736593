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
  shared = undefined;
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

let shared: PageUnderTest | undefined;

/**
 * Back to a known state without reloading (a page load costs seconds on a
 * busy machine): the first tab, no program, no breakpoints, ISA auto, the
 * default step limit, nothing running.
 */
async function fresh(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.querySelector<HTMLButtonElement>('#tab-debug')!.click();
    for (const p of document.querySelectorAll<HTMLElement>('.popover')) p.hidden = true;
    const stop = document.querySelector<HTMLButtonElement>('#toolbar button[data-action=stop]')!;
    if (!stop.disabled) stop.click();
    const set = (id: string, v: string) => {
      const f = document.querySelector<HTMLInputElement>(id)!;
      f.value = v;
      f.dispatchEvent(new Event('change'));
    };
    set('#isa', 'auto');
    set('#max-steps', '1000000000');
    (window as unknown as { trapeze: { editor: { setText(s: string): void } } }).trapeze.editor.setText('');
  });
}

/**
 * A test in the shared page, reset first: no console errors allowed; a
 * screenshot in test/web/failures/ if it fails (and a new page for the next).
 */
export function browserTest(name: string, fn: (t: PageUnderTest) => Promise<void>, timeout = 60_000): void {
  it(name, async () => {
    shared ??= await openPage();
    const t = shared;
    t.errors.length = 0;
    try {
      await fresh(t.page);
      await fn(t);
      expect(t.errors, 'the page logged errors').toEqual([]);
    } catch (e) {
      mkdirSync(FAILURES, { recursive: true });
      const file = join(FAILURES, `${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}.png`);
      await t.page.screenshot({ path: file }).catch(() => undefined);
      shared = undefined;
      await t.page.close().catch(() => undefined);
      throw e;
    }
  }, timeout);
}

// ------------------------------------------------------------ actions

/** Replace the editor's text: pasted (the default), or typed key by key. */
export async function typeProgram(page: Page, text: string, how: 'paste' | 'keys' = 'paste'): Promise<void> {
  await page.evaluate(() => (window as unknown as { trapeze: { editor: { setText(s: string): void } } }).trapeze.editor.setText(''));
  await page.click('.cm-content');
  if (how === 'keys') await page.keyboard.type(text);
  else await page.keyboard.insertText(text);
  // The editor has taken all of it in (as it has by the time a person presses the next key).
  await page.waitForFunction((t) => (window as unknown as { trapeze: { editor: { text: string } } }).trapeze.editor.text === t, text);
}

export const status = (page: Page) => page.textContent('#status-state');

/** Do `action`, then wait until the status badge is updated to one of `states` (not an old one). */
export async function after(page: Page, action: () => Promise<unknown>, ...states: string[]): Promise<string> {
  const seq = Number(await page.getAttribute('#status-state', 'data-seq'));
  await action();
  await page.waitForFunction(
    ([s0, ss]) => {
      const b = document.querySelector<HTMLElement>('#status-state');
      return Number(b?.dataset.seq) > (s0 as number) && (ss as string[]).includes(b?.textContent ?? '');
    },
    [seq, states] as const,
    { timeout: 30_000 },
  );
  return (await status(page))!;
}

/** Press a key, then wait for one of `states`. */
export const press = (page: Page, key: string, ...states: string[]) => after(page, () => page.keyboard.press(key), ...states);

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

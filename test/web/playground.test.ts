/**
 * The playground in a real browser (Debian's Chromium, headless): what a
 * student does with it, end to end, through the page's own controls and
 * keyboard shortcuts.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { after, browserTest, outputText, press, register, startBrowser, stopBrowser, typeProgram, waitForText } from './browser.js';

beforeAll(startBrowser, 60_000);
afterAll(stopBrowser);

const COUNT3 = ['start:  li r1, 3        ; count down from 3', 'loop:   addi r1, r1, -1', '        bne r1, r0, loop', "        li r2, 'K'", '        out r2, 0', '        halt'].join('\n');

describe('playground: editor and debugger', () => {
  browserTest('assembles and runs hello, and a program typed in', async ({ page }) => {
    await page.selectOption('#examples', 'hello.s');
    await press(page, 'F5', 'halted');
    expect(await outputText(page)).toBe('Hello, world!\n');
    expect(await page.textContent('#status-message')).toMatch(/halted after \d+ steps/);

    await typeProgram(page, COUNT3, 'keys');
    expect(await page.evaluate(() => (window as unknown as { trapeze: { editor: { text: string } } }).trapeze.editor.text)).toBe(COUNT3);
    await after(page, () => page.click('#toolbar button[data-action=run]'), 'halted');
    expect(await outputText(page)).toBe('K');
    expect(await register(page, 2)).toBe('0x0000004b');
  });

  browserTest('works with the keyboard alone', async ({ page }) => {
    // The first thing Tab reaches is the link that skips to the editor.
    expect(await page.evaluate(() => document.querySelector('a, button, input, select, [tabindex]')?.textContent)).toBe('Skip to the editor');
    await page.focus('#examples');
    await page.keyboard.press('Home'); // (your program)
    for (let i = 0; i < 10 && (await page.inputValue('#examples')) !== 'fib.s'; i++) await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('#examples')).toBe('fib.s');
    await page.keyboard.press('F10');
    await page.waitForFunction(() => document.querySelector('#psw')?.textContent?.includes('step1instructions'));
    await press(page, 'F5', 'halted');
    expect(await outputText(page)).toContain('4181');
    await press(page, 'Shift+F10', 'paused');
    // The tabs answer to Alt+number and to the arrow keys.
    await page.keyboard.press('Alt+2');
    expect(await page.isVisible('#view-classify')).toBe(true);
    await page.focus('#tab-classify');
    await page.keyboard.press('ArrowRight');
    expect(await page.isVisible('#view-virtualize')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-virtualize');
    // The help lists the keys; Escape closes it.
    await page.keyboard.press('?');
    expect(await page.isVisible('#help')).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.isVisible('#help')).toBe(false);
  });

  browserTest('steps and reverse-steps, marking what changed', async ({ page }) => {
    await typeProgram(page, COUNT3);
    await page.keyboard.press('F10'); // assembles, then steps: li r1, 3
    await page.waitForFunction(() => document.querySelector('#psw')?.textContent?.includes('step1instructions'));
    expect(await register(page, 1)).toBe('0x00000003');
    await expect.poll(() => page.locator('#regs .reg.changed').count()).toBe(1);
    await page.keyboard.press('F10'); // addi: r1 = 2
    await page.waitForFunction(() => document.querySelector('#psw')?.textContent?.includes('step2instructions'));
    expect(await register(page, 1)).toBe('0x00000002');
    expect(await page.textContent('.cm-pc-line')).toContain('bne r1, r0, loop');

    await page.keyboard.press('Shift+F10'); // back before the addi
    await page.waitForFunction(() => document.querySelector('#psw')?.textContent?.includes('step1instructions'));
    expect(await register(page, 1)).toBe('0x00000003');
    expect(await page.textContent('.cm-pc-line')).toContain('addi r1, r1, -1');
    await page.click('#toolbar button[data-action=reverse]');
    await page.waitForFunction(() => document.querySelector('#psw')?.textContent?.includes('step0instructions'));
    expect(await register(page, 1)).toBe('0x00000000');
    await expect.poll(() => page.isDisabled('#toolbar button[data-action=reverse]')).toBe(true);
  });

  browserTest('stops at a breakpoint set in the gutter, every time round the loop', async ({ page }) => {
    await typeProgram(page, COUNT3);
    // Line 3 (bne) gets a breakpoint: click the breakpoint gutter beside it.
    const gutter = (await page.locator('.cm-breakpoint-gutter').boundingBox())!;
    const line3 = (await page.locator('.cm-line').nth(2).boundingBox())!;
    await page.mouse.click(gutter.x + gutter.width / 2, line3.y + line3.height / 2);
    await expect.poll(() => page.locator('.cm-bp').count()).toBe(1);
    await press(page, 'F5', 'breakpoint');
    expect(await page.textContent('.cm-pc-line')).toContain('bne r1, r0, loop');
    expect(await register(page, 1)).toBe('0x00000002');
    await page.keyboard.press('F8');
    await page.waitForFunction(() => document.querySelector('#regs .reg:nth-child(2) .val')?.textContent === '0x00000001');
    expect(await page.textContent('#status-state')).toBe('breakpoint');
    // F9 on the cursor's line takes it away again; Continue then runs to the end.
    await page.locator('.cm-line').nth(2).click();
    await page.keyboard.press('F9');
    await expect.poll(() => page.locator('.cm-bp').count()).toBe(0);
    await press(page, 'F8', 'halted');
    expect(await outputText(page)).toBe('K');
  });

  browserTest('shows every assembly error inline, at its line and column, as you type', async ({ page }) => {
    await typeProgram(page, ['start:  li r1, 3', '        addi r1, r1', '        bogus r2', '        halt'].join('\n'));
    await expect.poll(() => page.locator('.cm-lintRange-error').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.textContent('#diagnostics')).toMatch(/2 errors, line 2/);
    const marked = await page.locator('.cm-lintRange-error').allTextContents();
    expect(marked).toContain('bogus');
    // Every message names its line and column: the list of them.
    await page.click('#diagnostics');
    await page.waitForSelector('.cm-panel-lint li');
    const messages = await page.locator('.cm-panel-lint li').allTextContents();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^2:\d+: /);
    expect(messages[1]).toMatch(/^3:9: .*bogus/);
    // Running does not start: the errors are reported instead.
    await press(page, 'F5', 'errors');
    expect(await page.textContent('#status-message')).toMatch(/2 assembly errors/);
  });

  browserTest('Stop ends an endless loop at once, and the page stays responsive while it runs', async ({ page }) => {
    await typeProgram(page, 'spin:   b spin');
    // Far more steps than the default limit (10^9, about a second at full speed).
    await page.click('#settings-button');
    await page.fill('#max-steps', '1000000000000000');
    await page.click('#settings-button'); // closes it; the field's change is sent
    await press(page, 'F5', 'running');
    // The page answers while the worker runs: the editor takes typing.
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('  ; still typing');
    expect(await page.textContent('.cm-content')).toContain('still typing');
    const t0 = Date.now();
    await after(page, () => page.click('#toolbar button[data-action=stop]'), 'paused');
    // Stop is heard between two chunks of about 25 ms (or the worker is ended after 0.6 s); generous for a busy machine.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await page.textContent('#status-message')).toMatch(/stopped at step [\d,]+/);
  });

  browserTest('console input: a program waiting for input goes on when a line is typed', async ({ page }) => {
    await page.selectOption('#examples', 'echo.s');
    // Without its example input: type the program's input by hand.
    await typeProgram(page, await page.evaluate(() => (window as unknown as { trapeze: { editor: { text: string } } }).trapeze.editor.text + '\n'));
    await press(page, 'F5', 'waiting');
    await page.fill('#input', 'héllo');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#output')?.textContent === 'héllo\n');
    await after(page, () => page.click('#end-input'), 'halted');
  });
});

describe('playground: examples', () => {
  browserTest('a program that includes library files assembles and runs (.include reads programs/), with programs loaded beside it', async ({ page }) => {
    const menu = await page.locator('#examples option').allTextContents();
    expect(menu.some((o) => o.startsWith('type1.s'))).toBe(true);
    expect(menu.some((o) => o.startsWith('core.s') || o.startsWith('print.s'))).toBe(false); // parts, not programs
    // type1.s, a monitor written in PG32, with the guests its header loads beside it (Settings: Also load).
    await page.selectOption('#examples', 'vmm/type1.s');
    expect(await page.inputValue('#loads')).toBe('hello.s@0x4000 sieve.s@0x8000');
    await waitForText(page, '#diagnostics', 'assembles');
    await press(page, 'F5', 'halted');
    expect(await outputText(page)).toContain('[hello] Hello, world!\ntype1: hello: halted');
    expect(await outputText(page)).toContain('[sieve] 25 primes below 100');
    // A missing include is an error at the .include line.
    await typeProgram(page, 'start:  halt\n        .include "nowhere.s"\n');
    await waitForText(page, '#diagnostics', '1 error, line 2');
  });
});

describe('playground: sharing', () => {
  browserTest('a shared link brings the program and its ISA back', async ({ page }) => {
    const program = "; shared\nstart:  li r1, 'é'\n        halt\n";
    await typeProgram(page, program);
    await page.fill('#isa', 'pg32+getr');
    await page.dispatchEvent('#isa', 'change');
    await page.click('#share');
    await page.waitForFunction(() => location.hash.includes('z='));
    await page.evaluate(() => (window as unknown as { trapeze: { editor: { setText(s: string): void } } }).trapeze.editor.setText('; something else'));
    await page.reload();
    await page.waitForFunction((p) => (window as unknown as { trapeze?: { editor: { text: string } } }).trapeze?.editor.text === p, program);
    expect(await page.inputValue('#isa')).toBe('pg32+getr');
    await page.evaluate(() => history.replaceState(null, '', location.pathname));
  });
});

describe('playground: classify, virtualize', () => {
  browserTest('classifies pg32-x86: Theorems 1 and 3 fail, with the violators and their witnesses', async ({ page }) => {
    await page.click('#tab-classify');
    await page.fill('#classify-isa', 'pg32-x86');
    await page.click('#classify-form button[type=submit]');
    await page.waitForSelector('.verdict', { timeout: 60_000 });
    const verdicts = await page.locator('.verdict').allTextContents();
    const t1 = verdicts.find((v) => v.startsWith('Theorem 1'))!;
    const t3 = verdicts.find((v) => v.startsWith('Theorem 3'))!;
    expect(t1).toContain('fails');
    expect(t1).toMatch(/violated by\s*gpsw\s*sflags\s*getr/);
    expect(t3).toContain('fails');
    expect(t3).toContain('getr');
    expect(await page.locator('#class-table tbody tr').count()).toBe(45);
    // The witness of getr: two states side by side, the difference marked.
    await page.locator('.verdict', { hasText: 'Theorem 3' }).locator('.chip', { hasText: 'getr' }).click();
    await waitForText(page, '#witness h2', 'getr');
    expect(await page.locator('#witness .wit h3').count()).toBeGreaterThan(0);
    expect(await page.locator('#witness tr.differs').count()).toBeGreaterThan(0);
    expect(await page.locator('#witness').textContent()).toContain('location');

    // A composed ISA: getr breaks Theorems 1 and 3, and vt's guest mode admits hw (and bt rewrites getr).
    await page.fill('#classify-isa', 'pg32+getr+vt');
    await page.keyboard.press('Enter');
    await waitForText(page, '#classify-status', 'pg32+getr+vt: 44 instructions classified', 60_000);
    const composed = await page.locator('.verdict').allTextContents();
    expect(composed.find((v) => v.startsWith('Theorem 1'))).toMatch(/fails.*violated by\s*getr$/);
    expect(composed.find((v) => v.startsWith('Hardware assist'))).toContain('holds');
    expect(composed.find((v) => v.startsWith('Monitors'))).toMatch(/✓ hw admitted/);
    expect(await page.locator('#class-table tbody tr').count()).toBe(44);
  }, 90_000);

  browserTest('runs two guests under the VMM, each with its own console and lane on the timeline', async ({ page }) => {
    await page.keyboard.press('Alt+3');
    expect(await page.isVisible('#view-virtualize')).toBe(true);
    expect(await page.locator('#guests li').allTextContents()).toEqual([expect.stringContaining('hello.s'), expect.stringContaining('fib.s')]);
    await page.click('#vmm-form button[type=submit]');
    await waitForText(page, '#vmm-status', 'done');
    const consoles = await page.locator('#vm-consoles .vm').allTextContents();
    expect(consoles).toHaveLength(2);
    expect(consoles[0]).toContain('Hello, world!');
    expect(consoles[0]).toContain('halted');
    expect(consoles[1]).toContain('0 1 1 2 3 5 8 13');
    expect(await page.locator('#timeline svg .lane-label').allTextContents()).toEqual(['hello', 'fib']);
    expect(await page.locator('#timeline svg .event.emulate').count()).toBeGreaterThan(0);
    // hello's `out`s: each trap and its emulation, at its step, in the event table too.
    await page.click('#vmm-events summary');
    expect(await page.locator('#vmm-events tbody tr').first().textContent()).toMatch(/^\d+hello0x[0-9a-f]{8}trapPRIV$/);
    expect(await page.locator('#vmm-events tbody tr').nth(1).textContent()).toMatch(/^\d+hello0x[0-9a-f]{8}emulateout$/);

    // The same guests under hw: VM exits with their codes, from the monitor's own events.
    await page.selectOption('#vmm-monitor', 'hw');
    await page.click('#vmm-form button[type=submit]');
    await waitForText(page, '#vmm-status', 'done');
    expect(await page.locator('#timeline svg .event.exit').count()).toBeGreaterThan(0);
    expect(await page.locator('#vmm-events tbody').textContent()).toContain('VM exitINSTR (exit code 16)');
    expect(await page.textContent('#timeline .legend')).toContain('Every mark is at its exact step');

    // The equivalence check: x86.s diverges under trap-and-emulate.
    await page.selectOption('#guest-add', 'variants/x86.s');
    await page.click('#guest-add-button');
    await page.locator('#guests li button').nth(0).click();
    await page.locator('#guests li button').nth(0).click();
    await page.fill('#isa', 'pg32-x86');
    await page.click('#vmm-equiv');
    await waitForText(page, '#equiv .divergence', 'trap-emulate: first divergence');
    expect(await page.textContent('#equiv .divergence')).toContain('gpsw');
  });
});

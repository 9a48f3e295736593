// The debugger in a real terminal (tmux): readline's tab completion of commands and labels, history (Up), an
// empty line repeating the last step, Ctrl-C at the prompt, quit. Skipped where tmux is not installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `trapeze-test-${process.pid}`;

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-t', session, '-p', '-S', '-200');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until the screen shows `re` (the program answers at its own pace on a busy machine). */
async function waitFor(re: RegExp, ms = 45_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen();
    if (re.test(s)) return s;
    if (Date.now() > end) throw new Error(`the terminal never showed ${re}:\n${s}`);
    await sleep(100);
  }
}

/** One key (or word) at a time, as a person types: readline treats a burst of input as a paste and does not complete it. */
async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    tmux('send-keys', '-t', session, key);
    await sleep(250);
  }
}

describe.skipIf(!hasTmux)('trapeze debug in a terminal', () => {
  it('completes, remembers, repeats, and quits', { timeout: 120_000 }, async () => {
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '60', `cd ${ROOT}programs && node ../bin/trapeze.js debug factorial.s; echo "EXITED $?"; sleep 30`);
    try {
      await waitFor(/^\(trapeze\)\s*$/m);
      await keys('brea', 'Tab'); // a command, completed with its space
      await keys('fact_', 'Tab', 'Enter'); // a label
      await waitFor(/^\(trapeze\) break fact_rec\nBreakpoint 1 at 0x00000029: fact_rec \(factorial\.s:45\)$/m);
      await keys('c', 'Enter');
      await waitFor(/^Breakpoint 1, fact_rec \(factorial\.s:45\)$/m);
      await keys('s', 'Enter');
      await waitFor(/step 50: S 0x00000029/);
      await keys('Enter'); // an empty line repeats the step
      await waitFor(/step 51: S 0x0000002a factorial\.s:45 {2}st lr, 0\(sp\) {2}\(push lr, 2\/2\) {2}mem\[0x00000074\] ← 0x00000015 \(21\)/);
      await keys('rs', 'Enter');
      await waitFor(/undid step 51:/);
      await keys('Up', 'Up', 'Enter'); // history: `s` again
      await waitFor(/^\(trapeze\) s\n {2}step 51:[^\n]*\n=> 0x0000002b[^]*\(trapeze\)\s*$/m);
      await keys('C-c');
      await waitFor(/\^C \(quit ends the session\)/);
      await keys('quit', 'Enter');
      const end = await waitFor(/^EXITED \d+$/m);
      expect(end).toMatch(/^EXITED 0$/m);
      expect(end).not.toMatch(/internal error|TypeError|at .*\.ts:\d+/);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });
});

// Regression: a reader that stops early (`trapeze run prog.s | head`) closed
// the pipe while trapeze was still writing, and node died with an EPIPE stack
// trace. The command must stop quietly instead.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/trapeze.js', import.meta.url));

it('a reader that closes the pipe early gets no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trapeze-'));
  const prog = join(dir, 'chatty.s');
  writeFileSync(prog, "loop: li r1, 'x'\n      out r1, 0\n      b loop\n");
  // output is flushed every million steps: several writes after the reader has gone
  const child = spawn(process.execPath, [BIN, 'run', prog, '--max-steps', '20000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy(); // like `head` exiting after its first lines
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  expect(code).toBe(0);
}, 30_000);

// A live console: the real `trapeze` binary with a real pipe on its stdin,
// fed by this test a piece at a time. `in` must get each byte as soon as it
// arrives (not after end of input), guest output must be out before the
// guest waits for input (a prompt), and end of input reads -1.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/trapeze.js', import.meta.url));
const ECHO = fileURLToPath(new URL('../../programs/echo.s', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'trapeze-console-'));

/** Asks for a name, then greets: the prompt has no newline, so only an explicit flush shows it. */
const GREETER = join(dir, 'greet.s');
writeFileSync(
  GREETER,
  `start:  la   r1, prompt
        call puts
        li   r3, 10
read:   in   r2, 1
        blt  r2, r0, done      ; -1: end of input
        beq  r2, r3, done      ; newline: end of the name
        out  r2, 0
        b    read
done:   li   r2, '!'
        out  r2, 0
        out  r3, 0
        halt
puts:   ld   r2, 0(r1)
        beqz r2, back
        out  r2, 0
        addi r1, r1, 1
        b    puts
back:   ret
prompt: .string "name? "
`,
);

interface Live {
  readonly child: ChildProcessWithoutNullStreams;
  out(): string;
  /** resolves when stdout has become exactly `text` */
  until(text: string): Promise<void>;
  done(): Promise<{ code: number | null; out: string; err: string }>;
}

function start(args: string[], prefix: string[] = []): Live {
  const [cmd, ...rest] = prefix.length ? [...prefix, process.execPath, BIN, ...args] : [process.execPath, BIN, ...args];
  const child = spawn(cmd!, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return {
    child,
    out: () => out,
    until: (text) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)}; stdout so far ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}`)), 20_000);
        const check = () => {
          if (out === text) {
            clearTimeout(timer);
            resolve();
          } else if (out.length >= text.length && out !== text) {
            clearTimeout(timer);
            reject(new Error(`stdout is ${JSON.stringify(out)}, expected ${JSON.stringify(text)}`));
          } else waiters.push(check);
        };
        check();
      }),
    done: async () => ({ code: await closed, out, err }),
  };
}

describe('console input arrives live', () => {
  it('echo.s prints "a" before "b" is written (a real pipe, a writer that waits)', async () => {
    const t = start(['run', ECHO]);
    t.child.stdin.write('a\n');
    await t.until('a\n'); // nothing more has been written: the guest got "a" without end of input
    t.child.stdin.write('b\n');
    await t.until('a\nb\n');
    t.child.stdin.end(); // end of input: in reads -1, echo.s halts
    expect(await t.done()).toEqual({ code: 0, out: 'a\nb\n', err: '' });
  }, 30_000);

  it('byte by byte: each byte is echoed before the next is sent, a multi-byte UTF-8 character included', async () => {
    const t = start(['run', ECHO]);
    const bytes = Buffer.from('hé!', 'utf8'); // h, 0xC3, 0xA9, !
    let sent = Buffer.alloc(0);
    for (const b of bytes) {
      t.child.stdin.write(Buffer.from([b]));
      sent = Buffer.concat([sent, Buffer.from([b])]);
      // a lone 0xC3 is not yet text: wait for the character to complete
      if (b !== 0xc3) await t.until(sent.toString('utf8'));
    }
    t.child.stdin.end();
    expect(await t.done()).toMatchObject({ code: 0, out: 'hé!' });
  }, 30_000);

  it('a prompt without a newline is shown before the program waits for its answer', async () => {
    const t = start(['run', GREETER]);
    await t.until('name? '); // written before any input exists
    t.child.stdin.write('Ada\n');
    await t.until('name? Ada!\n');
    expect(await t.done()).toMatchObject({ code: 0 });
  }, 30_000);

  it('end of input at once: in reads -1', async () => {
    const t = start(['run', GREETER]);
    t.child.stdin.end();
    expect(await t.done()).toEqual({ code: 0, out: 'name? !\n', err: '' });
  }, 30_000);

  it('under `trapeze vmm` the input streams too, and every VM reads all of it', async () => {
    const t = start(['vmm', ECHO, ECHO, '--quantum', '5']);
    t.child.stdin.write('x\n');
    // the first VM echoes at once; it then waits for more input, holding the machine (a monitor has no I/O wait)
    await t.until('[echo] x\n');
    t.child.stdin.end();
    expect(await t.done()).toMatchObject({ code: 0, out: '[echo] x\n[echo-2] x\n' });
  }, 30_000);

  const python = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!python)('a non-blocking stdin (as some parents leave it) is waited on, not taken for end of input', async () => {
    // python sets O_NONBLOCK on the pipe, then becomes trapeze
    const setNonblock = 'import os,fcntl,sys; fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_NONBLOCK); os.execv(sys.argv[1], sys.argv[1:])';
    const t = start(['run', ECHO], ['python3', '-c', setNonblock]);
    await new Promise((r) => setTimeout(r, 300)); // trapeze is up and finds nothing to read yet
    t.child.stdin.write('late\n');
    await t.until('late\n');
    t.child.stdin.end();
    expect(await t.done()).toEqual({ code: 0, out: 'late\n', err: '' });
  }, 30_000);
});

/**
 * What a CLI command may touch. Commands take an Io instead of using
 * process.* directly, so tests run them in process and read what they print.
 */
import { readFileSync, writeFileSync, writeSync } from 'node:fs';
import type { InputSource } from '../cpu/devices.js';
import { plain, styles, useColor, type Paint } from './paint.js';
import { bytesSource, sleep, StdinSource } from './stdin.js';

export interface Io {
  /** guest/console output and command results (bytes or text) */
  out(text: string | Uint8Array): void;
  /** diagnostics, summaries, usage */
  err(text: string): void;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: string | Uint8Array): void;
  /** standard input, read whole on first use */
  stdin(): Uint8Array;
  /**
   * Standard input as it arrives, for a console: a read waits for the next
   * byte, and `beforeWait` runs first (write out what the guest has printed,
   * so a prompt is seen before the program waits for the answer).
   */
  input(beforeWait: () => void): InputSource;
  /** colours for stderr: real ones on a terminal, none otherwise */
  readonly paint: Paint;
}

/** A user mistake: printed as one line, exit status `status`. Never a stack trace. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly status = 2,
  ) {
    super(message);
  }
}

/** Read a file or fail with one line naming it. */
export function readInput(io: Io, path: string): Uint8Array {
  try {
    return io.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`trapeze: cannot read '${path}': ${why}`);
  }
}

export function writeOutput(io: Io, path: string, data: string | Uint8Array): void {
  try {
    io.writeFile(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`trapeze: cannot write '${path}': ${why}`);
  }
}

const utf8 = new TextEncoder();

/**
 * Write all of `data` to `fd` before returning. stdout and stderr are
 * written synchronously, not through process.stdout/stderr: a guest's output
 * must be out before the guest blocks on console input (a prompt), and
 * process.stdout queues what a full pipe does not take (making those streams
 * also costs start-up time). A pipe that node made non-blocking answers
 * EAGAIN when full: wait a moment and go on. A reader that has gone
 * (`trapeze … | head`) ends the command quietly, as Unix tools do.
 */
function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? utf8.encode(data) : data;
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') sleep(1);
      else if (code === 'EPIPE') process.exit(0);
      else throw e;
    }
  }
}

export function processIo(): Io {
  let stdin: StdinSource | undefined;
  const source = () => (stdin ??= new StdinSource(0));
  return {
    out: (t) => writeAll(1, t),
    err: (t) => writeAll(2, t),
    readFile: (p) => readFileSync(p),
    writeFile: (p, d) => writeFileSync(p, d),
    stdin: () => source().all(),
    input: (beforeWait) => {
      const s = source();
      s.beforeWait = beforeWait;
      return s;
    },
    paint: useColor(process.stderr.isTTY === true, process.env) ? styles : plain,
  };
}

/** An Io that records everything, for tests. */
export function memoryIo(
  files: Record<string, string | Uint8Array> = {},
  stdin: string | Uint8Array = '',
  opts: { color?: boolean } = {},
): Io & { stdout: () => string; stdoutBytes: () => Uint8Array; stderr: () => string; files: Map<string, Uint8Array> } {
  const fs = new Map<string, Uint8Array>(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? utf8.encode(v) : v]));
  const outChunks: Uint8Array[] = [];
  let err = '';
  const input = typeof stdin === 'string' ? utf8.encode(stdin) : stdin;
  const stdoutBytes = () => {
    const all = new Uint8Array(outChunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of outChunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  };
  return {
    files: fs,
    out: (t) => void outChunks.push(typeof t === 'string' ? utf8.encode(t) : t.slice()),
    err: (t) => void (err += t),
    readFile: (p) => {
      const f = fs.get(p);
      if (!f) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return f;
    },
    writeFile: (p, d) => void fs.set(p, typeof d === 'string' ? utf8.encode(d) : d),
    stdin: () => input,
    input: () => bytesSource(input),
    paint: opts.color ? styles : plain,
    stdoutBytes,
    stdout: () => new TextDecoder().decode(stdoutBytes()),
    stderr: () => err,
  };
}

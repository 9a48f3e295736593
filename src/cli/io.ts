/**
 * What a CLI command may touch. Commands take an Io instead of using
 * process.* directly, so tests run them in process and read what they print.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface Io {
  /** guest/console output and command results (bytes or text) */
  out(text: string | Uint8Array): void;
  /** diagnostics, summaries, usage */
  err(text: string): void;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: string | Uint8Array): void;
  /** standard input, read whole on first use */
  stdin(): Uint8Array;
  /** the terminal, when stdin is one (interactive programs: the debugger's readline); `tty`: stdout is one too */
  readonly terminal?: { readonly input: NodeJS.ReadableStream; readonly output: NodeJS.WritableStream; readonly tty: boolean };
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

export function processIo(): Io {
  let input: Uint8Array | undefined;
  return {
    ...(process.stdin.isTTY ? { terminal: { input: process.stdin, output: process.stdout, tty: process.stdout.isTTY === true } } : {}),
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    readFile: (p) => readFileSync(p),
    writeFile: (p, d) => writeFileSync(p, d),
    stdin: () => {
      if (!input) {
        try {
          input = readFileSync(0);
        } catch {
          input = new Uint8Array(0);
        }
      }
      return input;
    },
  };
}

/** An Io that records everything, for tests. */
export function memoryIo(files: Record<string, string | Uint8Array> = {}, stdin = ''): Io & { stdout: () => string; stderr: () => string; files: Map<string, Uint8Array> } {
  const enc = new TextEncoder();
  const fs = new Map<string, Uint8Array>(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? enc.encode(v) : v]));
  const outChunks: Uint8Array[] = [];
  let err = '';
  return {
    files: fs,
    out: (t) => void outChunks.push(typeof t === 'string' ? enc.encode(t) : t.slice()),
    err: (t) => void (err += t),
    readFile: (p) => {
      const f = fs.get(p);
      if (!f) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return f;
    },
    writeFile: (p, d) => void fs.set(p, typeof d === 'string' ? enc.encode(d) : d),
    stdin: () => enc.encode(stdin),
    stdout: () => Buffer.concat(outChunks).toString('utf8'),
    stderr: () => err,
  };
}

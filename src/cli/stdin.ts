/**
 * Console input for the command line: stdin read synchronously, a chunk at
 * a time, as the bytes arrive. The CPU is synchronous and knows nothing of
 * Node; a guest's `in` calls `byteAt`, which blocks in `readSync` until the
 * user types (or the writer at the other end of a pipe writes) and returns
 * −1 at end of input. So `(echo a; sleep 1; echo b) | trapeze run echo.s`
 * prints `a` a second before `b`, and an interactive program can prompt.
 */
import { readSync } from 'node:fs';
import type { InputSource } from '../cpu/devices.js';

const nap = new Int32Array(new SharedArrayBuffer(4));

/** Block the thread for `ms` milliseconds (nothing else runs in a synchronous CLI anyway). */
export function sleep(ms: number): void {
  Atomics.wait(nap, 0, 0, ms);
}

/** How long to wait before asking a non-blocking stdin again. */
const POLL_MS = 5;

export class StdinSource implements InputSource {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private ended = false;
  /** runs before every read that may block: the command writes out the guest's output */
  beforeWait: () => void = () => {};

  constructor(private readonly fd: number) {}

  byteAt(i: number): number {
    while (i >= this.len) {
      if (this.ended) return -1;
      this.fill();
    }
    return this.buf[i]!;
  }

  /** Everything up to the end of input. */
  all(): Uint8Array {
    while (!this.ended) this.fill();
    return this.buf.subarray(0, this.len);
  }

  /** Read what is there (at least one byte, or the end of input), waiting for it if need be. */
  private fill(): void {
    this.beforeWait();
    if (this.buf.length - this.len < 1 << 15) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    for (;;) {
      try {
        const n = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, null);
        if (n === 0) this.ended = true;
        this.len += n;
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A non-blocking stdin (a pipe or socket some parent made so) has nothing yet: wait, ask again.
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') sleep(POLL_MS);
        else if (code === 'EINTR') continue;
        else {
          // No usable stdin at all (closed, a directory, a terminal we lost): the input has ended.
          this.ended = true;
          return;
        }
      }
    }
  }
}

/** Input that is all there from the start (tests, --input FILE). */
export function bytesSource(bytes: Uint8Array): InputSource {
  return { byteAt: (i) => (i < bytes.length ? bytes[i]! : -1) };
}

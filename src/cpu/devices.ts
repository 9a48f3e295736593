/**
 * Devices behind ports. The CPU only calls read/write; the VMM gives each
 * guest its own Console, and tests give one with scripted input.
 */
import { PORTS } from '../isa/table.js';

export interface Devices {
  /** `in rd, port` */
  read(port: number): number;
  /** `out rs, port` */
  write(port: number, value: number): void;
}

/**
 * Console input that arrives over time: `byteAt(i)` is the i-th byte of the
 * input (0..255), or −1 if the input ends before it. It may block until the
 * byte arrives (the command line's stdin does: a guest's `in` waits for the
 * user to type); the CPU never knows. Several consoles may share one source,
 * each reading from its own position (every VM of `trapeze vmm` sees all of
 * stdin). A byte once given is given again for the same i: that is what
 * makes a replay (the debugger going back) read the same input.
 */
export interface InputSource {
  byteAt(i: number): number;
}

/** What a Console reads: all of it at once, a function called on the first read (so a program that never reads never waits), or a source that streams. */
export type ConsoleInput = Uint8Array | (() => Uint8Array) | InputSource;

/** A ConsoleInput as an InputSource; `known()` gives the bytes it holds from the start without waiting (undefined: none known). */
function sourceOf(input: ConsoleInput): InputSource & { known(): Uint8Array | undefined } {
  if (input instanceof Uint8Array) return { byteAt: (i) => (i < input.length ? input[i]! : -1), known: () => input };
  if (typeof input === 'function') {
    let all: Uint8Array | undefined;
    return { byteAt: (i) => ((all ??= input()), i < all.length ? all[i]! : -1), known: () => all };
  }
  return { byteAt: (i) => input.byteAt(i), known: () => undefined };
}

/**
 * The console: port 0 writes one byte, port 1 reads the next input byte (or
 * −1 at end), port 2 writes a signed decimal. Output is kept as bytes, so
 * UTF-8 written a byte at a time comes out whole.
 */
const NOTHING = new Uint8Array(0);

export class Console implements Devices {
  private out = new Uint8Array(256);
  private outLen = 0;
  /** the most ever written: a replay after going back writes the same bytes again */
  private outMax = 0;
  private inPos = 0;
  private drained = 0;

  private source: InputSource & { known(): Uint8Array | undefined };

  constructor(input: ConsoleInput = new Uint8Array(0)) {
    this.source = sourceOf(input);
  }

  /** Back to no output and `input` unread: one console for many short runs (the checker's probes). */
  reset(input: Uint8Array): void {
    this.source = sourceOf(input);
    this.inPos = 0;
    this.outLen = 0;
    this.outMax = 0;
    this.drained = 0;
  }

  read(port: number): number {
    if (port !== PORTS.CONSOLE_IN) return -1;
    const b = this.source.byteAt(this.inPos);
    if (b >= 0) this.inPos++;
    return b;
  }

  write(port: number, value: number): void {
    if (port === PORTS.CONSOLE_OUT) this.emit(value & 0xff);
    else if (port === PORTS.DECIMAL_OUT) {
      const s = String(value | 0);
      for (let i = 0; i < s.length; i++) this.emit(s.charCodeAt(i));
    }
  }

  private emit(byte: number): void {
    if (this.outLen === this.out.length) {
      const bigger = new Uint8Array(this.out.length * 2);
      bigger.set(this.out);
      this.out = bigger;
    }
    this.out[this.outLen++] = byte;
    if (this.outLen > this.outMax) this.outMax = this.outLen;
  }

  /** everything written so far */
  output(): Uint8Array {
    return this.out.subarray(0, this.outLen);
  }

  /** output produced since the last drain (for streaming to stdout between run bursts); the same empty array when there is none */
  drain(): Uint8Array {
    if (this.drained === this.outLen) return NOTHING;
    const chunk = this.out.slice(this.drained, this.outLen);
    this.drained = this.outLen;
    return chunk;
  }

  /** the output as UTF-8 text (bytes that are not UTF-8 read as U+FFFD: compare output() when bytes matter) */
  text(): string {
    return UTF8.decode(this.output());
  }

  /** how many input bytes have been consumed (part of the device state) */
  inputPosition(): number {
    return this.inPos;
  }

  /** device state as a comparable value: the checker treats devices as control state */
  snapshot(): { inPos: number; outLen: number } {
    return { inPos: this.inPos, outLen: this.outLen };
  }

  /**
   * Go to a position snapshot() returned (reverse execution and replay):
   * back, the bytes read since will be read again and the bytes written
   * since are forgotten; forward, to a position it has been at before (the
   * machine is deterministic, so a replay writes the same bytes again).
   * Input is never discarded, so a replay reads the same bytes.
   */
  restore(at: { inPos: number; outLen: number }): void {
    if (at.outLen > this.outMax || at.inPos < 0 || at.outLen < 0) throw new RangeError('a console can only go where it has been');
    this.inPos = at.inPos;
    this.outLen = at.outLen;
    if (this.drained > at.outLen) this.drained = at.outLen;
  }

  /** The input bytes the machine has read, in order: the record that makes a replay exact. */
  consumed(): Uint8Array {
    const b = new Uint8Array(this.inPos);
    for (let i = 0; i < this.inPos; i++) b[i] = this.source.byteAt(i); // read already: never waits
    return b;
  }

  /** Input already taken from the source but not yet read by the machine (the source is not asked for more). */
  unread(): Uint8Array {
    return this.source.known()?.subarray(this.inPos) ?? new Uint8Array(0);
  }

  /**
   * A console as a snapshot left it: `output` already written (and counted
   * as drained), `consumed` input already read. The machine reads `unread`
   * next, then what `more` gives (asked only when it reads that far).
   */
  static resume(output: Uint8Array, consumed: Uint8Array, unread: Uint8Array, more: ConsoleInput = new Uint8Array(0)): Console {
    const head = new Uint8Array(consumed.length + unread.length);
    head.set(consumed);
    head.set(unread, consumed.length);
    const rest = sourceOf(more);
    const c = new Console();
    c.source = {
      byteAt: (i) => (i < head.length ? head[i]! : rest.byteAt(i - head.length)),
      known: () => {
        const r = rest.known();
        if (!r?.length) return head;
        const all = new Uint8Array(head.length + r.length);
        all.set(head);
        all.set(r, head.length);
        return all;
      },
    };
    c.inPos = consumed.length;
    c.out = output.length ? output.slice() : new Uint8Array(256);
    c.outLen = output.length;
    c.outMax = output.length;
    c.drained = output.length;
    return c;
  }

  clone(): Console {
    const c = new Console();
    c.source = this.source;
    c.inPos = this.inPos;
    c.out = this.out.slice();
    c.outLen = this.outLen;
    c.outMax = this.outMax;
    return c;
  }
}

const UTF8 = new TextDecoder();

export function textInput(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

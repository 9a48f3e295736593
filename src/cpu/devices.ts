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
 * The console: port 0 writes one byte, port 1 reads the next input byte (or
 * −1 at end), port 2 writes a signed decimal. Output is kept as bytes, so
 * UTF-8 written a byte at a time comes out whole.
 */
export class Console implements Devices {
  private out = new Uint8Array(256);
  private outLen = 0;
  /** the most ever written: a replay after going back writes the same bytes again */
  private outMax = 0;
  private inPos = 0;
  private drained = 0;

  /** the input bytes known so far (read or not) */
  private input: Uint8Array;
  /** the rest of the input, asked for when the machine reads past `input` */
  private more: (() => Uint8Array) | undefined;

  /** `input` may be a function: it is called on the first read, so a program that never reads never waits on stdin. */
  constructor(source: Uint8Array | (() => Uint8Array) = new Uint8Array(0)) {
    if (typeof source === 'function') {
      this.input = new Uint8Array(0);
      this.more = source;
    } else this.input = source;
  }

  read(port: number): number {
    if (port !== PORTS.CONSOLE_IN) return -1;
    if (this.inPos >= this.input.length && this.more) this.fetch();
    return this.inPos < this.input.length ? this.input[this.inPos++]! : -1;
  }

  private fetch(): void {
    const rest = this.more!();
    this.more = undefined;
    if (rest.length === 0) return;
    const all = new Uint8Array(this.input.length + rest.length);
    all.set(this.input);
    all.set(rest, this.input.length);
    this.input = all;
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

  /** output produced since the last drain (for streaming to stdout between run bursts) */
  drain(): Uint8Array {
    const chunk = this.out.slice(this.drained, this.outLen);
    this.drained = this.outLen;
    return chunk;
  }

  text(): string {
    return Buffer.from(this.output()).toString('utf8');
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
    if (at.outLen > this.outMax || at.inPos > this.input.length || at.inPos < 0 || at.outLen < 0) throw new RangeError('a console can only go where it has been');
    this.inPos = at.inPos;
    this.outLen = at.outLen;
    if (this.drained > at.outLen) this.drained = at.outLen;
  }

  /** The input bytes the machine has read, in order: the record that makes a replay exact. */
  consumed(): Uint8Array {
    return this.input.subarray(0, this.inPos);
  }

  /** Input already taken from the source but not yet read by the machine (the source is not asked for more). */
  unread(): Uint8Array {
    return this.input.subarray(this.inPos);
  }

  /**
   * A console as a snapshot left it: `output` already written (and counted
   * as drained), `consumed` input already read. The machine reads `unread`
   * next, then what `more` gives (a function is called only if it reads that far).
   */
  static resume(output: Uint8Array, consumed: Uint8Array, unread: Uint8Array, more: Uint8Array | (() => Uint8Array) = new Uint8Array(0)): Console {
    const c = new Console(more);
    const tail = c.input;
    const all = new Uint8Array(consumed.length + unread.length + tail.length);
    all.set(consumed);
    all.set(unread, consumed.length);
    all.set(tail, consumed.length + unread.length);
    c.input = all;
    c.inPos = consumed.length;
    c.out = output.length ? output.slice() : new Uint8Array(256);
    c.outLen = output.length;
    c.outMax = output.length;
    c.drained = output.length;
    return c;
  }

  clone(): Console {
    const c = new Console(this.input);
    c.more = this.more;
    c.inPos = this.inPos;
    c.out = this.out.slice();
    c.outLen = this.outLen;
    c.outMax = this.outMax;
    return c;
  }
}

export function textInput(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

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
 * stdin).
 */
export interface InputSource {
  byteAt(i: number): number;
}

/** What a Console reads: all of it at once, a function called on the first read (so a program that never reads never waits), or a source that streams. */
export type ConsoleInput = Uint8Array | (() => Uint8Array) | InputSource;

/**
 * The console: port 0 writes one byte, port 1 reads the next input byte (or
 * −1 at end), port 2 writes a signed decimal. Output is kept as bytes, so
 * UTF-8 written a byte at a time comes out whole.
 */
export class Console implements Devices {
  private out = new Uint8Array(256);
  private outLen = 0;
  private inPos = 0;
  private drained = 0;

  private input: Uint8Array | undefined;
  private stream: InputSource | undefined;

  constructor(private readonly source: ConsoleInput = new Uint8Array(0)) {
    if (source instanceof Uint8Array) this.input = source;
    else if (typeof source !== 'function') this.stream = source;
  }

  read(port: number): number {
    if (port !== PORTS.CONSOLE_IN) return -1;
    if (this.stream) {
      const b = this.stream.byteAt(this.inPos);
      if (b >= 0) this.inPos++;
      return b;
    }
    const input = (this.input ??= (this.source as () => Uint8Array)());
    return this.inPos < input.length ? input[this.inPos++]! : -1;
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

  /** everything written so far, as UTF-8 text (malformed bytes become U+FFFD) */
  text(): string {
    return utf8.decode(this.output());
  }

  /** how many input bytes have been consumed (part of the device state) */
  inputPosition(): number {
    return this.inPos;
  }

  /** device state as a comparable value: the checker treats devices as control state */
  snapshot(): { inPos: number; outLen: number } {
    return { inPos: this.inPos, outLen: this.outLen };
  }

  clone(): Console {
    const c = new Console(this.input ?? this.source);
    c.inPos = this.inPos;
    c.out = this.out.slice();
    c.outLen = this.outLen;
    return c;
  }
}

const utf8 = new TextDecoder();

export function textInput(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

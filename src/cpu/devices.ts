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
const NOTHING = new Uint8Array(0);

export class Console implements Devices {
  private out = new Uint8Array(256);
  private outLen = 0;
  private inPos = 0;
  private drained = 0;

  private input: Uint8Array | undefined;

  /** `input` may be a function: it is called on the first read, so a program that never reads never waits on stdin. */
  constructor(private readonly source: Uint8Array | (() => Uint8Array) = new Uint8Array(0)) {
    if (typeof source !== 'function') this.input = source;
  }

  read(port: number): number {
    if (port !== PORTS.CONSOLE_IN) return -1;
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

  /** output produced since the last drain (for streaming to stdout between run bursts); the same empty array when there is none */
  drain(): Uint8Array {
    if (this.drained === this.outLen) return NOTHING;
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

  clone(): Console {
    const c = new Console(this.input ?? this.source);
    c.inPos = this.inPos;
    c.out = this.out.slice();
    c.outLen = this.outLen;
    return c;
  }
}

export function textInput(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

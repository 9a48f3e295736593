/**
 * The playground's console: the devices behind the ports, as a terminal
 * would give them. Output is kept as bytes (UTF-8 written a byte at a time
 * comes out whole). Input is what the user has typed so far; it only grows,
 * so replaying from a snapshot reads the same bytes again.
 *
 * A read of port 1 with nothing typed yet, and the input not ended, is not
 * an end of input: the console records the step at which it happened
 * (`starvedAt`), the debugger rewinds to just before that `in` and waits,
 * like a program blocked on a terminal. Once the user ends the input
 * (Ctrl+D), reads return −1 as ISA.md says.
 */
import type { Devices } from '../../../src/cpu/devices.js';
import { PORTS } from '../../../src/isa/table.js';

export interface ConsoleState {
  readonly inPos: number;
  readonly outLen: number;
}

export class PageConsole implements Devices {
  private input: Uint8Array = new Uint8Array(64);
  private inLen = 0;
  private inPos = 0;
  private ended = false;
  private out: Uint8Array = new Uint8Array(256);
  private outLen = 0;
  /** the machine position of the first read that found no input yet, or −1 */
  starvedAt = -1;

  /** `position` says how many steps the machine has taken (read when a read starves) */
  constructor(private readonly position: () => number) {}

  read(port: number): number {
    if (port !== PORTS.CONSOLE_IN) return -1;
    if (this.inPos < this.inLen) return this.input[this.inPos++]!;
    if (!this.ended && this.starvedAt < 0) this.starvedAt = this.position();
    return -1;
  }

  write(port: number, value: number): void {
    if (port === PORTS.CONSOLE_OUT) this.emit(value & 0xff);
    else if (port === PORTS.DECIMAL_OUT) {
      const s = String(value | 0);
      for (let i = 0; i < s.length; i++) this.emit(s.charCodeAt(i));
    }
  }

  private emit(byte: number): void {
    if (this.outLen === this.out.length) this.out = grow(this.out, this.outLen + 1);
    this.out[this.outLen++] = byte;
  }

  /** Append typed input. Ignored once the input has ended. */
  feed(bytes: Uint8Array): void {
    if (this.ended) return;
    if (this.inLen + bytes.length > this.input.length) this.input = grow(this.input, this.inLen + bytes.length);
    this.input.set(bytes, this.inLen);
    this.inLen += bytes.length;
  }

  /** End of input: from now on a read past the last byte returns −1. */
  end(): void {
    this.ended = true;
  }

  get inputEnded(): boolean {
    return this.ended;
  }

  /** bytes typed but not read yet */
  get unread(): number {
    return this.inLen - this.inPos;
  }

  output(): Uint8Array {
    return this.out.subarray(0, this.outLen);
  }

  state(): ConsoleState {
    return { inPos: this.inPos, outLen: this.outLen };
  }

  /** Go back to an earlier state of this console (output is truncated, input rewound). */
  restore(s: ConsoleState): void {
    this.inPos = s.inPos;
    this.outLen = s.outLen;
    this.starvedAt = -1;
  }
}

function grow(a: Uint8Array, need: number): Uint8Array {
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

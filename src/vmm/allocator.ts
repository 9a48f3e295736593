/**
 * The allocator (Popek & Goldberg's second VMM module): it decides which
 * part of real storage each VM gets, and it is the only code that sets the
 * real relocation register. Partitions are disjoint, so no guest can reach
 * another's storage or the monitor's.
 */
import { LOW } from '../isa/table.js';
import type { Machine } from './machine.js';

export interface Partition {
  /** first word, in the machine below */
  readonly offset: number;
  readonly size: number;
  /** the partition itself: a view of the machine's storage */
  readonly mem: Int32Array;
  /**
   * Never written since the machine's storage was allocated: all zero, and
   * (for a large partition) not even mapped by the operating system yet.
   * Loading a guest need not clear it; a partition costs nothing until used.
   */
  fresh: boolean;
}

export class Allocator {
  /** the machine's own low storage is never given away */
  private next: number = LOW.LOAD_ORIGIN;
  readonly partitions: Partition[] = [];
  /**
   * The machine's storage was all zero when this allocator took it over. Only
   * guests write it from then on, each inside its own partition, so what is
   * not given away yet stays zero.
   */
  private readonly fresh: boolean;

  constructor(private readonly host: Machine) {
    this.fresh = host.freshStorage === true;
  }

  allocate(size: number): Partition {
    if (this.next + size > this.host.memWords) {
      throw new RangeError(`cannot allocate ${size} words: only ${this.host.memWords - this.next} of ${this.host.memWords} are free`);
    }
    const p = { offset: this.next, size, mem: this.host.mem.subarray(this.next, this.next + size), fresh: this.fresh };
    this.next += size;
    this.partitions.push(p);
    return p;
  }

  /** Words a machine needs to hold `count` partitions of `size` words, each with `extra` words of the monitor's (a control block). */
  static needed(count: number, size: number, extra = 0): number {
    return LOW.LOAD_ORIGIN + count * (size + extra);
  }

  /**
   * Compose the guest's relocation with its partition's: guest virtual
   * address a reaches real word offset + vbase + a, and faults exactly when
   * the guest's own hardware would (a ≥ vbound or vbase + a ≥ its storage).
   */
  relocate(p: Partition, vbase: number, vbound: number): void {
    const room = p.size - vbase;
    this.host.base = p.offset + vbase;
    this.host.bound = room <= 0 ? 0 : vbound < room ? vbound : room;
  }
}

/**
 * The trapeze snapshot file: a machine stopped between two steps, whole, so
 * that a run resumed from it ends exactly like the uninterrupted run.
 * The format is documented in isa/SNAPSHOT.md; keep the two in step.
 *
 * All integers little-endian. A header, then sections:
 *
 *   header (24 bytes)
 *     0  magic     8 bytes  "TRAPSNAP"
 *     8  version   u32      1 (the container; sections carry their own)
 *    12  length    u32      total file length in bytes
 *    16  crc32     u32      CRC-32 (IEEE) of bytes [20, length)
 *    20  sections  u32      how many follow
 *   section: tag (4 ASCII bytes), u32 section version, u32 payload length, payload
 *
 * A tag whose first letter is a capital is critical: a reader that does not
 * know it (or its version) refuses the file. A lower-case tag may be
 * skipped. New state (the `vt` extension's guest mode, say) comes as new
 * sections or new section versions, never as a change of meaning.
 */
import { Corrupt, crc32, decodeImage, encodeImage, isImageFile, Reader, Writer } from '../asm/imagefile.js';
import type { CheckStop, StopReason } from '../cpu/cpu.js';
import type { Image } from '../image.js';
import type { SliceState } from '../vmm/slices.js';
import type { CpuState, GuestState, ProcessorState, StatsState, VmState } from './state.js';
import type { CpuHidden } from '../cpu/cpu.js';
import { HYPERCALL_SLOTS } from '../vmm/hypercalls.js';

export const SNAPSHOT_MAGIC = new Uint8Array([0x54, 0x52, 0x41, 0x50, 0x53, 0x4e, 0x41, 0x50]); // "TRAPSNAP"
export const SNAPSHOT_VERSION = 1;
const HEADER = 24;

/** One program of the run, with its image (so a snapshot is self-contained). */
export interface ProgramRecord {
  readonly name: string;
  readonly image: Image;
}

/** A console: what the machine has read, what it has not read yet, what it wrote. */
export interface ConsoleRecord {
  readonly consumed: Uint8Array;
  readonly unread: Uint8Array;
  readonly output: Uint8Array;
}

/** What a VMM run adds: the stack's shape, every VM, the scheduler. */
export interface VmmRecord {
  readonly monitor: string;
  readonly depth: number;
  readonly quantum: number;
  readonly guestWords: number;
  /** the machines the monitors run on (depth − 1 of them), outermost first */
  readonly levels: readonly VmState[];
  readonly guests: readonly VmState[];
  /** each VM's partition (offset, size) in the machine below: checked against the rebuilt stack */
  readonly partitions: readonly { readonly offset: number; readonly size: number }[];
  readonly slices: SliceState;
}

export interface Snapshot {
  readonly kind: 'bare' | 'vmm';
  readonly isa: string;
  /** the real machine's storage, in words */
  readonly memWords: number;
  /** the clock: steps taken (bare: instructions and trap deliveries; VMM: guest steps of every VM) */
  readonly steps: number;
  /** the run's step limit */
  readonly maxSteps: number;
  readonly programs: readonly ProgramRecord[];
  readonly cpu: CpuState;
  readonly storage: Int32Array;
  /** bare: one; VMM: one per guest, in order */
  readonly consoles: readonly ConsoleRecord[];
  readonly vmm?: VmmRecord;
}

const enc = new TextEncoder();
const OUTCOMES: readonly (StopReason | undefined)[] = [undefined, 'halt', 'checkstop', 'budget', 'trap'];

/** Sections this trapeze reads, with their versions. */
const KNOWN: Readonly<Record<string, number>> = { INFO: 1, PROG: 1, 'CPU ': 1, STOR: 1, CONS: 1, 'VM  ': 1, SLCE: 1, GMOD: 1 };

// ------------------------------------------------------------------ writing

function section(w: Writer, tag: string, version: number, body: (s: Writer) => void): void {
  const s = new Writer();
  body(s);
  w.bytes(enc.encode(tag));
  w.u32(version);
  w.u32(s.pos);
  w.bytes(s.buf.subarray(0, s.pos));
}

const f64 = (w: Writer, n: number) => w.f64(n);
const bytes = (w: Writer, b: Uint8Array) => {
  w.u32(b.length);
  w.bytes(b);
};

function writeCheckStop(w: Writer, c: CheckStop | null): void {
  w.u8(c ? 1 : 0);
  if (!c) return;
  w.u32(c.cause);
  w.i32(c.info);
  w.u32(c.pc);
  w.str(c.why);
}

function writeProcessor(w: Writer, p: ProcessorState): void {
  for (let r = 0; r < 16; r++) w.i32(p.regs[r]!);
  w.u32(p.flags);
  w.u32(p.pc);
  w.u32(p.base);
  w.u32(p.bound);
  w.u32(p.timer);
  w.u8(p.pending ? 1 : 0);
  w.u8(p.halted ? 1 : 0);
  f64(w, p.instret);
  writeCheckStop(w, p.checkStop);
}

function writeCounts(w: Writer, a: Float64Array): void {
  let n = 0;
  for (const x of a) if (x) n++;
  w.u32(n);
  a.forEach((x, i) => {
    if (!x) return;
    w.u32(i);
    f64(w, x);
  });
}

function writeStats(w: Writer, s: StatsState): void {
  f64(w, s.direct);
  f64(w, s.interpreted);
  f64(w, s.monitorMs);
  writeCounts(w, s.emulatedByOpcode);
  writeCounts(w, s.traps);
  writeCounts(w, s.reflected);
  f64(w, s.entries);
  writeCounts(w, s.exits);
  f64(w, s.guestMode);
  writeCounts(w, s.hypercalls);
}

/** a processor with its trap counts and hidden state: the real CPU, or a guest processor */
function writeCpu(w: Writer, c: CpuState): void {
  writeProcessor(w, c);
  for (let k = 0; k < 8; k++) f64(w, c.traps[k] ?? 0);
  const h = c.hidden;
  w.u8(h.afterTrap ? 1 : 0);
  f64(w, h.delivered);
  w.u32(h.intercepts);
  w.u32(h.exitCode);
  w.i32(h.exitInfo);
  w.u8(h.exitAfterTrap ? 1 : 0);
}

function writeGuest(w: Writer, owner: number, g: GuestState): void {
  w.u32(owner);
  w.u32(g.cb);
  w.u32(g.partBase);
  w.u32(g.size);
  w.str(g.isa);
  w.u32(g.injectCause);
  w.i32(g.injectInfo);
  w.u8(g.byInstruction ? 1 : 0);
  writeCpu(w, g.cpu);
}

/** Storage as runs of words, long runs of zeros left out. */
function writeStorage(w: Writer, mem: Int32Array): void {
  const runs: [number, number][] = [];
  let i = 0;
  while (i < mem.length) {
    while (i < mem.length && mem[i] === 0) i++;
    if (i >= mem.length) break;
    const from = i;
    let zeros = 0;
    while (i < mem.length && zeros < 8) {
      zeros = mem[i] === 0 ? zeros + 1 : 0;
      i++;
    }
    runs.push([from, i - zeros]);
  }
  w.u32(mem.length);
  w.u32(runs.length);
  for (const [from, to] of runs) {
    w.u32(from);
    w.u32(to - from);
    for (let k = from; k < to; k++) w.i32(mem[k]!);
  }
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  const w = new Writer();
  w.bytes(SNAPSHOT_MAGIC);
  w.u32(SNAPSHOT_VERSION);
  w.u32(0); // length, patched
  w.u32(0); // crc, patched
  let count = 0;
  w.u32(0); // section count, patched
  const add = (tag: string, body: (s: Writer) => void) => {
    section(w, tag, KNOWN[tag]!, body);
    count++;
  };
  add('INFO', (b) => {
    b.u8(s.kind === 'bare' ? 0 : 1);
    b.str(s.isa);
    b.u32(s.memWords);
    f64(b, s.steps);
    f64(b, s.maxSteps);
    b.u32(s.programs.length);
    if (s.vmm) {
      b.str(s.vmm.monitor);
      b.u32(s.vmm.depth);
      b.u32(s.vmm.quantum);
      b.u32(s.vmm.guestWords);
    }
  });
  for (const p of s.programs)
    add('PROG', (b) => {
      b.str(p.name);
      bytes(b, encodeImage(p.image));
    });
  add('CPU ', (b) => writeCpu(b, s.cpu));
  add('STOR', (b) => writeStorage(b, s.storage));
  for (const c of s.consoles)
    add('CONS', (b) => {
      bytes(b, c.consumed);
      bytes(b, c.unread);
      bytes(b, c.output);
    });
  if (s.vmm) {
    const vms = [...s.vmm.levels, ...s.vmm.guests];
    vms.forEach((vm, i) =>
      add('VM  ', (b) => {
        b.str(vm.name);
        b.u32(s.vmm!.partitions[i]!.offset);
        b.u32(s.vmm!.partitions[i]!.size);
        writeProcessor(b, vm);
        f64(b, vm.steps);
        b.u8(vm.afterTrap ? 1 : 0);
        b.u32(vm.trapCause);
        b.i32(vm.trapInfo);
        b.u32(vm.trapPc);
        b.u32(vm.injectCause);
        b.i32(vm.injectInfo);
        writeStats(b, vm.stats);
      }),
    );
    add('SLCE', (b) => {
      b.u32(s.vmm!.slices.current);
      b.u32(s.vmm!.slices.sliceLeft);
      b.u32(s.vmm!.slices.outcomes.length);
      for (const o of s.vmm!.slices.outcomes) b.u8(OUTCOMES.indexOf(o));
    });
  }
  // Guest mode (vt), of the real CPU (owner 0) or of VM k (owner k + 1, in VM section order).
  if (s.cpu.guest) add('GMOD', (b) => writeGuest(b, 0, s.cpu.guest!));
  if (s.vmm) [...s.vmm.levels, ...s.vmm.guests].forEach((vm, k) => vm.guest && add('GMOD', (b) => writeGuest(b, k + 1, vm.guest!)));
  const out = w.buf.slice(0, w.pos);
  const v = new DataView(out.buffer);
  v.setUint32(12, out.length, true);
  v.setUint32(20, count, true);
  v.setUint32(16, crc32(out, 20), true);
  return out;
}

// ------------------------------------------------------------------ reading

/** True if `bytes` starts with the snapshot magic number. */
export function isSnapshotFile(bytes: Uint8Array): boolean {
  if (bytes.length < SNAPSHOT_MAGIC.length) return false;
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) if (bytes[i] !== SNAPSHOT_MAGIC[i]) return false;
  return true;
}


/** A well-formed file this trapeze cannot read (a newer section). */
class NotUnderstood extends Corrupt {}

function readCheckStop(r: Reader): CheckStop | null {
  if (flag(r) === 0) return null;
  return { cause: r.u32(), info: r.i32(), pc: r.u32(), why: r.str() };
}

function flag(r: Reader): number {
  const b = r.u8();
  if (b > 1) throw new Corrupt(`a flag byte is ${b}, not 0 or 1`);
  return b;
}

function count(r: Reader, n: number): number {
  const x = r.f64();
  if (!Number.isSafeInteger(x) || x < 0) throw new Corrupt(`a count is not a whole number (${n})`);
  return x;
}

function readProcessor(r: Reader): ProcessorState {
  const regs = new Int32Array(16);
  for (let i = 0; i < 16; i++) regs[i] = r.i32();
  if (regs[0] !== 0) throw new Corrupt('r0 is not 0');
  const flags = r.u32();
  if (flags > 3) throw new Corrupt(`PSW flags ${flags} have bits other than S and IE`);
  const pc = r.u32();
  const base = r.u32();
  const bound = r.u32();
  const timer = r.u32();
  const pending = flag(r) === 1;
  const halted = flag(r) === 1;
  const instret = count(r, 0);
  const checkStop = readCheckStop(r);
  return { regs, flags, pc, base, bound, timer, pending, halted, checkStop, instret };
}

function readCpu(r: Reader): CpuState {
  const p = readProcessor(r);
  const traps = new Float64Array(8);
  for (let c = 0; c < 8; c++) traps[c] = count(r, c);
  const hidden: CpuHidden = { afterTrap: flag(r) === 1, delivered: count(r, 0), intercepts: r.u32(), exitCode: r.u32(), exitInfo: r.i32(), exitAfterTrap: flag(r) === 1 };
  return { ...p, traps, hidden, guest: null };
}

function readCounts(r: Reader, size: number): Float64Array {
  const a = new Float64Array(size);
  const n = r.u32();
  if (n > size) throw new Corrupt('too many counters');
  for (let k = 0; k < n; k++) {
    const i = r.u32();
    if (i >= size) throw new Corrupt('a counter index is out of range');
    a[i] = count(r, i);
  }
  return a;
}

function readBytes(r: Reader): Uint8Array {
  const n = r.u32();
  r.need(n);
  const b = r.b.slice(r.pos, r.pos + n);
  r.pos += n;
  return b;
}

function readStorage(r: Reader, memWords: number): Int32Array {
  const n = r.u32();
  if (n !== memWords) throw new Corrupt(`storage holds ${n} words, the machine ${memWords}`);
  const mem = new Int32Array(n);
  const runs = r.count(8);
  let end = 0;
  for (let k = 0; k < runs; k++) {
    const from = r.u32();
    const len = r.count(4);
    if (from < end || from + len > n) throw new Corrupt('storage runs overlap or run past the end of storage');
    for (let i = 0; i < len; i++) mem[from + i] = r.i32();
    end = from + len;
  }
  return mem;
}

/**
 * Decode a snapshot file. A truncated, corrupt, foreign or newer file is
 * refused with one line naming `name`.
 */
export function decodeSnapshot(bytes: Uint8Array, name: string): Snapshot | { error: string } {
  const fail = (why: string) => ({ error: `${name}: ${why}` });
  if (!isSnapshotFile(bytes)) {
    if (isImageFile(bytes)) return fail('this is a trapeze program image, not a snapshot');
    return fail('not a trapeze snapshot (bad magic number)');
  }
  if (bytes.length < HEADER) return fail(`truncated trapeze snapshot (${bytes.length} bytes, the header alone is ${HEADER})`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) return fail(`unsupported trapeze snapshot version ${version} (this trapeze reads version ${SNAPSHOT_VERSION})`);
  const length = v.getUint32(12, true);
  if (bytes.length < length) return fail(`truncated trapeze snapshot (${bytes.length} of ${length} bytes)`);
  if (bytes.length > length) return fail(`corrupt trapeze snapshot (${bytes.length - length} unexpected bytes after the end)`);
  if (crc32(bytes, 20) !== v.getUint32(16, true)) return fail('corrupt trapeze snapshot (checksum mismatch)');
  try {
    return readSections(new Reader(bytes, v), v.getUint32(20, true));
  } catch (e) {
    if (e instanceof NotUnderstood) return fail(e.message);
    if (e instanceof Corrupt) return fail(`corrupt trapeze snapshot (${e.message})`);
    if (e instanceof TypeError) return fail('corrupt trapeze snapshot (bad UTF-8 text)');
    throw e;
  }
}

function readSections(r: Reader, sections: number): Snapshot {
  r.pos = HEADER;
  let info: { kind: 'bare' | 'vmm'; isa: string; memWords: number; steps: number; maxSteps: number; programs: number; vmm?: { monitor: string; depth: number; quantum: number; guestWords: number } } | undefined;
  const programs: ProgramRecord[] = [];
  let cpu: CpuState | undefined;
  let storage: Int32Array | undefined;
  const consoles: ConsoleRecord[] = [];
  const vms: VmState[] = [];
  const partitions: { offset: number; size: number }[] = [];
  let slices: SliceState | undefined;
  const guestModes = new Map<number, GuestState>();

  for (let k = 0; k < sections; k++) {
    r.need(12);
    const tag = String.fromCharCode(...r.b.subarray(r.pos, r.pos + 4));
    r.pos += 4;
    const version = r.u32();
    const len = r.u32();
    r.need(len);
    const end = r.pos + len;
    const known = Object.hasOwn(KNOWN, tag) ? KNOWN[tag] : undefined;
    if (known === undefined || known !== version) {
      const critical = /^[A-Z]/.test(tag);
      if (!critical) {
        r.pos = end;
        continue;
      }
      const printable = /^[\x20-\x7e]{4}$/.test(tag) ? `'${tag}'` : 'with an unreadable tag';
      throw new NotUnderstood(
        known === undefined
          ? `snapshot section ${printable} is not one this trapeze knows (written by a newer trapeze, or corrupt)`
          : `snapshot section ${printable} is version ${version}; this trapeze reads version ${known}`,
      );
    }
    if (tag !== 'INFO' && !info) throw new Corrupt('the INFO section must come first');
    switch (tag) {
      case 'INFO': {
        if (info) throw new Corrupt('two INFO sections');
        const kind = r.u8();
        if (kind > 1) throw new Corrupt(`unknown machine kind ${kind}`);
        const isa = r.str();
        const memWords = r.u32();
        if (memWords < 16 || memWords > 2 ** 30) throw new Corrupt(`storage of ${memWords} words`);
        const steps = count(r, 0);
        const maxSteps = count(r, 0);
        const n = r.u32();
        info = { kind: kind === 0 ? 'bare' : 'vmm', isa, memWords, steps, maxSteps, programs: n };
        if (kind === 1) info.vmm = { monitor: r.str(), depth: r.u32(), quantum: r.u32(), guestWords: r.u32() };
        break;
      }
      case 'PROG': {
        const pname = r.str();
        const img = decodeImage(readBytes(r), pname);
        if ('error' in img) throw new Corrupt(`its program image: ${img.error}`);
        programs.push({ name: pname, image: img });
        break;
      }
      case 'CPU ':
        cpu = readCpu(r);
        break;
      case 'GMOD': {
        const owner = r.u32();
        if (guestModes.has(owner)) throw new Corrupt(`two GMOD sections for machine ${owner}`);
        const cb = r.u32();
        const partBase = r.u32();
        const size = r.u32();
        const gisa = r.str();
        const injectCause = r.u32();
        const injectInfo = r.i32();
        const byInstruction = flag(r) === 1;
        guestModes.set(owner, { cb, partBase, size, isa: gisa, injectCause, injectInfo, byInstruction, cpu: readCpu(r) });
        break;
      }
      case 'STOR':
        storage = readStorage(r, info!.memWords);
        break;
      case 'CONS':
        consoles.push({ consumed: readBytes(r), unread: readBytes(r), output: readBytes(r) });
        break;
      case 'VM  ': {
        const vname = r.str();
        partitions.push({ offset: r.u32(), size: r.u32() });
        const p = readProcessor(r);
        const steps = count(r, 0);
        const afterTrap = flag(r) === 1;
        const trapCause = r.u32();
        const trapInfo = r.i32();
        const trapPc = r.u32();
        const injectCause = r.u32();
        const injectInfo = r.i32();
        const stats: StatsState = {
          direct: count(r, 0),
          interpreted: count(r, 0),
          monitorMs: r.f64(),
          emulatedByOpcode: readCounts(r, 256),
          traps: readCounts(r, 8),
          reflected: readCounts(r, 8),
          entries: count(r, 0),
          exits: readCounts(r, 32),
          guestMode: count(r, 0),
          hypercalls: readCounts(r, HYPERCALL_SLOTS),
        };
        vms.push({ ...p, name: vname, steps, afterTrap, trapCause, trapInfo, trapPc, injectCause, injectInfo, guest: null, stats });
        break;
      }
      case 'SLCE': {
        const current = r.u32();
        const sliceLeft = r.u32();
        const n = r.count(1);
        const outcomes: (StopReason | undefined)[] = [];
        for (let i = 0; i < n; i++) {
          const o = r.u8();
          if (o >= OUTCOMES.length) throw new Corrupt(`unknown VM outcome ${o}`);
          outcomes.push(OUTCOMES[o]);
        }
        slices = { current, sliceLeft, outcomes };
        break;
      }
    }
    if (r.pos !== end) throw new Corrupt(`section '${tag}' is ${len} bytes but holds ${r.pos - end + len}`);
  }
  if (r.pos !== r.b.length) throw new Corrupt('unexpected bytes after the last section');
  if (!info) throw new Corrupt('no INFO section');
  if (!cpu) throw new Corrupt('no CPU section');
  if (!storage) throw new Corrupt('no STOR section');
  if (programs.length !== info.programs) throw new Corrupt(`INFO names ${info.programs} programs, the file holds ${programs.length}`);
  for (const [owner, g] of guestModes) {
    const host = owner === 0 ? undefined : vms[owner - 1];
    if (owner > 0 && !host) throw new Corrupt(`a GMOD section for machine ${owner}, which is not there`);
    const words = host ? partitions[owner - 1]!.size : info.memWords;
    if (g.partBase + g.size > words || g.size < 16 || g.cb + 32 > words) throw new Corrupt('a guest partition or control block lies outside its machine');
    if (host) vms[owner - 1] = { ...host, guest: g };
    else cpu = { ...cpu, guest: g };
  }
  const base = { kind: info.kind, isa: info.isa, memWords: info.memWords, steps: info.steps, maxSteps: info.maxSteps, programs, cpu, storage, consoles };
  if (info.kind === 'bare') {
    if (programs.length !== 1 || consoles.length !== 1) throw new Corrupt('a bare-machine snapshot holds one program and one console');
    if (vms.length || slices) throw new Corrupt('a bare-machine snapshot with VM sections');
    return base;
  }
  const m = info.vmm!;
  if (m.depth < 1 || m.depth > 16) throw new Corrupt(`monitor depth ${m.depth}`);
  if (m.quantum < 1) throw new Corrupt('a quantum of 0');
  const guests = programs.length;
  if (guests < 1 || consoles.length !== guests) throw new Corrupt(`${guests} programs but ${consoles.length} consoles`);
  if (vms.length !== m.depth - 1 + guests) throw new Corrupt(`${vms.length} VM sections for ${guests} guests at depth ${m.depth}`);
  if (!slices || slices.outcomes.length !== guests || slices.current >= guests) throw new Corrupt('missing or inconsistent scheduler (SLCE) section');
  return {
    ...base,
    vmm: { ...m, levels: vms.slice(0, m.depth - 1), guests: vms.slice(m.depth - 1), partitions, slices },
  };
}

// The snapshot file (isa/SNAPSHOT.md): what it refuses, with one line each — truncated at every length, any single
// byte corrupted, foreign files, other versions, sections from a newer trapeze — and the CLI around it:
// run/vmm --snapshot-at/--snapshot/--resume, and the hidden state a snapshot must carry.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/assemble.js';
import { crc32, encodeImage } from '../../src/asm/imagefile.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { PG32 } from '../../src/isa/table.js';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_MAGIC, type Snapshot } from '../../src/snapshot/format.js';
import { resumeBare, snapshotBare } from '../../src/snapshot/machine.js';
import { captureCpu } from '../../src/snapshot/state.js';

const FACTORIAL = readFileSync(new URL('../../programs/factorial.s', import.meta.url), 'utf8');
const ECHO = readFileSync(new URL('../../programs/echo.s', import.meta.url), 'utf8');
const HELLO = readFileSync(new URL('../../programs/hello.s', import.meta.url), 'utf8');

function sample(): Uint8Array {
  const img = assemble(FACTORIAL, 'factorial.s').image!;
  const con = new Console(new TextEncoder().encode('abc'));
  const cpu = new Cpu({ isa: PG32, memWords: 4096, devices: con });
  cpu.load(img);
  cpu.run(200);
  return encodeSnapshot(snapshotBare(cpu, con, { name: 'factorial.s', image: img }, 1e6));
}

/** fix up length and CRC after an edit, so the structural checks are reached */
function reseal(b: Uint8Array): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(12, b.length, true);
  v.setUint32(16, crc32(b, 20), true);
  return b;
}

function oneLine(r: unknown): string {
  expect(r).toHaveProperty('error');
  const e = (r as { error: string }).error;
  expect(e.split('\n')).toHaveLength(1);
  return e;
}

describe('the snapshot file refuses what it cannot trust, in one line', () => {
  const good = sample();

  it('round trips', () => {
    const s = decodeSnapshot(good, 'g.snap');
    expect('error' in s).toBe(false);
    expect(encodeSnapshot(s as never)).toEqual(good);
  });

  it('every truncation', () => {
    for (let n = 0; n < good.length; n += n < 64 ? 1 : 97) {
      const e = oneLine(decodeSnapshot(good.subarray(0, n), 't.snap'));
      expect(e).toMatch(n < 8 ? /^t\.snap: not a trapeze snapshot \(bad magic number\)$/ : /^t\.snap: truncated trapeze snapshot \(/);
    }
  });

  it('any corrupted byte (80 random positions and values, seed 2010)', () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = good.slice();
        b[at]! ^= x;
        const e = oneLine(decodeSnapshot(b, 'c.snap'));
        expect(e).toMatch(/^c\.snap: (not a trapeze snapshot|unsupported trapeze snapshot version|truncated trapeze snapshot|corrupt trapeze snapshot)/);
      }),
      { seed: 2010, numRuns: 80 },
    );
  });

  it('corruption behind a valid checksum is still refused (structure checks, 100 cases, seed 2011)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 24, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = good.slice();
        b[at]! ^= x;
        const r = decodeSnapshot(reseal(b), 'c.snap');
        if ('error' in r) expect(oneLine(r)).toMatch(/^c\.snap: (corrupt trapeze snapshot|snapshot section)/);
        else {
          // a change the format cannot see (a register's value, a word of storage): it must still resume
          const { cpu } = resumeBare(r, PG32);
          cpu.run(100);
        }
      }),
      { seed: 2011, numRuns: 100 },
    );
  });

  it('foreign files, other versions, newer sections', () => {
    expect(oneLine(decodeSnapshot(new Uint8Array(0), 'e.snap'))).toBe('e.snap: not a trapeze snapshot (bad magic number)');
    expect(oneLine(decodeSnapshot(new TextEncoder().encode('start: halt\n'), 's.snap'))).toBe('s.snap: not a trapeze snapshot (bad magic number)');
    expect(oneLine(decodeSnapshot(encodeImage(assemble(HELLO, 'h.s').image!), 'h.img'))).toBe('h.img: this is a trapeze program image, not a snapshot');
    const v2 = good.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    expect(oneLine(decodeSnapshot(v2, 'v.snap'))).toBe('v.snap: unsupported trapeze snapshot version 2 (this trapeze reads version 1)');
    const extra = new Uint8Array(good.length + 3);
    extra.set(good);
    expect(oneLine(decodeSnapshot(extra, 'x.snap'))).toBe('x.snap: corrupt trapeze snapshot (3 unexpected bytes after the end)');
    // a section from the future: critical (upper case) refused, ancillary (lower case) skipped
    const withSection = (tag: string) => {
      const b = new Uint8Array(good.length + 16);
      b.set(good);
      b.set(new TextEncoder().encode(tag), good.length);
      const v = new DataView(b.buffer);
      v.setUint32(good.length + 4, 1, true);
      v.setUint32(good.length + 8, 4, true);
      v.setUint32(20, v.getUint32(20, true) + 1, true);
      return reseal(b);
    };
    expect(oneLine(decodeSnapshot(withSection('XTRA'), 'f.snap'))).toBe("f.snap: snapshot section 'XTRA' is not one this trapeze knows (written by a newer trapeze, or corrupt)");
    expect('error' in decodeSnapshot(withSection('note'), 'f.snap')).toBe(false);
    expect(SNAPSHOT_MAGIC.length).toBe(8);
  });
});

describe('the hidden state a snapshot carries', () => {
  it('regression: a snapshot right after a trap whose handler cannot be fetched check-stops when resumed, as the run would', () => {
    // new PSW: supervisor, pc 5000, bound 100: the handler is unreachable
    const img = assemble('.org 8\n.word 1, 5000, 0, 100\n.org 16\nstart: svc 1\n', 'h.s').image!;
    const run = () => {
      const con = new Console();
      const cpu = new Cpu({ memWords: 4096, devices: con });
      cpu.load(img);
      return { cpu, con };
    };
    const whole = run();
    whole.cpu.run(100);
    const part = run();
    part.cpu.run(1); // the svc trap is delivered; the next fetch is the handler's first
    const s = decodeSnapshot(encodeSnapshot(snapshotBare(part.cpu, part.con, { name: 'h.s', image: img }, 100)), 'h.snap');
    const { cpu } = resumeBare(s as never, PG32);
    cpu.run(99);
    expect(cpu.checkStop).toEqual(whole.cpu.checkStop);
    expect(captureCpu(cpu)).toEqual(captureCpu(whole.cpu));
    expect(cpu.trapCount).toBe(1);
  });
});

describe('run and vmm with snapshots', () => {
  async function cli(args: string[], files: Record<string, string | Uint8Array>, stdin = '') {
    const io = memoryIo(files, stdin);
    const status = await main(args, io);
    return { status, out: io.stdout(), err: io.stderr(), files: io.files };
  }

  it('run --snapshot-at N: the run goes on unchanged; --resume prints the rest and ends the same way', async () => {
    const whole = await cli(['run', 'f.s'], { 'f.s': FACTORIAL });
    const a = await cli(['run', 'f.s', '--snapshot-at', '300', '--snapshot', 's.snap'], { 'f.s': FACTORIAL });
    expect(a.out).toBe(whole.out);
    expect(a.err).toBe('trapeze run: snapshot at step 300 saved to s.snap\n');
    const b = await cli(['run', '--resume', 's.snap'], { 's.snap': a.files.get('s.snap')! });
    expect(b.status).toBe(0);
    expect(whole.out.endsWith(b.out)).toBe(true);
    expect(b.out.length).toBeGreaterThan(0);
    expect(b.out.length).toBeLessThan(whole.out.length);
  });

  it('resumed input: what the snapshot holds unread (an --input file) comes first; a live stdin continues with the new stdin', async () => {
    const whole = await cli(['run', 'e.s', '--input', 'in.txt'], { 'e.s': ECHO, 'in.txt': 'hello world\n' });
    const a = await cli(['run', 'e.s', '--input', 'in.txt', '--snapshot-at', '30', '--snapshot', 's.snap'], { 'e.s': ECHO, 'in.txt': 'hello world\n' });
    const b = await cli(['run', '--resume', 's.snap'], { 's.snap': a.files.get('s.snap')! });
    expect(a.out).toBe(whole.out);
    expect(whole.out.endsWith(b.out)).toBe(true);
    expect(b.out.length).toBeGreaterThan(0);
    // stdin streams: the snapshot records what was read; the resumed run reads its own stdin next
    const c = await cli(['run', 'e.s', '--snapshot-at', '30', '--snapshot', 't.snap'], { 'e.s': ECHO }, 'hello world\n');
    const snap = decodeSnapshot(c.files.get('t.snap')!, 't.snap') as Snapshot;
    const consumed = snap.consoles[0]!.consumed.length;
    expect([consumed, snap.consoles[0]!.unread.length]).toEqual([expect.any(Number), 0]);
    const d = await cli(['run', '--resume', 't.snap'], { 't.snap': c.files.get('t.snap')! }, 'hello world\n'.slice(consumed));
    expect(c.out).toBe(whole.out);
    expect(whole.out.endsWith(d.out)).toBe(true);
    expect(d.out.length).toBeGreaterThan(0);
  });

  it('a snapshot at the end; one past the end is reported; bad combinations are usage errors', async () => {
    const end = await cli(['run', 'h.s', '--snapshot', 'end.snap'], { 'h.s': HELLO });
    expect(end.err).toMatch(/^trapeze run: snapshot at step \d+ saved to end\.snap\n$/);
    const resumed = await cli(['run', '--resume', 'end.snap'], { 'end.snap': end.files.get('end.snap')! });
    expect([resumed.status, resumed.out]).toEqual([0, '']);
    const late = await cli(['run', 'h.s', '--snapshot-at', '1000000', '--snapshot', 'x.snap'], { 'h.s': HELLO });
    expect(late.err).toMatch(/^trapeze run: the run ended at step \d+, before --snapshot-at 1000000: no snapshot saved\n$/);
    expect((await cli(['run', 'h.s', '--snapshot-at', '5'], { 'h.s': HELLO })).status).toBe(2);
    expect((await cli(['run', 'h.s', '--resume', 'end.snap'], { 'h.s': HELLO, 'end.snap': end.files.get('end.snap')! })).status).toBe(2);
  });

  it('broken snapshot files: one line, status 1', async () => {
    const good = (await cli(['run', 'h.s', '--snapshot', 's.snap'], { 'h.s': HELLO })).files.get('s.snap')!;
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, 40), /^trapeze run: b\.snap: truncated trapeze snapshot \(40 of \d+ bytes\)$/],
      [(() => { const b = good.slice(); b[100]! ^= 4; return b; })(), /^trapeze run: b\.snap: corrupt trapeze snapshot \(checksum mismatch\)$/],
      [new TextEncoder().encode('garbage'), /^trapeze run: b\.snap: not a trapeze snapshot \(bad magic number\)$/],
    ];
    for (const [bytes, re] of cases) {
      const r = await cli(['run', '--resume', 'b.snap'], { 'b.snap': bytes });
      expect(r.status).toBe(1);
      expect(r.err.trimEnd()).toMatch(re);
    }
    const d = await cli(['debug', 'b.snap', '--batch', 'c'], { 'b.snap': good.subarray(0, 40), c: '' });
    expect([d.status, d.err.trimEnd()]).toEqual([1, expect.stringMatching(/^trapeze debug: b\.snap: truncated trapeze snapshot/)]);
  });

  it('vmm: a snapshot holds every VM; a resumed run prints the rest; the kinds do not mix', async () => {
    const files = { 'h.s': HELLO, 'f.s': FACTORIAL };
    const whole = await cli(['vmm', 'h.s', 'f.s', '--quantum', '7', '--separate', 'w'], files);
    const a = await cli(['vmm', 'h.s', 'f.s', '--quantum', '7', '--separate', 'w', '--snapshot-at', '200', '--snapshot', 'v.snap'], files);
    const text = (r: typeof a, f: string) => new TextDecoder().decode(r.files.get(f));
    expect(text(a, 'w/f.out')).toBe(text(whole, 'w/f.out'));
    const b = await cli(['vmm', '--resume', 'v.snap', '--separate', 'w'], { 'v.snap': a.files.get('v.snap')! });
    expect(b.status).toBe(0);
    // each VM's whole console: what it wrote before the snapshot and after
    for (const f of ['w/h.out', 'w/f.out']) expect(text(b, f)).toBe(text(whole, f));
    expect(text(b, 'w/f.out').length).toBeGreaterThan(0);
    expect((await cli(['run', '--resume', 'v.snap'], { 'v.snap': a.files.get('v.snap')! })).err).toMatch(/a snapshot of a VMM run: resume it with trapeze vmm --resume/);
    expect((await cli(['vmm', '--resume', 'v.snap', '--quantum', '3'], { 'v.snap': a.files.get('v.snap')! })).status).toBe(2);
    // the debugger opens it, with every VM
    const d = await cli(['debug', 'v.snap', '--batch', 'c'], { 'v.snap': a.files.get('v.snap')!, c: 'info vms\n' });
    expect(d.out).toMatch(/Resumed from a snapshot at step 200\./);
    expect(d.out).toMatch(/1 +h +\S+[^\n]*\n[^\n]*2 +f +/);
  });

  it('snapshot save and load in the debugger; a snapshot of another program is refused', async () => {
    const a = await cli(['debug', 'f.s', '--batch', 'c'], { 'f.s': FACTORIAL, c: 'step 40\nsnapshot save a.snap\nstep 10\nsnapshot load a.snap\nprint $time\n' });
    expect(a.status).toBe(0);
    expect(a.out).toMatch(/Saved step 40 to a\.snap \(\d+ bytes\)\./);
    expect(a.out).toMatch(/Loaded step 40 from a\.snap; history starts here\./);
    expect(a.out).toMatch(/\(trapeze\) print \$time\nstep 40\n/);
    const b = await cli(['debug', 'h.s', '--batch', 'c'], { 'h.s': HELLO, 'a.snap': a.files.get('a.snap')!, c: 'snapshot load a.snap\n' });
    expect(b.status).toBe(5);
    expect(b.out).toMatch(/a\.snap: a snapshot of another program \(f\.s\); start trapeze debug a\.snap to debug it/);
  });
});

/**
 * What the playground's lab worker computes, in Node: the class table and
 * witnesses, the VMs and their timeline, the equivalence check and the
 * nanobenchmarks. Each is checked against the library it wraps.
 */
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/index.js';
import { classifyIsa, type Report } from '../../src/checker/classify.js';
import { Console } from '../../src/cpu/devices.js';
import { CAUSES, causeName, EXITS, isaOrThrow } from '../../src/isa/table.js';
import { roundRobin } from '../../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import { MONITORS, type MonitorKind } from '../../src/vmm/monitor.js';
import { BenchRun } from '../../web/src/lab/bench.js';
import { classifyView, verdicts } from '../../web/src/lab/classify.js';
import { equivView } from '../../web/src/lab/equiv.js';
import { checkOptions, MAX_EVENTS, MAX_SLICES, prepareGuests, VirtualizeRun } from '../../web/src/lab/virtualize.js';
import type { ClassifyView, Slice, VmEvent, VmmView } from '../../web/src/protocol.js';
import { examples, noNodePlugin } from '../../web/build.js';
import { programs } from '../library.js';

const all = programs();
const program = (name: string) => all.find((p) => p.name === name)!;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('classify view', () => {
  let x86: ClassifyView;
  beforeAll(() => {
    const r = classifyView('pg32-x86');
    if ('error' in r) throw new Error(r.error);
    x86 = r;
  });

  it('carries every instruction, the theorems and their violators', () => {
    expect(x86.rows).toHaveLength(isaOrThrow('pg32-x86').instructions.length);
    const byName = new Map(x86.verdicts.map((v) => [v.name, v]));
    expect(byName.get('Theorem 1')).toMatchObject({ holds: false, violators: ['gpsw', 'sflags', 'getr'] });
    expect(byName.get('Theorem 3')).toMatchObject({ holds: false, violators: ['getr'] });
    const getr = x86.rows.find((r) => r.mnemonic === 'getr')!;
    expect(getr.classes[x86.columns.indexOf('location')]).toBe(true);
    expect(getr.classes[x86.columns.indexOf('privileged')]).toBe(false);
  });

  it('shows each witness as two columns with the differing rows marked', () => {
    const gpsw = x86.rows.find((r) => r.mnemonic === 'gpsw')!;
    const mode = gpsw.witnesses.find((w) => w.property === 'modeSensitive')!;
    expect(mode.headers).toEqual(['state 1: user mode', 'state 2: supervisor mode']);
    const before = mode.sections[0]!.rows;
    // The two states differ only in the mode.
    expect(before.filter((r) => r.differs).map((r) => r.name)).toEqual(['mode']);
    // After: the register gpsw wrote differs.
    expect(mode.sections[1]!.rows.some((r) => r.differs && /^r\d+$/.test(r.name))).toBe(true);
    // A one-state witness (control-sensitive sflags in supervisor mode) is shown before and after.
    const sflags = x86.rows.find((r) => r.mnemonic === 'sflags')!.witnesses.find((w) => w.property === 'controlSensitive')!;
    expect(sflags.headers[1]).toBe('after');
    expect(sflags.sections[0]!.rows.find((r) => r.name === 'IE')!.differs).toBe(true);
  });

  it('an unknown ISA is one error line', () => {
    expect(classifyView('pg32+fly')).toEqual({ error: expect.stringMatching(/^unknown extension 'fly'/) });
  });

  it('shows any verdict the report carries, not only the three theorems', () => {
    const report = classifyIsa(isaOrThrow('pg32'), { states: 20, assistStates: 5 });
    expect(verdicts(report).map((v) => v.name)).toEqual(['Theorem 1', 'Theorem 2', 'Theorem 3', 'Hardware assist']);
    const more = { ...report, futureVerdict: { holds: false, violators: ['x'], statement: 'a verdict added later' } } as unknown as Report;
    expect(verdicts(more).map((v) => v.name)).toContain('Future verdict');
  });
});

describe('virtualize', () => {
  const guests = ['os/kernel.s', 'hello.s', 'fib.s', 'echo.s'].map((n) => ({ name: n, source: program(n).source, input: text(program(n).input) }));

  const opts = { quantum: 7, depth: 2, memWords: 65536, maxSteps: 10_000_000 };
  const views = new Map<string, VmmView>();
  /** The tab's run of the four guests under `monitor`, at full speed (one run per monitor, shared by the tests). */
  const viewOf = (monitor: string): VmmView => {
    let v = views.get(monitor);
    if (!v) {
      const g = prepareGuests(guests, 'auto');
      if ('errors' in g) throw new Error(g.errors.join('\n'));
      const run = new VirtualizeRun(g.images, guests.map((x) => x.name), guests.map((x) => x.input), g.isa, { monitor, ...opts });
      while (!run.done) run.runFor(50);
      views.set(monitor, (v = run.view()));
    }
    return v;
  };
  const key = (e: Pick<VmEvent, 'vm' | 'at' | 'kind' | 'pc' | 'what'>) => `${e.vm} ${e.at} ${e.kind} ${e.pc} ${e.what}`;

  /**
   * The oracle: the library's stack scheduled round robin, but every slice run
   * one guest step at a time, with the innermost monitor's listener noting
   * each event at the step being taken. Under trap-emulate and hybrid the
   * monitor's work does not depend on how a slice is cut, so the events are
   * the same as a full-speed run's.
   */
  const stepwise = (monitor: MonitorKind): VmEvent[] => {
    const g = prepareGuests(guests, 'auto');
    if ('errors' in g) throw new Error(g.errors.join('\n'));
    const stack = buildStack({ isa: g.isa, monitor, depth: opts.depth, count: guests.length, guestWords: opts.memWords });
    g.images.forEach((image, i) => loadGuest(stack.guests[i]!, image, new Console(program(guests[i]!.name).input)));
    const events: VmEvent[] = [];
    let step = 0;
    stack.innermost.listener = (e) => {
      const vm = stack.guests.indexOf(e.vm as never);
      const what = e.kind === 'trap' || e.kind === 'reflect' ? causeName(e.cause) : e.kind === 'emulate' ? e.routine : null;
      if (what !== null) events.push({ vm, at: step, kind: e.kind as VmEvent['kind'], pc: e.pc, what });
    };
    let ready = [...stack.guests];
    while (ready.length) {
      for (const vm of ready) {
        const budget = Math.min(opts.quantum, opts.maxSteps - vm.steps);
        for (let k = 0; k < budget; ) {
          const before = vm.steps;
          const r = vm.run(1);
          step += vm.steps - before;
          k += vm.steps - before;
          if (r !== 'budget') {
            ready = ready.filter((v) => v !== vm);
            break;
          }
        }
      }
    }
    return events;
  };

  for (const monitor of MONITORS) {
    it(`${monitor}: slices run whole give what roundRobin gives, and tile the run`, () => {
      const view = viewOf(monitor);
      // The library's own scheduler, on a fresh stack.
      const stack = buildStack({ isa: isaOrThrow('pg32'), monitor, depth: 2, count: guests.length, guestWords: 65536 });
      const consoles = guests.map((guest, i) => {
        const c = new Console(program(guest.name).input);
        loadGuest(stack.guests[i]!, assemble(guest.source, guest.name).image!, c);
        return c;
      });
      const outcomes = roundRobin(stack.guests, { quantum: 7, maxSteps: 10_000_000 });
      view.vms.forEach((vm, i) => {
        expect(vm.output).toBe(text(consoles[i]!.output()));
        expect(vm.instret).toBe(stack.guests[i]!.instret);
        expect(vm.emulated).toBe(stack.guests[i]!.stats.emulations);
        expect(vm.state).toBe(outcomes[i]!.reason === 'halt' ? 'halted' : expect.anything());
      });
      expect(view.vms[1]!.output).toBe('Hello, world!\n');
      // Where each instruction ran adds up (bt: translated and rewritten; hybrid: interpreted).
      for (const vm of view.vms) expect(vm.direct + vm.emulated + vm.interpreted + vm.translated + vm.rewritten, vm.name).toBe(vm.instret);
      let at = 0;
      for (const s of view.slices) {
        expect(s.start).toBe(at);
        at += s.steps;
      }
      // The timeline keeps the first MAX_SLICES slices; the counts go on.
      if (view.sliceCount === view.slices.length) expect(at).toBe(view.totalSteps);
      else expect(at).toBeLessThan(view.totalSteps);

      // Every event is placed, within a slice of its own VM, and the slices' counts are its events.
      expect(view.capped).toBe(false);
      expect(view.detailedUntil).toBe(view.totalSteps);
      expect(view.events.length).toBeGreaterThan(100);
      for (const e of view.events.filter((x) => x.at < at)) {
        const s = view.slices.find((x) => e.at >= x.start && e.at < x.start + x.steps)!;
        expect(s.vm, `event at ${e.at}`).toBe(e.vm);
      }
      const inSlices = view.events.filter((x) => x.at < at);
      const count = (kind: VmEvent['kind']) => inSlices.filter((e) => e.kind === kind).length;
      const total = (f: (s: Slice) => number) => view.slices.reduce((n, s) => n + f(s), 0);
      expect([count('trap'), count('emulate'), count('reflect'), count('exit'), count('translate'), count('hypercall')]).toEqual(
        [total((s) => s.traps), total((s) => s.emulations), total((s) => s.reflections), total((s) => s.exits), total((s) => s.translations), total((s) => s.hypercalls)]);
      // Every event of the run is what the library's statistics count, the same run on a fresh stack.
      const all = (f: (v: (typeof stack.guests)[number]) => number) => stack.guests.reduce((n, v) => n + f(v), 0);
      const sum = (a: Float64Array) => a.reduce((n, x) => n + x, 0);
      const told = (kind: VmEvent['kind']) => view.events.filter((e) => e.kind === kind).length;
      expect(told('emulate')).toBe(all((v) => v.stats.emulations + v.stats.bt.rewrittenExecuted));
      expect(told('exit')).toBe(all((v) => sum(v.stats.exits)));
      expect(told('translate')).toBe(all((v) => v.stats.bt.blocks));
      if (monitor !== 'hw') expect(told('reflect')).toBe(all((v) => sum(v.stats.reflected))); // hw hands an SVC back by injection, which the VM does not count as reflected
    });
  }

  for (const monitor of ['trap-emulate', 'hybrid'] as const) {
    it(`${monitor}: every trap, emulation and reflection is where stepping one guest step at a time puts it`, () => {
      // One thing depends on the cut: a guest timer that expires inside a slice traps the machine below
      // (a TIMER trap, then its reflection), one due at a slice's start is reflected with no trap. So TIMER
      // traps are left out of the comparison; their reflections are in it.
      const guestMade = (e: VmEvent) => e.kind === 'emulate' || e.kind === 'reflect' || (e.kind === 'trap' && e.what !== 'TIMER');
      const view = viewOf(monitor);
      const oracle = stepwise(monitor).filter(guestMade);
      expect(oracle.length).toBeGreaterThan(100);
      expect(view.events.filter(guestMade).map(key)).toEqual(oracle.map(key));
    });
  }

  it('bt: each emulation (a rewritten instruction) and reflection is at the step trap-and-emulate has it; each translation is counted', () => {
    const bt = viewOf('bt');
    const te = viewOf('trap-emulate');
    const pick = (v: VmmView) => v.events.filter((e) => e.kind === 'emulate' || e.kind === 'reflect').map((e) => key({ ...e, what: e.what.replace(/, rewritten$/, '') }));
    expect(bt.events.filter((e) => e.kind === 'emulate').every((e) => e.what.endsWith(', rewritten'))).toBe(true);
    expect(pick(bt)).toEqual(pick(te));
    expect(pick(te).length).toBeGreaterThan(500);
    const translations = bt.events.filter((e) => e.kind === 'translate');
    expect(translations.length).toBeGreaterThan(20);
  });

  it('hw: each VM exit carries its exit code, and in/out/halt are emulated at the steps trap-and-emulate emulates them', () => {
    const hw = viewOf('hw');
    const te = viewOf('trap-emulate');
    const exits = hw.events.filter((e) => e.kind === 'exit');
    expect(new Set(exits.map((e) => e.what))).toEqual(new Set([`INSTR (exit code ${EXITS.INSTR})`, `HTIMER (exit code ${EXITS.HTIMER})`, `SVC (exit code ${CAUSES.SVC})`]));
    // every VM's exits, by name, as the VM's own statistics count them
    const named = (vm: number) => [...new Set(exits.filter((e) => e.vm === vm).map((e) => e.what.replace(/ \(.*/, '')))].map((n) => `${n} ${exits.filter((e) => e.vm === vm && e.what.startsWith(n + ' ')).length}`).sort();
    hw.vms.forEach((vm, i) => expect(named(i), vm.name).toEqual(vm.exits.split(', ').sort()));
    const io = (v: VmmView) => v.events.filter((e) => e.kind === 'emulate' && /^(in|out|halt)$/.test(e.what)).map(key);
    expect(io(hw)).toEqual(io(te));
    expect(io(hw).length).toBeGreaterThan(500);
    // An emulation answers the INSTR exit just before it, at the same step.
    hw.events.forEach((e, k) => {
      if (e.kind === 'emulate') expect(hw.events[k - 1]).toMatchObject({ kind: 'exit', at: e.at, vm: e.vm, what: `INSTR (exit code ${EXITS.INSTR})` });
    });
  });

  it('keeps at most maxEvents events (MAX_EVENTS by default) and says where the counts take over', () => {
    const g = prepareGuests([guests[0]!], 'auto');
    if ('errors' in g) throw new Error(g.errors.join('\n'));
    const keep = 300;
    const run = new VirtualizeRun(g.images, ['kernel'], [guests[0]!.input], g.isa, { monitor: 'trap-emulate', quantum: 50, depth: 1, memWords: 65536, maxSteps: 10_000_000, maxEvents: keep });
    while (!run.done) run.runFor(50);
    const v = run.view();
    expect(v.capped).toBe(true);
    expect(v.events.length).toBeLessThanOrEqual(keep);
    expect(v.events.length).toBeGreaterThan(keep - 5); // only the events of the step where it filled are dropped
    expect(v.eventCount).toBeGreaterThan(3 * keep);
    expect(v.detailedUntil).toBeGreaterThan(0);
    expect(v.detailedUntil).toBeLessThan(v.totalSteps);
    expect(v.events.every((e) => e.at < v.detailedUntil)).toBe(true);
    // None lost before detailedUntil: each slice there has all its traps, emulations and reflections marked.
    const before = v.slices.filter((s) => s.start + s.steps <= v.detailedUntil);
    expect(before.length).toBeGreaterThan(20);
    for (const s of before) {
      const mine = v.events.filter((e) => e.at >= s.start && e.at < s.start + s.steps);
      expect([mine.filter((e) => e.kind === 'trap').length, mine.filter((e) => e.kind === 'emulate').length, mine.filter((e) => e.kind === 'reflect').length]).toEqual([s.traps, s.emulations, s.reflections]);
    }
    // The counts go on: the slices' total (all of them are drawn) is every event told.
    expect(v.slices.length).toBe(v.sliceCount);
    const all = v.slices.reduce((n, s) => n + s.traps + s.emulations + s.reflections + s.exits + s.translations + s.hypercalls, 0);
    expect(all).toBe(v.eventCount);
    expect(MAX_EVENTS).toBeGreaterThanOrEqual(10_000);
  });

  it('events stop with the slices the timeline keeps (MAX_SLICES): every event sits on a drawn slice', () => {
    const g = prepareGuests([guests[0]!], 'auto');
    if ('errors' in g) throw new Error(g.errors.join('\n'));
    const run = new VirtualizeRun(g.images, ['kernel'], [guests[0]!.input], g.isa, { monitor: 'trap-emulate', quantum: 1, depth: 1, memWords: 65536, maxSteps: MAX_SLICES + 2000 });
    while (!run.done) run.runFor(50);
    const v = run.view();
    expect(v.sliceCount).toBeGreaterThan(MAX_SLICES);
    expect(v.slices).toHaveLength(MAX_SLICES);
    const drawn = v.slices.at(-1)!.start + v.slices.at(-1)!.steps;
    expect(v.capped).toBe(true);
    expect(v.detailedUntil).toBe(drawn);
    expect(v.events.length).toBeGreaterThan(100);
    expect(v.events.every((e) => e.at < drawn)).toBe(true);
    expect(v.eventCount).toBeGreaterThan(v.events.length);
  });

  it('guests that name no ISA run on the one the others name', () => {
    const hello = { name: 'hello', source: program('hello.s').source, input: '' };
    const x86 = { name: 'x86', source: program('variants/x86.s').source, input: '', isa: 'pg32-x86' };
    const pdp = { name: 'pdp10', source: program('variants/pdp10.s').source, input: '', isa: 'pg32-pdp10' };
    const g = prepareGuests([hello, x86], 'auto');
    expect('isa' in g && g.isa.name).toBe('pg32-x86');
    expect(prepareGuests([hello, x86, pdp], 'auto')).toEqual({ errors: [expect.stringMatching(/different ISAs \(pg32-x86, pg32-pdp10\)/)] });
    // A chosen ISA is every guest's; one whose .isa says otherwise is an error naming both.
    const chosen = prepareGuests([hello, hello], 'pg32+jrstu+gpsw+sflags+getr');
    expect('isa' in chosen && chosen.isa.name).toBe('pg32+jrstu+gpsw+sflags+getr');
    const clash = prepareGuests([hello, x86], 'pg32+jrstu');
    expect('errors' in clash && clash.errors.join('\n')).toMatch(/pg32\+jrstu.*pg32-x86|pg32-x86.*pg32\+jrstu/);
  });

  it('refuses bad options and guests with one line each', () => {
    expect(checkOptions({ monitor: 'vmware', quantum: 1, depth: 1, memWords: 100, maxSteps: 1 }, 1)).toMatch(/^unknown monitor 'vmware'/);
    expect(checkOptions({ monitor: 'trap-emulate', quantum: 0, depth: 1, memWords: 100, maxSteps: 1 }, 1)).toMatch(/quantum/);
    expect(checkOptions({ monitor: 'trap-emulate', quantum: 1, depth: 16, memWords: 2 ** 29, maxSteps: 1 }, 4)).toMatch(/real storage/);
    const bad = prepareGuests([{ name: 'a.s', source: 'halt\n  nope r1\n', input: '' }], 'auto');
    expect(bad).toEqual({ errors: ['a.s:2:3: error: ' + (assemble('halt\n  nope r1\n', 'a.s').errors[0]!.message)] });
  });
});

describe('equivalence', () => {
  it('x86.s diverges under every monitor here, at gpsw in the kernel; pdp10.s is equivalent under hybrid', () => {
    const x86 = program('variants/x86.s');
    const image = assemble(x86.source, 'x86.s', { isa: isaOrThrow('pg32-x86') }).image!;
    const v = equivView(image, 'x86', '', isaOrThrow('pg32-x86'), { quantum: 100, depth: 1, vms: 1, memWords: 65536, maxSteps: 1_000_000 });
    const te = v.runs.find((r) => r.monitor === 'trap-emulate')!;
    expect(te.equivalent).toBe(false);
    expect(te.divergence).toMatchObject({ step: 0, instruction: 'gpsw r1' });
    expect(x86.source.split('\n')[te.divergence!.line! - 1]).toMatch(/gpsw\s+r1/);

    const pdp = program('variants/pdp10.s');
    const pimage = assemble(pdp.source, 'pdp10.s', { isa: isaOrThrow('pg32-pdp10') }).image!;
    const p = equivView(pimage, 'pdp10', '', isaOrThrow('pg32-pdp10'), { quantum: 100, depth: 1, vms: 1, memWords: 65536, maxSteps: 1_000_000 });
    expect(p.runs.find((r) => r.monitor === 'trap-emulate')!.equivalent).toBe(false);
    expect(p.runs.find((r) => r.monitor === 'hybrid')!.equivalent).toBe(true);
  });
});

describe('nanobenchmarks', () => {
  it('measure every operation on every machine, the same work on each', () => {
    const b = new BenchRun(200, { repeats: 1, minMs: 0 });
    while (!b.done) b.next();
    const v = b.view();
    expect(v.machines).toEqual(['bare', ...MONITORS]);
    expect(v.rows).toHaveLength(7 * v.machines.length);
    for (const op of new Set(v.rows.map((r) => r.op))) {
      const rows = v.rows.filter((r) => r.op === op);
      expect(new Set(rows.map((r) => r.instructions)).size, op).toBe(1);
      // One round trip per loop iteration (the timer's period makes it one give or take).
      for (const r of rows) expect(Math.abs(r.trips - 200), `${op} on ${r.machine}`).toBeLessThanOrEqual(1);
      for (const r of rows) expect(r.ms).toBeGreaterThan(0);
    }
    expect(v.rows.find((r) => r.op === 'out' && r.machine === 'trap-emulate')!.entries).toBeGreaterThanOrEqual(200);
  });
});

describe('the build', () => {
  it('makes the examples menu from programs/, the kernel and the variants included', () => {
    const ex = examples();
    expect(ex.map((e) => e.path)).toEqual(expect.arrayContaining(['hello.s', 'os/kernel.s', 'variants/x86.s', 'variants/pdp10.s']));
    // Every program is in the menu; the parts programs include (programs/lib/, vmm/core.s) are there for .include only.
    expect(ex.filter((e) => !e.part).map((e) => e.path).sort()).toEqual(all.map((p) => p.name).sort());
    expect(ex.find((e) => e.path === 'lib/print.s')!.part).toBe(true);
    expect(ex.find((e) => e.path === 'vmm/core.s')!.part).toBe(true);
    expect(ex.find((e) => e.path === 'variants/x86.s')!.isa).toBe('pg32-x86');
    expect(ex.find((e) => e.path === 'os/kernel.s')!.input).toBe(text(program('os/kernel.s').input));
    expect(ex.find((e) => e.path === 'hello.s')!.title).toBe('the smallest useful PG32 program.');
  });

  it('refuses a Node import in the page, naming who imports it', async () => {
    const r = build({ stdin: { contents: "import { readFileSync } from 'node:fs'; readFileSync('x');", sourcefile: 'web/src/bad.ts', resolveDir: '.' }, bundle: true, write: false, platform: 'browser', logLevel: 'silent', plugins: [noNodePlugin] });
    await expect(r).rejects.toThrow(/imports the Node module 'node:fs': the library core and the playground must run in a browser/);
  });
});

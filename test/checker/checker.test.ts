// The checker derives ISA.md's outcomes from execution alone, with witnesses that replay.
import { describe, expect, it } from 'vitest';
import { classifyIsa, type Report } from '../../src/checker/classify.js';
import { Prober } from '../../src/checker/probe.js';
import { difference, hardwareAssist } from '../../src/checker/assist.js';
import { formatJson, formatText } from '../../src/checker/report.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { EXPECTED_OUTCOMES, EXTRAS, isaOrThrow, withDeclared, type Extension } from '../../src/isa/table.js';

const reports = new Map<string, Report>();
function report(name: string): Report {
  let r = reports.get(name);
  if (!r) reports.set(name, (r = classifyIsa(isaOrThrow(name))));
  return r;
}
const cls = (r: Report, m: string) => r.instructions.find((c) => c.mnemonic === m)!;

describe('the shipped variants come out as ISA.md says', () => {
  it.each(Object.entries(EXPECTED_OUTCOMES))('%s', (name, want) => {
    const r = report(name);
    expect({ t1: r.theorems['1'].holds, t2: r.theorems['2'].holds, t3: r.theorems['3'].holds }).toEqual(want);
    expect(r.disagreements).toEqual([]);
  });

  it('pg32: exactly lpsw spsw stimer in out halt are privileged, and every sensitive instruction is one of them', () => {
    const r = report('pg32');
    expect(r.instructions.filter((c) => c.privileged).map((c) => c.mnemonic)).toEqual(['lpsw', 'spsw', 'stimer', 'in', 'out', 'halt']);
    expect(r.instructions.filter((c) => !c.innocuous).map((c) => c.mnemonic)).toEqual(['lpsw', 'spsw', 'stimer', 'in', 'out', 'halt']);
    for (const m of ['add', 'ld', 'st', 'jal', 'jalr', 'svc', 'div', 'beq']) expect(cls(r, m).innocuous, m).toBe(true);
  });

  it('pg32-pdp10: jrstu breaks Theorem 1 (supervisor control-sensitive) but not Theorem 3', () => {
    const r = report('pg32-pdp10');
    expect(r.theorems['1'].violators).toEqual(['jrstu']);
    expect(r.theorems['3'].violators).toEqual([]);
    const j = cls(r, 'jrstu');
    expect(j).toMatchObject({ privileged: false, controlSensitive: true, userSensitive: false, supervisorSensitive: true });
    expect(j.witnesses.find((w) => w.property === 'controlSensitive')!.claim).toMatch(/M: S → U/);
  });

  it('pg32-x86: gpsw, sflags and getr break Theorem 1; getr (location-sensitive in user mode) breaks Theorem 3', () => {
    const r = report('pg32-x86');
    expect(r.theorems['1'].violators.sort()).toEqual(['getr', 'gpsw', 'sflags']);
    expect(r.theorems['3'].violators).toEqual(['getr']);
    expect(cls(r, 'gpsw')).toMatchObject({ modeSensitive: true, controlSensitive: false, userSensitive: false });
    expect(cls(r, 'sflags')).toMatchObject({ controlSensitive: true, userSensitive: false, supervisorSensitive: true });
    expect(cls(r, 'getr')).toMatchObject({ locationSensitive: true, userSensitive: true });
  });
});

describe('every composition of the extras gets the verdict its definition implies', () => {
  const subsets: Extension[][] = [];
  for (let m = 0; m < 1 << EXTRAS.length; m++) subsets.push(EXTRAS.filter((_, i) => m & (1 << i)));
  it.each(subsets.map((s) => [['pg32', ...s].join('+'), s] as const))('%s', (name, exts) => {
    const r = classifyIsa(isaOrThrow(name), { states: 300, assistStates: 10 });
    // every extra is sensitive and unprivileged; only getr is user-sensitive; none reveals time
    expect(r.theorems['1'].violators.sort()).toEqual([...exts].sort());
    expect(r.theorems['2'].violators.sort()).toEqual([...exts].sort());
    expect(r.theorems['3'].violators).toEqual(exts.includes('getr') ? ['getr'] : []);
    expect(r.disagreements).toEqual([]);
  });
});

describe('witnesses', () => {
  it('replay: running a witness state again gives the recorded outcome', () => {
    const r = report('pg32-x86');
    const prober = new Prober(isaOrThrow('pg32-x86'));
    let n = 0;
    for (const c of r.instructions) {
      for (const w of c.witnesses) {
        w.states.forEach((st, i) => {
          const o = prober.run(st);
          expect(o.trap, `${c.mnemonic} ${w.property}`).toBe(w.outcomes[i]!.trap);
          expect([...o.regs]).toEqual([...w.outcomes[i]!.regs]);
          expect(o.pc).toBe(w.outcomes[i]!.pc);
          n++;
        });
      }
    }
    expect(n).toBeGreaterThan(20);
  });

  it('a mode-sensitivity witness is a pair differing only in M', () => {
    const w = cls(report('pg32-x86'), 'gpsw').witnesses.find((x) => x.property === 'modeSensitive')!;
    const [a, b] = w.states;
    expect(a!.s).not.toBe(b!.s);
    expect({ ...a, s: true }).toEqual({ ...b, s: true });
  });

  it('a location-sensitivity witness is a pair whose base differs, with storage moved to match', () => {
    const w = cls(report('pg32+getr'), 'getr').witnesses.find((x) => x.property === 'locationSensitive')!;
    const [a, b] = w.states;
    const x = b!.base - a!.base;
    expect(x).toBeGreaterThan(0);
    for (let k = 0; k < a!.bound; k++) expect(b!.mem[a!.base + x + k]).toBe(a!.mem[a!.base + k]);
    expect(w.outcomes[0]!.regs).not.toEqual(w.outcomes[1]!.regs);
  });
});

describe('declared classes are checked against derived ones', () => {
  it('a planted wrong declaration (add declared privileged) is caught, with a witness', () => {
    const isa = withDeclared(isaOrThrow('pg32'), 'add', { privileged: true, control: false, location: false, mode: false });
    const r = classifyIsa(isa, { states: 200, assistStates: 10 });
    expect(r.disagreements).toHaveLength(1);
    const d = r.disagreements[0]!;
    expect(d).toMatchObject({ mnemonic: 'add', property: 'privileged', declared: true, derived: false });
    expect(d.witness?.claim).toMatch(/in user mode it completes/);
  });

  it('a sensitive instruction declared innocuous (getr) is caught', () => {
    const isa = withDeclared(isaOrThrow('pg32+getr'), 'getr', { privileged: false, control: false, location: false, mode: false });
    const r = classifyIsa(isa, { states: 200, assistStates: 10 });
    expect(r.disagreements.map((d) => [d.mnemonic, d.property])).toEqual([['getr', 'location']]);
    expect(r.disagreements[0]!.witness?.property).toBe('locationSensitive');
  });

  it('a privileged instruction declared unprivileged (stimer) is caught', () => {
    const isa = withDeclared(isaOrThrow('pg32'), 'stimer', { privileged: false, control: true, location: false, mode: false });
    const r = classifyIsa(isa, { states: 200, assistStates: 10 });
    expect(r.disagreements.map((d) => [d.mnemonic, d.property, d.derived])).toEqual([['stimer', 'privileged', true]]);
  });
});

it('the same seed gives the same report', () => {
  const a = classifyIsa(isaOrThrow('pg32+sflags'), { states: 100, assistStates: 10, seed: 7 });
  const b = classifyIsa(isaOrThrow('pg32+sflags'), { states: 100, assistStates: 10, seed: 7 });
  expect(a.instructions.map((c) => c.witnesses.map((w) => w.claim))).toEqual(b.instructions.map((c) => c.witnesses.map((w) => w.claim)));
});

describe('hardware assist, decided by execution in guest mode', () => {
  it.each(['pg32', 'pg32-pdp10', 'pg32-x86', 'pg32-x86-vt'])('%s: every instruction behaves as bare or exits', (name) => {
    const v = hardwareAssist(isaOrThrow(name), { states: 60 });
    expect(v.violators).toEqual([]);
    expect(v.holds).toBe(true);
    const by = new Map(v.instructions.map((i) => [i.mnemonic, i]));
    // what the hw monitor intercepts exits; vmrun in a guest exits (nesting is the monitor's)
    for (const m of ['in', 'out', 'halt']) expect(by.get(m)!.exits['INSTR']).toBeGreaterThan(0);
    expect(by.get('vmrun')!.exits['VMRUN']).toBeGreaterThan(0);
    // and the rest really ran in guest mode, identically
    expect(by.get('add')!.identical).toBe(by.get('add')!.tried);
    if (name.includes('x86')) expect(by.get('getr')!.identical).toBe(by.get('getr')!.tried);
  });

  it('a planted guest-mode bug is caught with a witness: a guest trap delivered with the wrong old pc', () => {
    const proto = Cpu.prototype as unknown as { guestTrap: (c: number, i: number, pc: number, inj: boolean) => unknown };
    const real = proto.guestTrap;
    proto.guestTrap = function (this: unknown, cause, info, pc, injected) {
      return real.call(this, cause, info, pc + 1, injected);
    };
    try {
      const v = hardwareAssist(isaOrThrow('pg32'), { states: 60 });
      expect(v.holds).toBe(false);
      const w = v.instructions.find((i) => i.witness)!.witness!;
      expect(w.claim).toMatch(/guest mode/);
      expect(difference(w.bare, w.guest)).not.toBeNull();
    } finally {
      proto.guestTrap = real;
    }
  });

  it('the report says which monitors run each variant and why', () => {
    const x86 = report('pg32-x86');
    expect(x86.monitors.map((m) => [m.monitor, m.admits])).toEqual([
      ['trap-emulate', false],
      ['hybrid', false],
      ['hw', true],
    ]);
    expect(formatText(x86)).toMatch(/hw +yes — on pg32-x86\+vt/);
    expect(JSON.parse(formatJson(x86)).hardwareAssist.holds).toBe(true);
    const pdp10 = report('pg32-pdp10');
    expect(pdp10.monitors.map((m) => m.admits)).toEqual([false, true, true]);
  });
});

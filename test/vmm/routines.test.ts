// The monitor follows the checker: every instruction the ISA table declares privileged — and every one the
// checker finds privileged by execution — has an interpreter routine in src/vmm/routines.ts.
import { describe, expect, it } from 'vitest';
import { classifyIsa } from '../../src/checker/classify.js';
import { ALL, isaOrThrow, withDeclared } from '../../src/isa/table.js';
import { missingRoutines, ROUTINES, routineTable } from '../../src/vmm/routines.js';

describe('interpreter routines', () => {
  it('every instruction the ISA table declares privileged, in every extension, has a routine', () => {
    expect(missingRoutines(ALL)).toEqual([]);
    for (const s of ALL.instructions.filter((x) => x.declared.privileged)) expect(Object.hasOwn(ROUTINES, s.mnemonic), s.mnemonic).toBe(true);
  });

  it('every instruction the checker finds privileged by execution has one too', () => {
    const r = classifyIsa(ALL, { states: 60, oracle: false, assistStates: 2 });
    const privileged = r.instructions.filter((c) => c.privileged).map((c) => c.mnemonic);
    expect(privileged.length).toBeGreaterThanOrEqual(6);
    for (const m of privileged) expect(Object.hasOwn(ROUTINES, m), m).toBe(true);
  });

  it('a table that declares an instruction privileged with no routine is refused when a monitor is built, by name', () => {
    const isa = withDeclared(isaOrThrow('pg32+getr'), 'getr', { privileged: true, control: false, location: true, mode: false });
    expect(missingRoutines(isa)).toEqual(['getr']);
    expect(() => routineTable(isa)).toThrow("internal error: the monitor has no interpreter routine for 'getr', which the ISA table declares privileged (add one to src/vmm/routines.ts)");
  });
});

/**
 * One classification of every instruction, shared by the checker suites.
 * An instruction's classification does not depend on which other
 * instructions its ISA has (each probe runs that one instruction; its
 * states are seeded by its opcode), so a variant's report is the full
 * report restricted to the variant's instructions — checker.test.ts checks
 * that this holds.
 */
import { withVt } from '../../src/checker/assist.js';
import { classifyIsa, disagreements, monitorAdmissions, theorems, type ClassifyOptions, type Report } from '../../src/checker/classify.js';
import { ALL, isaOrThrow } from '../../src/isa/table.js';

/** A report restricted to the instructions of the ISA `name`. */
export function restrict(all: Report, name: string): Report {
  const isa = isaOrThrow(name);
  const instructions = all.instructions.filter((c) => isa.has(c.mnemonic));
  const t = theorems(instructions);
  const vt = withVt(isa);
  const hwInstructions = all.hardwareAssist.instructions.filter((i) => vt.has(i.mnemonic));
  const violators = hwInstructions.filter((i) => i.witness).map((i) => i.mnemonic);
  const hw = { ...all.hardwareAssist, isa: vt.name, instructions: hwInstructions, violators, holds: violators.length === 0 };
  return {
    ...all,
    isa: isa.name,
    instructions,
    theorems: t,
    hardwareAssist: hw,
    monitors: monitorAdmissions(instructions, t, hw),
    disagreements: disagreements(instructions),
    discrepancies: all.discrepancies.filter((d) => isa.has(d.mnemonic)),
    uncompared: all.uncompared.filter((m) => isa.has(m)),
  };
}

const cache = new Map<string, Report>();
function full(key: string, opts: ClassifyOptions): Report {
  let r = cache.get(key);
  if (!r) cache.set(key, (r = classifyIsa(ALL, opts)));
  return r;
}

/** The ISA `name` as the CPU classifies it, cross-checked against the reference interpreter (what `trapeze classify` does). */
export const cpuReport = (name: string) => restrict(full('cpu', {}), name);

/** The ISA `name` classified on the CPU alone (no oracle: the quickest). */
export const plainReport = (name: string) => restrict(full('plain', { oracle: false }), name);

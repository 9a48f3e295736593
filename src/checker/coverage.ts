/**
 * What the checker tried, so that a verdict can say what it is about: how
 * many states and pairs per instruction, and which values each field took.
 * "Innocuous" means that no state tried showed a sensitivity; this file is
 * how the report says which states those were.
 */
import { FORMATS, getField, getSigned, type Spec } from '../isa/table.js';
import type { State } from './probe.js';

/** The fields of a state the report accounts for. */
export const FIELD_NAMES = ['storage', 'base', 'bound', 'pc', 'IE', 'TIMER', 'pending', 'registers', 'immediate', 'input'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

export interface Coverage {
  /** states tried (each in both modes) */
  states: number;
  /** steps run: states in both modes, and the second state of every pair */
  probes: number;
  /** steps the oracle ran (the reference interpreter, on the same states) */
  oracle: number;
  /** steps run through the CPU's translated code (translated.ts, on the same states) */
  translated: number;
  /** pairs compared, by kind */
  readonly pairs: { mode: number; location: number; outside: number; time: number };
  /** distinct values each field took (registers: the ones the instruction names) */
  readonly fields: Record<FieldName, Set<number>>;
}

export function newCoverage(): Coverage {
  const fields = Object.fromEntries(FIELD_NAMES.map((f) => [f, new Set<number>()])) as Record<FieldName, Set<number>>;
  return { states: 0, probes: 0, oracle: 0, translated: 0, pairs: { mode: 0, location: 0, outside: 0, time: 0 }, fields };
}

/** The registers an instruction word names in its operands (r0 included). */
export function operandRegisters(spec: Spec, word: number): number[] {
  const rs = new Set<number>();
  for (const o of FORMATS[spec.format]) {
    if (o.kind === 'reg') rs.add(getField(word, o.field));
    if (o.kind === 'mem' && o.baseField) rs.add(getField(word, o.baseField));
  }
  return [...rs].sort((a, b) => a - b);
}

export function recordState(cov: Coverage, spec: Spec, st: State, word: number): void {
  const f = cov.fields;
  cov.states++;
  f.storage.add(st.memWords);
  f.base.add(st.base);
  f.bound.add(st.bound);
  f.pc.add(st.pc);
  f.IE.add(+st.ie);
  f.TIMER.add(st.timer);
  f.pending.add(+st.pending);
  for (const o of FORMATS[spec.format]) {
    if (o.kind === 'reg') f.registers.add(st.regs[getField(word, o.field)]!);
    else if (o.kind === 'mem') {
      f.registers.add(st.regs[getField(word, o.baseField!)]!);
      f.immediate.add(getSigned(word, o.field));
    } else if (o.kind === 'simm16' || o.kind === 'target') f.immediate.add(getSigned(word, o.field));
    else f.immediate.add(getField(word, o.field));
  }
  f.input.add(st.input.length);
}

/** Merge several instructions' coverage (the report's summary line per field). */
export function mergeCoverage(cs: readonly Coverage[]): Coverage {
  const all = newCoverage();
  for (const c of cs) {
    all.states += c.states;
    all.probes += c.probes;
    all.oracle += c.oracle;
    all.translated += c.translated;
    for (const k of Object.keys(all.pairs) as (keyof Coverage['pairs'])[]) all.pairs[k] += c.pairs[k];
    for (const f of FIELD_NAMES) for (const v of c.fields[f]) all.fields[f].add(v);
  }
  return all;
}

/** A field's values in a line: all of them if few, else the count, the lowest and the highest. */
export function describeValues(values: ReadonlySet<number>, head = 8, tail = 4): string {
  const v = [...values].sort((a, b) => a - b);
  if (v.length <= head + tail) return v.join(' ');
  return `${v.length} values: ${v.slice(0, head).join(' ')} … ${v.slice(-tail).join(' ')}`;
}

export function coverageJson(c: Coverage, max = 64) {
  return {
    states: c.states,
    probes: c.probes,
    oracle: c.oracle,
    translated: c.translated,
    pairs: { ...c.pairs },
    fields: Object.fromEntries(
      FIELD_NAMES.map((f) => {
        const v = [...c.fields[f]].sort((a, b) => a - b);
        return [f, { count: v.length, min: v[0] ?? null, max: v[v.length - 1] ?? null, values: v.length <= max ? v : [...v.slice(0, max / 2), ...v.slice(-max / 2)] }];
      }),
    ),
  };
}

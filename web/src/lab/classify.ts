/**
 * The checker's report as the Classify tab shows it: the class table, every
 * verdict the report carries (Theorems 1–3 and whatever else it decides,
 * shown generically), and each witness as two columns side by side with
 * the differing rows marked.
 */
import { disassembleWord } from '../../../src/asm/index.js';
import { classifyIsa, type Classification, type Report, type Witness } from '../../../src/checker/classify.js';
import type { AssistWitness, StepOutcome } from '../../../src/checker/assist.js';
import type { Outcome, State } from '../../../src/checker/probe.js';
import { classOf } from '../../../src/checker/report.js';
import { operandRegisters } from '../../../src/checker/coverage.js';
import { instructionOf as wordOf, wordAt } from '../../../src/checker/probe.js';
import { causeName, resolveIsa, type Spec } from '../../../src/isa/table.js';
import type { ClassifyView, ClassRow, VerdictView, WitnessView } from '../protocol.js';

export const COLUMNS = ['privileged', 'control', 'location', 'mode', 'user-sensitive', 'supervisor-sensitive', 'reveals time'] as const;

const classes = (c: Classification): boolean[] => [c.privileged, c.controlSensitive, c.locationSensitive, c.modeSensitive, c.userSensitive, c.supervisorSensitive, c.revealsTime];

export function classifyView(isaName: string): ClassifyView | { error: string } {
  const isa = resolveIsa(isaName);
  if ('error' in isa) return { error: isa.error };
  const t0 = performance.now();
  const report = classifyIsa(isa);
  const ms = performance.now() - t0;
  return {
    isa: report.isa,
    columns: COLUMNS,
    rows: report.instructions.map(row),
    verdicts: verdicts(report),
    admissions: report.monitors.map((m) => ({ monitor: m.monitor, admits: m.admits, why: m.why })),
    extraWitnesses: report.hardwareAssist.instructions.flatMap((i) => (i.witness ? [{ mnemonic: i.mnemonic, witness: assistWitnessView(i.witness) }] : [])),
    disagreements: report.disagreements.map((d) => `${d.mnemonic}: declared ${d.property}${d.property === 'privileged' ? '' : '-sensitive'} = ${d.declared}, but execution shows ${d.derived}`),
    ms,
  };
}

function row(c: Classification): ClassRow {
  return {
    mnemonic: c.mnemonic,
    group: c.spec.group,
    extension: c.spec.extension ?? null,
    description: c.spec.description,
    classes: classes(c),
    verdict: classOf(c),
    innocuous: c.innocuous,
    witnesses: c.witnesses.map((w) => witnessView(c.spec, w)),
  };
}

interface VerdictLike {
  readonly holds: boolean;
  readonly statement: string;
  readonly violators?: readonly string[];
  /** per instruction: runs tried, how many behaved identically, exits by name (hardware assist) */
  readonly instructions?: readonly { readonly mnemonic: string; readonly tried?: number; readonly identical?: number; readonly exits?: Readonly<Record<string, number>> }[];
  readonly isa?: string;
}

/** A line on how a verdict that counts runs was reached. */
function detailOf(v: VerdictLike): string | undefined {
  const is = v.instructions;
  if (!is?.length || is[0]!.tried === undefined) return undefined;
  const runs = is.reduce((n, i) => n + (i.tried ?? 0), 0);
  const same = is.reduce((n, i) => n + (i.identical ?? 0), 0);
  const exits = new Map<string, number>();
  for (const i of is) for (const [e, n] of Object.entries(i.exits ?? {})) exits.set(e, (exits.get(e) ?? 0) + n);
  return `${runs.toLocaleString('en-US')} runs${v.isa ? ` on ${v.isa}` : ''}: ${same.toLocaleString('en-US')} identical to the bare machine; exits ${[...exits].map(([e, n]) => `${e} ${n}`).join(', ') || 'none'}`;
}

const isVerdict = (v: unknown): v is VerdictLike =>
  typeof v === 'object' && v !== null && typeof (v as VerdictLike).holds === 'boolean' && typeof (v as VerdictLike).statement === 'string';

/**
 * Every verdict in the report: its theorems by number, and any other field
 * shaped like a verdict (holds + statement), so a verdict the checker adds
 * later (hardware assist) appears without a change here.
 */
export function verdicts(report: Report): VerdictView[] {
  const out: VerdictView[] = [];
  const add = (name: string, v: VerdictLike) => {
    const detail = detailOf(v);
    out.push({ name, statement: v.statement, holds: v.holds, violators: [...(v.violators ?? [])], ...(detail ? { detail } : {}) });
  };
  for (const [k, v] of Object.entries(report.theorems)) if (isVerdict(v)) add(/^\d+$/.test(k) ? `Theorem ${k}` : title(k), v);
  for (const [k, v] of Object.entries(report)) {
    if (k === 'theorems') continue;
    if (isVerdict(v)) add(title(k), v);
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) if (isVerdict(v2)) add(title(`${k} ${k2}`), v2);
    }
  }
  return out;
}

/** hardwareAssist → hardware assist */
const title = (k: string) => k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ').toLowerCase().replace(/^./, (c) => c.toUpperCase());

type Fields = Map<string, string>;

function stateFields(spec: Spec, st: State): Fields {
  const f: Fields = new Map([
    ['instruction', disassembleWord(wordOf(st), st.pc)],
    ['mode', st.s ? 'supervisor' : 'user'],
    ['pc', String(st.pc)],
    ['base', String(st.base)],
    ['bound', String(st.bound)],
    ['IE', String(+st.ie)],
    ['TIMER', String(st.timer)],
    ['pending', st.pending ? 'yes' : 'no'],
  ]);
  for (const r of operandRegisters(spec, wordOf(st))) f.set(`r${r}`, String(st.regs[r]));
  if (st.input.length) f.set('console input', JSON.stringify(String.fromCharCode(...st.input)));
  return f;
}

/** What the state is after the instruction: the same rows as the state, so a before/after diff lines up. */
function afterFields(spec: Spec, st: State, o: Outcome): Fields {
  if (o.trap) return new Map([['result', `traps ${causeName(o.trap)} (and changes nothing)`]]);
  const c = o.control;
  const f: Fields = new Map([
    ['result', 'completes'],
    ['mode', c.s ? 'supervisor' : 'user'],
    ['pc', String(o.pc)],
    ['base', String(c.base)],
    ['bound', String(c.bound)],
    ['IE', String(+c.ie)],
    ['TIMER', String(c.timer)],
    ['pending', c.pending ? 'yes' : 'no'],
  ]);
  const regs = new Set(operandRegisters(spec, wordOf(st)));
  for (let r = 1; r < 16; r++) if (o.regs[r] !== st.regs[r]) regs.add(r);
  for (const r of [...regs].sort((a, b) => a - b)) f.set(`r${r}`, String(o.regs[r]));
  if (c.halted) f.set('running', 'halted');
  if (c.output) f.set('console output', JSON.stringify(c.output));
  if (c.inPos) f.set('input read', `${c.inPos} byte${c.inPos === 1 ? '' : 's'}`);
  for (const w of o.window) f.set(`E[${w.at}]`, `${w.after} (was ${wordAt(st, st.base + w.at)})`);
  for (const w of o.outside) f.set(`storage[${w.at}] (outside the window)`, `${w.after} (was ${w.before})`);
  return f;
}

function rows(a: Fields, b: Fields): WitnessView['sections'][number]['rows'] {
  const names = [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))];
  return names.map((name) => {
    const x = a.get(name);
    const y = b.get(name);
    // A row one side does not have (the input before, the result after) is shown, not marked.
    return { name, values: [x ?? '—', y ?? '—'] as const, differs: x !== undefined && y !== undefined && x !== y };
  });
}

const modeTitle = (st: State) => (st.s ? 'supervisor mode' : 'user mode');

export function witnessView(spec: Spec, w: Witness): WitnessView {
  const [s1, s2] = w.states;
  const [o1, o2] = w.outcomes;
  if (s1 && o1 && s2 && o2) {
    // Two states: what differs between them, and what differs in their outcomes.
    const headers: [string, string] =
      s1.s !== s2.s ? [`state 1: ${modeTitle(s1)}`, `state 2: ${modeTitle(s2)}`]
      : s1.base !== s2.base ? [`state 1: base ${s1.base}`, `state 2: base ${s2.base}`]
      : s1.timer !== s2.timer ? [`state 1: TIMER ${s1.timer}`, `state 2: TIMER ${s2.timer}`]
      : ['state 1', 'state 2'];
    return {
      property: w.property,
      mode: w.mode,
      claim: w.claim,
      headers,
      sections: [
        { title: 'before', rows: rows(stateFields(spec, s1), stateFields(spec, s2)) },
        { title: 'after', rows: rows(afterFields(spec, s1, o1), afterFields(spec, s2, o2)) },
      ],
    };
  }
  // One state: before and after the instruction.
  const st = s1!;
  const o = o1!;
  const before = stateFields(spec, st);
  const after = afterFields(spec, st, o);
  after.set('instruction', before.get('instruction')!);
  return {
    property: w.property,
    mode: w.mode,
    claim: w.claim,
    headers: [`before (${modeTitle(st)})`, 'after'],
    sections: [{ title: 'the state', rows: rows(before, after) }],
  };
}

/** What a step left behind, bare or in guest mode, as rows. */
function stepFields(st: State, o: StepOutcome): Fields {
  const f: Fields = new Map([
    ['exit', o.exit ? String(o.exit) : 'none'],
    ['mode', o.flags & 1 ? 'supervisor' : 'user'],
    ['IE', String((o.flags >> 1) & 1)],
    ['pc', String(o.pc)],
    ['base', String(o.base)],
    ['bound', String(o.bound)],
    ['TIMER', String(o.timer)],
    ['pending', o.pending ? 'yes' : 'no'],
    ['running', o.halted ? 'halted' : o.checkStop ? 'check-stop' : 'yes'],
  ]);
  for (let r = 1; r < 16; r++) if (o.regs[r] !== st.regs[r]) f.set(`r${r}`, String(o.regs[r]));
  if (o.output) f.set('console output', JSON.stringify(o.output));
  if (o.inPos) f.set('input read', `${o.inPos} bytes`);
  return f;
}

/** A hardware-assist witness: one state, run bare and in guest mode, side by side. */
export function assistWitnessView(w: AssistWitness): WitnessView {
  const bare = stepFields(w.state, w.bare);
  const guest = stepFields(w.state, w.guest);
  for (let k = 0; k < Math.min(w.bare.mem.length, w.guest.mem.length); k++) {
    if (w.bare.mem[k] !== w.guest.mem[k]) {
      bare.set(`E[${k}]`, String(w.bare.mem[k]));
      guest.set(`E[${k}]`, String(w.guest.mem[k]));
    }
  }
  return {
    property: 'hardwareAssist',
    mode: w.state.s ? 'supervisor' : 'user',
    claim: w.claim,
    headers: ['bare machine', 'guest mode (vt)'],
    sections: [
      { title: `the state: ${disassembleWord(wordOf(w.state), w.state.pc)} in ${modeTitle(w.state)}, pc ${w.state.pc}, base ${w.state.base}, bound ${w.state.bound}`, rows: [] },
      { title: 'after one step', rows: rows(bare, guest) },
    ],
  };
}

/**
 * The checker's findings, printed: a terminal table, Markdown, or JSON, each
 * with the witnesses that prove them and what was tried.
 */
import { disassembleWord } from '../asm/disassemble.js';
import { causeName, type Spec } from '../isa/table.js';
import type { Classification, Disagreement, Discrepancy, Report, Witness } from './classify.js';
import { coverageJson, describeValues, FIELD_NAMES, mergeCoverage, operandRegisters } from './coverage.js';
import { formatAssist } from './assist.js';
import { controlDiff, instructionOf, type Outcome, type State } from './probe.js';

const bytes = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
const words = (n: number) => (n >= 2 ** 20 && Number.isInteger(Math.log2(n)) ? `2^${Math.log2(n)}` : String(n));

export function describeState(spec: Spec, st: State): string {
  const w = instructionOf(st);
  const regs = operandRegisters(spec, w)
    .filter((r) => r !== 0)
    .map((r) => `r${r}=${st.regs[r]}`)
    .join(' ');
  const input = st.input.length ? ` input=[${bytes(st.input)}]` : '';
  return `${st.s ? 'S' : 'U'} pc=${st.pc} base=${st.base} bound=${st.bound} IE=${+st.ie} TIMER=${st.timer}${st.pending ? ' pending' : ''} ${regs}${input} (storage ${words(st.memWords)} words)  [${disassembleWord(w, st.pc)}]`.replace(/ +/g, ' ');
}

export function describeOutcome(st: State, o: Outcome): string {
  if (o.trap) return `traps ${causeName(o.trap)}`;
  const parts: string[] = [];
  for (let r = 1; r < 16; r++) if (o.regs[r] !== st.regs[r]) parts.push(`r${r}=${o.regs[r]}`);
  parts.push(`pc=${o.pc}`);
  for (const c of o.window) parts.push(`E[${c.at}]=${c.after}`);
  for (const c of o.outside) parts.push(`physical E[${c.at}]=${c.after} (outside the window)`);
  const ctl = controlDiff(
    { s: st.s, ie: st.ie, otherFlags: 0, base: st.base, bound: st.bound, timer: st.timer, pending: st.pending, halted: false, inPos: 0, output: new Uint8Array(0) },
    o.control,
  );
  return `completes: ${[...parts, ...ctl].join(', ')}`;
}

export function describeWitness(spec: Spec, w: Witness): string[] {
  const lines = [`${w.property}: ${w.claim}`];
  w.states.forEach((st, i) => {
    lines.push(`    state ${i + 1}: ${describeState(spec, st)}`);
    lines.push(`      → ${describeOutcome(st, w.outcomes[i]!)}`);
  });
  return lines;
}

const yes = (b: boolean) => (b ? 'yes' : '·');

/** The one line that says what a verdict is about. */
export function scopeLine(report: Report): string {
  const n = report.instructions.map((c) => c.statesTried);
  const per = Math.min(...n) === Math.max(...n) ? `${n[0]}` : `${Math.min(...n)}–${Math.max(...n)}`;
  return `Each verdict is about the states tried — ${per} per instruction, each in both modes, plus the pairs built from them — not about every state: "innocuous" means no state tried showed a sensitivity.`;
}

/** What was tried: one line per field, over all instructions. */
export function coverageLines(report: Report): string[] {
  const all = mergeCoverage(report.instructions.map((c) => c.coverage));
  const out = [`States tried: ${all.states} (${all.probes} steps run, ${all.oracle} on the oracle${all.translated ? `, ${all.translated} through the CPU's translated code` : ''}; pairs compared: ${all.pairs.mode} mode, ${all.pairs.location} location (base shifted), ${all.pairs.outside} location (storage outside the window changed), ${all.pairs.time} timer). Values each field took:`];
  for (const f of FIELD_NAMES) {
    const v = all.fields[f];
    out.push(`  ${f.padEnd(10)} ${f === 'storage' ? [...v].sort((a, b) => a - b).map((x) => `${words(x)} words`).join(', ') : f === 'input' ? [...v].sort().map((x) => `${x} bytes`).join(', ') : describeValues(v)}`);
  }
  out.push(`  ${'constants'.padEnd(10)} ${report.constants.length} from the semantics' code, each tried in every field: ${describeValues(new Set(report.constants))}`);
  return out;
}

export function formatText(report: Report, opts: { witnesses?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`Popek–Goldberg classification of ${report.isa}, derived by executing every instruction on ${report.target}`);
  out.push('');
  const head = ['instruction', 'privileged', 'control', 'location', 'mode', 'user-sens', 'super-sens', 'states', 'class'];
  const rows = report.instructions.map((c) => [c.mnemonic, yes(c.privileged), yes(c.controlSensitive), yes(c.locationSensitive), yes(c.modeSensitive), yes(c.userSensitive), yes(c.supervisorSensitive), String(c.statesTried), classOf(c)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  out.push(line(head));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out.push(line(r));
  out.push('');
  for (const [n, t] of Object.entries(report.theorems)) {
    out.push(`Theorem ${n} (${t.statement}): ${t.holds ? 'HOLDS' : 'FAILS'}${t.violators.length ? ` — violated by ${t.violators.join(', ')}` : ''}`);
  }
  out.push(scopeLine(report));
  out.push(...formatAssist(report.hardwareAssist, report.monitors));
  out.push('');
  out.push(...coverageLines(report));
  const sensitive = report.instructions.filter((c) => !c.innocuous || c.revealsTime);
  out.push('');
  out.push(opts.witnesses ? 'Witnesses:' : 'Witnesses for the sensitive instructions (--witnesses shows all):');
  for (const c of opts.witnesses ? report.instructions : sensitive) {
    out.push(`  ${c.mnemonic}:`);
    for (const w of c.witnesses) for (const l of describeWitness(c.spec, w)) out.push('    ' + l);
  }
  out.push('');
  out.push(formatDisagreements(report.disagreements));
  if (report.oracle || report.translated) out.push(formatDiscrepancies(report));
  return out.join('\n') + '\n';
}

export function classOf(c: Classification): string {
  if (c.innocuous) return c.revealsTime ? 'innocuous, reveals TIMER' : 'innocuous';
  const s = [c.controlSensitive && 'control', c.locationSensitive && 'location', c.modeSensitive && 'mode'].filter(Boolean).join('+');
  return `${s}-sensitive${c.privileged ? ', privileged' : ', NOT privileged'}`;
}

export function formatDisagreements(ds: readonly Disagreement[]): string {
  if (ds.length === 0) return 'The classes declared in isa/ agree with the derived ones.';
  const out = [`${ds.length} declared class${ds.length === 1 ? '' : 'es'} in isa/ disagree with execution:`];
  for (const d of ds) {
    out.push(`  error: ${d.mnemonic}: declared ${d.property}${d.property === 'privileged' ? '' : '-sensitive'} = ${d.declared}, but execution shows ${d.derived}`);
    if (d.witness) for (const l of describeWitness(d.spec, d.witness)) out.push('    ' + l);
    else out.push(`    (no state among those tried shows it; a ${d.property === 'privileged' ? 'privileged' : 'sensitive'} instruction would have shown it)`);
  }
  return out.join('\n');
}

export function formatDiscrepancies(report: Report): string {
  const ds = report.discrepancies;
  const not = report.uncompared.length ? ` (${report.uncompared.join(', ')}: not compared, the oracle does not model ${report.uncompared.length === 1 ? 'it' : 'them'} yet)` : '';
  // interpreted and translated, against the oracle; with no oracle, translated against interpreted
  const who = report.oracle
    ? `${cap(report.target)}${report.translated ? ` (interpreted, and ${report.translated})` : ''} and ${report.oracle}`
    : `${cap(report.translated!)} and ${report.target} (interpreted)`;
  if (ds.length === 0) return `${who} agree in every state tried${not}.`;
  const out = [`${who} disagree on ${ds.length} instruction${ds.length === 1 ? '' : 's'}${not}:`];
  for (const d of ds) out.push(...describeDiscrepancy(d).map((l) => '  ' + l));
  return out.join('\n');
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function describeDiscrepancy(d: Discrepancy): string[] {
  return [
    `error: ${d.mnemonic}: ${d.differences.join('; ')}`,
    `    state: ${describeState(d.spec, d.state)}`,
    `      ${d.machine} → ${describeOutcome(d.state, d.outcomes[0])}`,
    `      ${d.against} → ${describeOutcome(d.state, d.outcomes[1])}`,
  ];
}

function stateJson(spec: Spec, st: State, o: Outcome) {
  const w = instructionOf(st);
  return {
    mode: st.s ? 'supervisor' : 'user',
    instruction: disassembleWord(w, st.pc),
    word: w >>> 0,
    pc: st.pc,
    base: st.base,
    bound: st.bound,
    ie: st.ie,
    timer: st.timer,
    pending: st.pending,
    storageWords: st.memWords,
    registers: Object.fromEntries(operandRegisters(spec, w).map((r) => [`r${r}`, st.regs[r]])),
    input: [...st.input],
    outcome: describeOutcome(st, o),
  };
}

function witnessJson(spec: Spec, w: Witness) {
  return { property: w.property, claim: w.claim, states: w.states.map((st, i) => stateJson(spec, st, w.outcomes[i]!)) };
}

export function formatJson(report: Report): string {
  return (
    JSON.stringify(
      {
        isa: report.isa,
        target: report.target,
        oracle: report.oracle ?? null,
        translated: report.translated ?? null,
        scope: scopeLine(report),
        instructions: report.instructions.map((c) => ({
          mnemonic: c.mnemonic,
          privileged: c.privileged,
          controlSensitive: c.controlSensitive,
          locationSensitive: c.locationSensitive,
          modeSensitive: c.modeSensitive,
          userSensitive: c.userSensitive,
          supervisorSensitive: c.supervisorSensitive,
          innocuous: c.innocuous,
          revealsTime: c.revealsTime,
          statesTried: c.statesTried,
          modePairs: c.modePairs,
          coverage: coverageJson(c.coverage),
          witnesses: c.witnesses.map((w) => witnessJson(c.spec, w)),
        })),
        theorems: Object.fromEntries(Object.entries(report.theorems).map(([k, t]) => [k, { holds: t.holds, violators: t.violators, statement: t.statement }])),
        hardwareAssist: {
          isa: report.hardwareAssist.isa,
          holds: report.hardwareAssist.holds,
          statement: report.hardwareAssist.statement,
          violators: report.hardwareAssist.violators,
          instructions: report.hardwareAssist.instructions.map((i) => ({
            mnemonic: i.mnemonic,
            tried: i.tried,
            identical: i.identical,
            exits: i.exits,
            ...(i.witness ? { witness: { claim: i.witness.claim, state: { mode: i.witness.state.s ? 'supervisor' : 'user', pc: i.witness.state.pc, base: i.witness.state.base, bound: i.witness.state.bound, instruction: disassembleWord(instructionOf(i.witness.state), i.witness.state.pc) } } } : {}),
          })),
        },
        monitors: report.monitors,
        constants: report.constants,
        disagreements: report.disagreements.map((d) => ({ mnemonic: d.mnemonic, property: d.property, declared: d.declared, derived: d.derived })),
        uncompared: report.uncompared,
        discrepancies: report.discrepancies.map((d) => ({ mnemonic: d.mnemonic, machine: d.machine, differences: d.differences, state: stateJson(d.spec, d.state, d.outcomes[0]), oracle: describeOutcome(d.state, d.outcomes[1]) })),
      },
      null,
      2,
    ) + '\n'
  );
}

export function formatMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`# Popek–Goldberg classification of \`${report.isa}\``);
  out.push('');
  out.push(`Derived by executing every instruction on ${report.target} in generated states (see \`trapeze classify --help\`).`);
  out.push('');
  out.push('| instruction | privileged | control | location | mode | user-sensitive | supervisor-sensitive | states | class |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const c of report.instructions) {
    out.push(`| \`${c.mnemonic}\` | ${yes(c.privileged)} | ${yes(c.controlSensitive)} | ${yes(c.locationSensitive)} | ${yes(c.modeSensitive)} | ${yes(c.userSensitive)} | ${yes(c.supervisorSensitive)} | ${c.statesTried} | ${classOf(c)} |`);
  }
  out.push('');
  out.push('| theorem | statement | verdict | violators |');
  out.push('|---|---|---|---|');
  for (const [n, t] of Object.entries(report.theorems)) out.push(`| ${n} | ${t.statement} | ${t.holds ? 'holds' : 'fails'} | ${t.violators.join(', ') || '—'} |`);
  const hw = report.hardwareAssist;
  out.push(`| hw | ${hw.statement} (on \`${hw.isa}\`) | ${hw.holds ? 'holds' : 'fails'} | ${hw.violators.join(', ') || '—'} |`);
  out.push('');
  out.push('| monitor | runs these guests unmodified | why |');
  out.push('|---|---|---|');
  for (const a of report.monitors) out.push(`| ${a.monitor} | ${a.admits ? 'yes' : 'no'} | ${a.why} |`);
  out.push('');
  out.push(scopeLine(report));
  out.push('');
  out.push('```');
  out.push(...coverageLines(report));
  out.push('```');
  out.push('');
  out.push('## Witnesses');
  for (const c of report.instructions.filter((x) => !x.innocuous || x.revealsTime)) {
    out.push('');
    out.push(`### \`${c.mnemonic}\``);
    out.push('```');
    for (const w of c.witnesses) out.push(...describeWitness(c.spec, w));
    out.push('```');
  }
  out.push('');
  out.push(formatDisagreements(report.disagreements));
  if (report.oracle || report.translated) {
    out.push('');
    out.push(formatDiscrepancies(report));
  }
  return out.join('\n') + '\n';
}

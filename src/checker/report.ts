/**
 * The checker's findings, printed: a terminal table, Markdown, or JSON, each
 * with the witnesses that prove them.
 */
import { disassembleWord } from '../asm/disassemble.js';
import { causeName, FORMATS, getField, type Spec } from '../isa/table.js';
import type { Classification, Disagreement, Report, Witness } from './classify.js';
import { controlDiff, type Outcome, type State } from './probe.js';
import { formatAssist } from './assist.js';

/** Registers the instruction names in its operands. */
function operandRegisters(spec: Spec, word: number): number[] {
  const rs = new Set<number>();
  for (const o of FORMATS[spec.format]) {
    if (o.kind === 'reg') rs.add(getField(word, o.field));
    if (o.kind === 'mem' && o.baseField) rs.add(getField(word, o.baseField));
  }
  return [...rs].filter((r) => r !== 0).sort((a, b) => a - b);
}

export function wordOf(st: State): number {
  return st.mem[st.base + st.pc]!;
}

export function describeState(spec: Spec, st: State): string {
  const w = wordOf(st);
  const regs = operandRegisters(spec, w)
    .map((r) => `r${r}=${st.regs[r]}`)
    .join(' ');
  const dev = st.input.length ? ` input=${JSON.stringify(Buffer.from(st.input).toString('latin1'))}` : '';
  return `${st.s ? 'S' : 'U'} pc=${st.pc} base=${st.base} bound=${st.bound} IE=${+st.ie} TIMER=${st.timer}${st.pending ? ' pending' : ''} ${regs}${dev}  [${disassembleWord(w, st.pc)}]`.replace(/ +/g, ' ');
}

export function describeOutcome(spec: Spec, st: State, o: Outcome): string {
  if (o.trap) return `traps ${causeName(o.trap)}`;
  const parts: string[] = [];
  for (let r = 1; r < 16; r++) if (o.regs[r] !== st.regs[r]) parts.push(`r${r}=${o.regs[r]}`);
  parts.push(`pc=${o.pc}`);
  for (let k = 0; k < st.bound; k++) {
    const a = st.base + k;
    if (o.mem[a] !== st.mem[a]) parts.push(`E[${k}]=${o.mem[a]}`);
  }
  const ctl = controlDiff(
    { s: st.s, ie: st.ie, base: st.base, bound: st.bound, timer: st.timer, pending: st.pending, halted: false, inPos: 0, output: '' },
    o.control,
  );
  return `completes: ${[...parts, ...ctl].join(', ')}`;
}

export function describeWitness(spec: Spec, w: Witness): string[] {
  const lines = [`${w.property}: ${w.claim}`];
  w.states.forEach((st, i) => {
    lines.push(`    state ${i + 1}: ${describeState(spec, st)}`);
    lines.push(`      → ${describeOutcome(spec, st, w.outcomes[i]!)}`);
  });
  return lines;
}

const yes = (b: boolean) => (b ? 'yes' : '·');

export function formatText(report: Report, opts: { witnesses?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`Popek–Goldberg classification of ${report.isa}, derived by executing every instruction`);
  out.push('');
  const head = ['instruction', 'privileged', 'control', 'location', 'mode', 'user-sens', 'super-sens', 'class'];
  const rows = report.instructions.map((c) => [c.mnemonic, yes(c.privileged), yes(c.controlSensitive), yes(c.locationSensitive), yes(c.modeSensitive), yes(c.userSensitive), yes(c.supervisorSensitive), classOf(c)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  out.push(line(head));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out.push(line(r));
  out.push('');
  for (const [n, t] of Object.entries(report.theorems)) {
    out.push(`Theorem ${n} (${t.statement}): ${t.holds ? 'HOLDS' : 'FAILS'}${t.violators.length ? ` — violated by ${t.violators.join(', ')}` : ''}`);
  }
  out.push(...formatAssist(report.hardwareAssist, report.monitors));
  const sensitive = report.instructions.filter((c) => !c.innocuous);
  out.push('');
  out.push(opts.witnesses ? 'Witnesses:' : 'Witnesses for the sensitive instructions (--witnesses shows all):');
  for (const c of opts.witnesses ? report.instructions : sensitive) {
    out.push(`  ${c.mnemonic}:`);
    for (const w of c.witnesses) for (const l of describeWitness(c.spec, w)) out.push('    ' + l);
  }
  out.push('');
  out.push(formatDisagreements(report.disagreements));
  return out.join('\n') + '\n';
}

export function classOf(c: Classification): string {
  if (c.innocuous) return 'innocuous';
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

function witnessJson(spec: Spec, w: Witness) {
  return {
    property: w.property,
    claim: w.claim,
    states: w.states.map((st, i) => ({
      mode: st.s ? 'supervisor' : 'user',
      instruction: disassembleWord(wordOf(st), st.pc),
      word: wordOf(st) >>> 0,
      pc: st.pc,
      base: st.base,
      bound: st.bound,
      ie: st.ie,
      timer: st.timer,
      pending: st.pending,
      registers: Object.fromEntries(operandRegisters(spec, wordOf(st)).map((r) => [`r${r}`, st.regs[r]])),
      outcome: describeOutcome(spec, st, w.outcomes[i]!),
    })),
  };
}

export function formatJson(report: Report): string {
  return (
    JSON.stringify(
      {
        isa: report.isa,
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
            ...(i.witness ? { witness: { claim: i.witness.claim, state: { mode: i.witness.state.s ? 'supervisor' : 'user', pc: i.witness.state.pc, base: i.witness.state.base, bound: i.witness.state.bound, instruction: disassembleWord(wordOf(i.witness.state), i.witness.state.pc) } } } : {}),
          })),
        },
        monitors: report.monitors,
        disagreements: report.disagreements.map((d) => ({ mnemonic: d.mnemonic, property: d.property, declared: d.declared, derived: d.derived })),
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
  out.push('Derived by executing every instruction in generated states (see `trapeze classify --help`).');
  out.push('');
  out.push('| instruction | privileged | control | location | mode | user-sensitive | supervisor-sensitive | class |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const c of report.instructions) {
    out.push(`| \`${c.mnemonic}\` | ${yes(c.privileged)} | ${yes(c.controlSensitive)} | ${yes(c.locationSensitive)} | ${yes(c.modeSensitive)} | ${yes(c.userSensitive)} | ${yes(c.supervisorSensitive)} | ${classOf(c)} |`);
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
  out.push('## Witnesses');
  for (const c of report.instructions.filter((x) => !x.innocuous)) {
    out.push('');
    out.push(`### \`${c.mnemonic}\``);
    out.push('```');
    for (const w of c.witnesses) out.push(...describeWitness(c.spec, w));
    out.push('```');
  }
  out.push('');
  out.push(formatDisagreements(report.disagreements));
  return out.join('\n') + '\n';
}

/**
 * Classify: choose an ISA (a named variant or any composition), let the
 * checker derive every instruction's class by executing it, and read the
 * verdicts. A ✓ is a button: it opens the witness that proves it.
 */
import { EXTENSIONS, resolveIsa } from '../../../src/isa/table.js';
import type { ClassifyView, ClassRow, FromLab, ToLab, WitnessView } from '../protocol.js';
import { byId, h } from './dom.js';
import type { Port } from './workers.js';

/** which witnesses prove each column of the class table */
const PROVES: readonly ((w: WitnessView) => boolean)[] = [
  (w) => w.property === 'privileged' || w.property === 'notPrivileged',
  (w) => w.property === 'controlSensitive',
  (w) => w.property === 'locationSensitive',
  (w) => w.property === 'modeSensitive',
  (w) => (w.property === 'controlSensitive' || w.property === 'locationSensitive') && w.mode === 'user',
  (w) => (w.property === 'controlSensitive' || w.property === 'locationSensitive') && w.mode === 'supervisor',
  (w) => w.property === 'revealsTime',
];

export class ClassifyPanel {
  private report: ClassifyView | null = null;
  private started = 0;

  constructor(
    private readonly lab: Port<ToLab>,
    private readonly setStatus: (state: string, message: string) => void,
  ) {
    const field = byId<HTMLInputElement>('classify-isa');
    const exts = byId('classify-exts');
    for (const e of EXTENSIONS) {
      const box = h('input', { type: 'checkbox', value: e, id: `ext-${e}` });
      box.addEventListener('change', () => {
        const parts = field.value.trim().split('+').filter(Boolean);
        const head = parts[0] ?? 'pg32';
        const rest = new Set(parts.slice(1));
        if (box.checked) rest.add(e);
        else rest.delete(e);
        field.value = [head, ...rest].join('+');
      });
      exts.append(h('label', { class: 'ext', title: `compose: add ${e}` }, box, `+${e}`));
    }
    field.addEventListener('input', () => this.syncBoxes());
    this.syncBoxes();
    byId<HTMLFormElement>('classify-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.classify();
    });
    byId('classify-stop').addEventListener('click', () => lab.stop({ kind: 'stop' }));
  }

  private syncBoxes(): void {
    const parts = byId<HTMLInputElement>('classify-isa').value.trim().toLowerCase().split('+').slice(1);
    for (const e of EXTENSIONS) byId<HTMLInputElement>(`ext-${e}`).checked = parts.includes(e);
  }

  classify(): void {
    const field = byId<HTMLInputElement>('classify-isa');
    const name = field.value.trim();
    const r = resolveIsa(name);
    if ('error' in r) {
      field.setAttribute('aria-invalid', 'true');
      byId('classify-status').textContent = r.error;
      return;
    }
    field.removeAttribute('aria-invalid');
    this.started = performance.now();
    byId('classify-status').textContent = `classifying ${r.name}: ${r.instructions.length} instructions, each executed in 600 states…`;
    this.setStatus('running', `classifying ${r.name}…`);
    this.lab.send({ kind: 'classify', isa: name });
  }

  onMessage(m: FromLab): void {
    if (m.kind === 'classified') {
      this.report = m.report;
      byId('classify-status').textContent = `${m.report.isa}: ${m.report.rows.length} instructions classified in ${(m.report.ms / 1000).toFixed(1)} s`;
      this.setStatus('done', `classified ${m.report.isa}`);
      this.render(m.report);
    } else if (m.kind === 'error') {
      byId('classify-status').textContent = m.message;
      this.setStatus('error', m.message);
    } else if (m.kind === 'stopped' && byId('classify-status').textContent?.startsWith('classifying')) {
      byId('classify-status').textContent = 'stopped';
    }
  }

  private render(r: ClassifyView): void {
    byId('verdicts').replaceChildren(
      ...r.verdicts.map((v) =>
        h('div', { class: `verdict ${v.holds ? 'holds' : 'fails'}` },
          h('div', { class: 'vhead' }, h('strong', {}, v.name), h('span', { class: 'badge' }, v.holds ? '✓ holds' : '✗ fails')),
          h('div', { class: 'statement' }, v.statement),
          v.violators.length
            ? h('div', { class: 'violators' }, 'violated by ', ...v.violators.map((m) => h('button', { class: 'chip', onclick: () => this.showRow(m), title: `the witnesses for ${m}` }, m)))
            : h('div', { class: 'violators muted' }, 'no violators'),
          v.detail ? h('div', { class: 'detail muted' }, v.detail) : null,
        ),
      ),
      ...(r.admissions.length
        ? [h('div', { class: 'verdict admissions' },
            h('strong', {}, 'Monitors that run these guests unmodified'),
            h('ul', {}, ...r.admissions.map((a) => h('li', { class: a.admits ? 'ok' : 'bad' }, h('span', { class: 'mark', 'aria-hidden': 'true' }, a.admits ? '✓ ' : '✗ '), h('strong', {}, a.monitor), h('span', { class: 'sr-only' }, a.admits ? ' admitted' : ' not admitted'), `: ${a.why}`))))]
        : []),
      ...(r.disagreements.length ? [h('div', { class: 'verdict fails' }, h('strong', {}, 'Declared classes contradicted'), ...r.disagreements.map((d) => h('div', {}, d)))] : []),
    );
    const head = h('tr', {}, h('th', { scope: 'col' }, 'instruction'), ...r.columns.map((c) => h('th', { scope: 'col' }, c)), h('th', { scope: 'col' }, 'class'));
    const rows = r.rows.map((row) =>
      h('tr', { class: row.innocuous ? 'innocuous' : 'sensitive', 'data-mnemonic': row.mnemonic },
        h('th', { scope: 'row' }, h('button', { class: 'link mnemonic', onclick: () => this.showRow(row.mnemonic), title: `${row.description} (${row.group}${row.extension ? `, +${row.extension}` : ''})` }, row.mnemonic)),
        ...row.classes.map((yes, i) => {
          const ws = row.witnesses.filter(PROVES[i]!);
          if (!yes) return h('td', { class: 'no', 'aria-label': 'no' }, '·');
          return h('td', { class: 'yes' }, ws.length ? h('button', { class: 'finding', onclick: () => this.showWitnesses(row, ws), 'aria-label': `${row.mnemonic}: ${r.columns[i]}: show the witness` }, '✓') : '✓');
        }),
        h('td', { class: row.innocuous ? 'muted' : row.verdict.includes('NOT') ? 'bad' : '' }, row.verdict),
      ),
    );
    byId('class-table').replaceChildren(h('thead', {}, head), h('tbody', {}, ...rows));
  }

  private showRow(mnemonic: string): void {
    const r = this.report;
    if (!r) return;
    const extra = r.extraWitnesses.filter((x) => x.mnemonic === mnemonic).map((x) => x.witness);
    const row = r.rows.find((x) => x.mnemonic === mnemonic) ?? { mnemonic, group: '', extension: null, description: 'checked with the vt extension added', classes: [], verdict: 'hardware assist', innocuous: false, witnesses: [] };
    this.showWitnesses(row, [...row.witnesses, ...extra]);
    document.querySelector(`#class-table tr[data-mnemonic="${mnemonic}"]`)?.scrollIntoView({ block: 'nearest' });
  }

  private showWitnesses(row: ClassRow, ws: readonly WitnessView[]): void {
    for (const tr of document.querySelectorAll('#class-table tr.selected')) tr.classList.remove('selected');
    document.querySelector(`#class-table tr[data-mnemonic="${row.mnemonic}"]`)?.classList.add('selected');
    const aside = byId('witness');
    aside.replaceChildren(
      h('h2', {}, h('code', {}, row.mnemonic), ` — ${row.verdict}`),
      h('p', { class: 'muted' }, row.description),
      ...(ws.length ? ws.map((w) => this.witness(w)) : [h('p', {}, 'No witness: no state among those tried shows a finding (innocuous).')]),
    );
    aside.scrollTop = 0;
  }

  private witness(w: WitnessView): HTMLElement {
    return h('section', { class: 'wit' },
      h('h3', {}, w.property.replace(/([A-Z])/g, ' $1').toLowerCase()),
      h('p', { class: 'claim' }, w.claim),
      h('table', { class: 'sbs' },
        h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { scope: 'col' }, w.headers[0]), h('th', { scope: 'col' }, w.headers[1]))),
        ...w.sections.map((s) =>
          h('tbody', {},
            h('tr', { class: 'section' }, h('th', { colspan: 3, scope: 'rowgroup' }, s.title)),
            ...s.rows.map((r) =>
              h('tr', { class: r.differs ? 'differs' : '' },
                h('th', { scope: 'row' }, r.differs ? h('span', { class: 'neq', title: 'differs' }, '≠ ') : '', r.name),
                h('td', {}, r.values[0]),
                h('td', {}, r.values[1]),
              ),
            ),
          ),
        ),
      ),
    );
  }
}

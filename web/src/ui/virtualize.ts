/**
 * Virtualize: two or more guests (the editor's program, examples) under
 * one monitor, with per-VM consoles and the timeline; and the equivalence
 * check of the first guest under every monitor, side by side.
 */
import { MONITORS } from '../../../src/vmm/monitor.js';
import type { Example } from '../../build.js';
import type { EquivView, FromLab, GuestSpec, ToLab, VmmView } from '../protocol.js';
import { byId, fmt, h, hex } from './dom.js';
import { legend, timeline, VM_COLOURS } from './timeline.js';
import type { Port } from './workers.js';

const EDITOR = '(editor)';
/** rows of the event table (the timeline marks them all) */
const EVENT_ROWS = 300;

interface Guest {
  /** an example's path, or EDITOR */
  readonly from: string;
}

export interface VirtualizeContext {
  readonly lab: Port<ToLab>;
  readonly examples: readonly Example[];
  readonly editorText: () => string;
  readonly editorFile: () => string;
  readonly editorInput: () => string;
  readonly isa: () => string;
  readonly maxSteps: () => number;
  readonly setStatus: (state: string, message: string, speed?: string) => void;
}

export class VirtualizePanel {
  private guests: Guest[] = [{ from: 'hello.s' }, { from: 'fib.s' }];
  private equivSources = new Map<string, string>();
  private readonly eventLog = h('details', { id: 'vmm-events', class: 'event-log' });

  constructor(private readonly c: VirtualizeContext) {
    byId('vmm-monitor').replaceChildren(...MONITORS.map((m) => h('option', { value: m }, m)));
    const add = byId<HTMLSelectElement>('guest-add');
    add.replaceChildren(h('option', { value: EDITOR }, "the editor's program"), ...c.examples.filter((e) => !e.part).map((e) => h('option', { value: e.path }, e.path)));
    byId('guest-add-button').addEventListener('click', () => {
      this.guests.push({ from: add.value });
      this.renderGuests();
    });
    byId<HTMLFormElement>('vmm-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.run();
    });
    byId('vmm-equiv').addEventListener('click', () => this.equiv());
    byId('vmm-stop').addEventListener('click', () => c.lab.stop({ kind: 'stop' }));
    this.renderGuests();
    byId('timeline').replaceChildren(h('p', { class: 'muted' }, 'Run the VMs to see which ran when, and what the monitor did.'));
  }

  /** Add the editor's program as a guest (from the debugger's menu). */
  private renderGuests(): void {
    byId('guests').replaceChildren(
      ...this.guests.map((g, i) =>
        h('li', { style: `border-color:${VM_COLOURS[i % VM_COLOURS.length]}` },
          h('span', {}, g.from === EDITOR ? `the editor's program (${this.c.editorFile()})` : g.from),
          h('button', { class: 'small', 'aria-label': `remove guest ${i + 1}`, title: 'remove', onclick: () => {
            this.guests.splice(i, 1);
            this.renderGuests();
          } }, '×'),
        ),
      ),
    );
  }

  private spec(g: Guest, names: Map<string, number>): GuestSpec {
    const ex = this.c.examples.find((e) => e.path === g.from);
    const base = (g.from === EDITOR ? this.c.editorFile() : g.from).replace(/^.*\//, '').replace(/\.s$/, '');
    const k = (names.get(base) ?? 0) + 1;
    names.set(base, k);
    const name = k === 1 ? base : `${base}-${k}`;
    if (ex) return { name, file: ex.path, source: ex.source, input: ex.input ?? '', ...(ex.isa ? { isa: ex.isa } : {}) };
    const isa = this.c.isa();
    return { name, file: this.c.editorFile(), source: this.c.editorText(), input: this.c.editorInput(), ...(isa !== 'auto' ? { isa } : {}) };
  }

  private options() {
    const num = (id: string) => Number(byId<HTMLInputElement>(id).value);
    return { isa: this.c.isa(), quantum: num('vmm-quantum'), depth: num('vmm-depth'), memWords: num('vmm-mem'), maxSteps: this.c.maxSteps() };
  }

  run(): void {
    const names = new Map<string, number>();
    const guests = this.guests.map((g) => this.spec(g, names));
    const monitor = byId<HTMLSelectElement>('vmm-monitor').value;
    byId('vmm-status').textContent = `running ${guests.length} VM${guests.length === 1 ? '' : 's'} under ${monitor}…`;
    byId('equiv').replaceChildren();
    this.c.lab.send({ kind: 'virtualize', guests, monitor, ...this.options() });
  }

  equiv(): void {
    const first = this.guests[0];
    if (!first) {
      byId('vmm-status').textContent = 'add a guest first: the equivalence check runs the first guest';
      return;
    }
    const g = this.spec(first, new Map());
    this.equivSources.set(g.name, g.source);
    byId('vmm-status').textContent = `checking ${g.name} bare and under ${MONITORS.join(', ')}…`;
    this.c.lab.send({ kind: 'equiv', guest: g, vms: 1, ...this.options() });
  }

  onMessage(m: FromLab): void {
    switch (m.kind) {
      case 'vmm':
        this.renderRun(m.run);
        byId('vmm-status').textContent = m.final
          ? `done: ${fmt(m.run.totalSteps)} guest steps in ${fmt(m.run.sliceCount)} slices, ${m.run.ms.toFixed(0)} ms`
          : `running… ${fmt(m.run.totalSteps)} guest steps`;
        if (m.final) this.c.setStatus('done', `the VMs ran under ${m.run.monitor}: ${m.run.vms.map((v) => `${v.name} ${v.state}`).join(', ')}`);
        return;
      case 'equiv':
        this.renderEquiv(m.result);
        byId('vmm-status').textContent = `equivalence of ${m.result.name} checked`;
        this.c.setStatus('done', `${m.result.name}: ${m.result.runs.map((r) => `${r.monitor} ${r.equivalent ? 'equivalent' : 'diverges'}`).join(', ')}`);
        return;
      case 'stopped':
        byId('vmm-status').textContent = 'stopped';
        return;
      case 'error':
        byId('vmm-status').textContent = m.message;
        byId('equiv').replaceChildren(...(m.errors ?? []).map((e) => h('div', { class: 'error' }, e)));
        this.c.setStatus('error', m.message);
        return;
    }
  }

  private renderRun(run: VmmView): void {
    const box = byId('timeline');
    box.replaceChildren(timeline(run, Math.max(600, box.clientWidth - 4)), legend(run), this.renderEvents(run));
    byId('vm-consoles').replaceChildren(
      ...run.vms.map((vm, i) =>
        h('section', { class: 'vm', style: `border-top-color:${VM_COLOURS[i % VM_COLOURS.length]}`, 'aria-label': `VM ${vm.name}` },
          h('h3', {}, vm.name, ' ', h('span', { class: 'muted' }, vm.state)),
          h('pre', { class: 'output', tabindex: 0, 'aria-label': `console of ${vm.name}` }, vm.output),
          h('p', { class: 'stats' },
            `${fmt(vm.instret)} instructions: ${fmt(vm.direct)} direct, ${fmt(vm.emulated)} emulated${vm.interpreted ? `, ${fmt(vm.interpreted)} interpreted` : ''}${vm.translated || vm.rewritten ? `, ${fmt(vm.translated)} translated, ${fmt(vm.rewritten)} rewritten` : ''}`,
            h('br'), `traps into the monitor: ${vm.traps}`, h('br'), `reflected to the guest: ${vm.reflected}`,
            vm.entries ? h('br') : null, vm.entries ? `guest-mode entries ${fmt(vm.entries)}; exits: ${vm.exits}` : null),
        ),
      ),
    );
  }

  /**
   * The events as a table (the timeline's marks, for the keyboard and for
   * reading): one element kept across updates, so it stays open once opened.
   */
  private renderEvents(run: VmmView): HTMLElement {
    const shown = run.events.slice(0, EVENT_ROWS);
    const verb = { trap: 'trap', emulate: 'emulate', reflect: 'reflect', exit: 'VM exit', translate: 'translate', hypercall: 'hypercall' } as const;
    this.eventLog.replaceChildren(
      h('summary', {}, `Monitor events: ${fmt(run.events.length)} placed${run.capped ? ` of ${fmt(run.eventCount)} (capped)` : ''}`),
      run.events.length > EVENT_ROWS ? h('p', { class: 'muted' }, `The table lists the first ${fmt(EVENT_ROWS)}; the timeline marks them all.`) : '',
      h('table', { class: 'event-table', tabindex: 0, 'aria-label': 'monitor events' },
        h('thead', {}, h('tr', {}, ...['step', 'VM', 'pc', 'event', 'what'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, ...shown.map((e) => h('tr', { class: e.kind }, h('td', { class: 'num' }, fmt(e.at)), h('td', {}, run.vms[e.vm]?.name ?? String(e.vm)), h('td', {}, h('code', {}, hex(e.pc))), h('td', {}, verb[e.kind]), h('td', {}, e.what)))),
      ),
    );
    return this.eventLog;
  }

  private renderEquiv(r: EquivView): void {
    const source = this.equivSources.get(r.name)?.split(/\r?\n/) ?? [];
    const row = (machine: string, verdict: HTMLElement | string, reason: string, n: number, output: string, cls = '') =>
      h('tr', { class: cls }, h('th', { scope: 'row' }, machine), h('td', {}, verdict), h('td', {}, reason), h('td', { class: 'num' }, fmt(n)), h('td', {}, h('pre', {}, output)));
    const rows = [row('bare machine', 'the reference', r.bare.reason, r.bare.instructions, r.bare.output)];
    const details: HTMLElement[] = [];
    for (const run of r.runs) {
      rows.push(row(run.monitor, h('span', { class: `badge ${run.equivalent ? 'ok' : 'bad'}` }, run.equivalent ? '✓ equivalent' : '✗ diverges'), run.reason, run.instructions, run.output, run.equivalent ? '' : 'diverges'));
      if (run.divergence) {
        const d = run.divergence;
        const text = d.line ? source[d.line - 1]?.trim() : undefined;
        details.push(
          h('div', { class: 'divergence' },
            h('h3', {}, `${run.monitor}: first divergence at step ${fmt(d.step)}`),
            h('p', {}, 'pc ', h('code', {}, hex(d.pc)), ', ', h('code', {}, d.instruction), d.line ? ` — line ${d.line}${text ? `: ` : ''}` : '', text ? h('code', {}, text) : ''),
            h('ul', {}, ...d.differences.map((x) => h('li', {}, x))),
            run.differences.length ? h('details', {}, h('summary', {}, `all ${run.differences.length} differences at the end`), h('ul', {}, ...run.differences.map((x) => h('li', {}, x)))) : '',
          ),
        );
      }
    }
    byId('equiv').replaceChildren(
      h('h2', {}, `Equivalence: ${r.name} on ${r.isa}, bare and under every monitor`),
      h('table', { class: 'equiv-table' }, h('thead', {}, h('tr', {}, ...['machine', 'verdict', 'stop', 'instructions', 'console output'].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, ...rows)),
      ...details,
    );
  }
}

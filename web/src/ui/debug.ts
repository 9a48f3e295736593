/**
 * Run & debug: the toolbar, registers, storage, console and trap log around
 * the editor. The machine lives in the machine worker; this only sends the
 * user's actions and draws the views it gets back. Values that changed
 * since the last pause are marked (bold, coloured, and a dot for readers
 * who cannot tell the colour).
 */
import { disassembleWord } from '../../../src/asm/index.js';
import { FLAGS } from '../../../src/isa/table.js';
import type { Editor } from '../editor/editor.js';
import type { DebugAction, FromMachine, MachineView, ToMachine } from '../protocol.js';
import { byId, fmt, h, hex } from './dom.js';
import type { WorkerClient } from './workers.js';

export type ToolbarAction = DebugAction | 'assemble' | 'stop';

export interface DebugContext {
  readonly editor: Editor;
  readonly machine: WorkerClient<ToMachine, FromMachine>;
  /** the ISA name in the header ('auto' or a name) */
  readonly isa: () => string;
  readonly file: () => string;
  readonly memWords: () => number;
  /** `FILE@ADDR[:SIZE]` programs to load beside the editor's */
  readonly loads: () => readonly string[];
  /** the example's input, typed in before the program runs */
  readonly presetInput: () => { text: string; end: boolean } | null;
  readonly setStatus: (state: string, message: string, speed?: string) => void;
}

const ROW = 8;

export class DebugView {
  private view: MachineView | null = null;
  /** the view at the last pause: what "changed" is measured against */
  private paused: MachineView | null = null;
  private loadedText: string | null = null;
  private loadedIsa = '';
  private loadedMem = 0;
  private loadedLoads = '';
  private pendingAction: DebugAction | null = null;
  private output = new Uint8Array(0);
  private decimal = false;
  private labels = new Map<string, number>();
  private addressLabels = new Map<number, string>();
  private followAddress: number | null = null;
  private running = false;
  private readonly decoder = new TextDecoder();

  constructor(private readonly c: DebugContext) {
    for (const b of document.querySelectorAll<HTMLButtonElement>('#toolbar button[data-action]')) {
      b.addEventListener('click', () => this.act(b.dataset.action as ToolbarAction));
    }
    byId('radix').addEventListener('click', (e) => {
      this.decimal = !this.decimal;
      const b = e.currentTarget as HTMLButtonElement;
      b.setAttribute('aria-pressed', String(this.decimal));
      b.textContent = this.decimal ? 'hex' : 'dec';
      if (this.view) this.render(this.view);
    });
    byId<HTMLFormElement>('input-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.sendInput(false);
    });
    byId('input').addEventListener('keydown', (e) => {
      if (e.key === 'd' && e.ctrlKey) {
        e.preventDefault();
        this.sendInput(true);
      }
    });
    byId('end-input').addEventListener('click', () => this.sendInput(true));
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name=follow]')) r.addEventListener('change', () => this.follow());
    byId<HTMLInputElement>('mem-addr').addEventListener('change', () => {
      byId<HTMLInputElement>('mem-addr').closest('.follow')!.querySelector<HTMLInputElement>('input[value=addr]')!.checked = true;
      this.follow();
    });
    this.renderEmpty();
  }

  /** The source changed since it was loaded into the machine. */
  get stale(): boolean {
    return this.loadedText !== this.c.editor.text || this.loadedIsa !== this.c.isa() || this.loadedMem !== this.c.memWords() || this.loadedLoads !== this.c.loads().join(' ');
  }

  get isRunning(): boolean {
    return this.running;
  }

  act(action: ToolbarAction): void {
    if (action === 'stop') {
      this.c.machine.stop({ kind: 'stop' });
      return;
    }
    if (action === 'assemble' || this.stale || !this.view) {
      // Load first; then do what was asked.
      this.pendingAction = action === 'assemble' ? null : action;
      this.load();
      return;
    }
    this.send(action);
  }

  private send(action: DebugAction): void {
    if (action !== 'reverse' && action !== 'reset') this.running = true;
    this.updateButtons();
    this.c.machine.send({ kind: 'action', action });
  }

  private load(): void {
    const text = this.c.editor.text;
    this.loadedText = text;
    this.loadedIsa = this.c.isa();
    this.loadedMem = this.c.memWords();
    this.loadedLoads = this.c.loads().join(' ');
    const preset = this.c.presetInput();
    this.output = new Uint8Array(0);
    this.c.machine.send({
      kind: 'load',
      source: text,
      file: this.c.file(),
      isa: this.c.isa(),
      memWords: this.c.memWords(),
      input: preset?.text ?? '',
      endInput: preset?.end ?? false,
      breakpoints: this.c.editor.breakpoints,
      loads: this.c.loads(),
    });
  }

  /** The worker was restarted: what it had is gone. */
  lost(why: string): void {
    this.running = false;
    this.view = null;
    this.paused = null;
    this.loadedText = null;
    this.c.editor.showPc(null);
    this.renderEmpty();
    this.c.setStatus('stopped', why);
  }

  setBreakpoints(lines: number[]): void {
    if (this.view) this.c.machine.send({ kind: 'breakpoints', lines });
  }

  onMessage(m: FromMachine): void {
    switch (m.kind) {
      case 'loaded': {
        this.labels = new Map(m.labels);
        this.addressLabels = new Map();
        for (const [name, a] of m.labels) if (!this.addressLabels.has(a)) this.addressLabels.set(a, name);
        this.c.editor.placeBreakpoints(m.breakpoints);
        this.paused = null;
        this.show(m.view, true);
        if (this.followAddress === null && byId<HTMLInputElement>('mem-addr').value) this.follow();
        const next = this.pendingAction;
        this.pendingAction = null;
        if (next) this.send(next);
        return;
      }
      case 'load-failed': {
        this.pendingAction = null;
        this.running = false;
        this.loadedText = null;
        this.view = null;
        this.renderEmpty();
        const n = m.errors.length;
        const first = m.errors[0];
        this.c.setStatus('errors', `${n} assembly error${n === 1 ? '' : 's'}: fix ${n === 1 ? 'it' : 'them'} first${first ? ` (line ${first.line}: ${first.message})` : ''}`);
        this.c.editor.relint();
        if (first) this.c.editor.goto(first.line, first.col);
        return;
      }
      case 'view':
        this.show(m.view, m.final);
        return;
      case 'breakpoints':
        this.c.editor.placeBreakpoints(m.lines);
        return;
      case 'error':
        this.running = false;
        this.updateButtons();
        this.c.setStatus('error', m.message);
        return;
    }
  }

  private show(v: MachineView, final: boolean): void {
    if (v.output.from < this.output.length || v.output.bytes.length) {
      const next = new Uint8Array(v.output.from + v.output.bytes.length);
      next.set(this.output.subarray(0, v.output.from));
      next.set(v.output.bytes, v.output.from);
      this.output = next;
    }
    this.view = v;
    this.running = !final && v.status === 'running';
    if (final) this.running = false;
    this.render(v);
    if (final) this.paused = v;
  }

  private sendInput(end: boolean): void {
    const field = byId<HTMLInputElement>('input');
    const text = end ? field.value : field.value + '\n';
    field.value = '';
    if (!this.view) {
      this.c.setStatus('ready', 'assemble or run a program first: input goes to the running program');
      return;
    }
    this.c.machine.send({ kind: 'input', text, end });
  }

  private follow(): void {
    const addr = document.querySelector<HTMLInputElement>('input[name=follow][value=addr]')!.checked;
    const field = byId<HTMLInputElement>('mem-addr');
    if (!addr) {
      this.followAddress = null;
      field.removeAttribute('aria-invalid');
      this.c.machine.send({ kind: 'memory', follow: 'pc' });
      return;
    }
    const a = this.parseAddress(field.value.trim());
    if (a === null) {
      field.setAttribute('aria-invalid', 'true');
      this.c.setStatus(this.view?.status ?? 'ready', `'${field.value}' is not an address or a label of this program (try 0x10, 16 or a label)`);
      return;
    }
    field.removeAttribute('aria-invalid');
    this.followAddress = a;
    this.c.machine.send({ kind: 'memory', follow: a });
  }

  private parseAddress(s: string): number | null {
    if (/^(0x[0-9a-f]+|0b[01]+|\d+)$/i.test(s)) return Number(s);
    const l = this.labels.get(s);
    return l === undefined ? null : l;
  }

  // ------------------------------------------------------------ drawing

  private updateButtons(): void {
    const v = this.view;
    const set = (a: string, enabled: boolean) => {
      const b = document.querySelector<HTMLButtonElement>(`#toolbar button[data-action=${a}]`)!;
      b.disabled = !enabled;
    };
    const ended = v?.status === 'halted' || v?.status === 'checkstop';
    set('stop', this.running || v?.status === 'waiting');
    set('reverse', !this.running && (v?.position ?? 0) > 0);
    set('step', !this.running && !ended);
    set('continue', !this.running && !ended);
    set('reset', !this.running && !!v);
    set('run', !this.running);
    set('assemble', !this.running);
  }

  private renderEmpty(): void {
    byId('regs').replaceChildren(...Array.from({ length: 16 }, (_, r) => h('div', { class: 'reg' }, h('span', { class: 'name' }, `r${r}`), h('span', { class: 'val' }, '—'))));
    byId('psw').replaceChildren(h('span', { class: 'muted' }, 'Assemble (Ctrl+Enter) or Run (F5) to load the program.'));
    byId('memory').replaceChildren();
    byId('output').textContent = '';
    byId('trap-log').querySelector('tbody')!.replaceChildren();
    byId('trap-count').textContent = '';
    byId('input-state').textContent = '';
    this.updateButtons();
  }

  private num(n: number): string {
    return this.decimal ? String(n | 0) : hex(n);
  }

  private render(v: MachineView): void {
    const before = this.paused;
    // Registers
    byId('regs').replaceChildren(
      ...v.regs.map((x, r) => {
        const changed = before !== null && before.regs[r] !== x;
        return h(
          'div',
          { class: `reg${changed ? ' changed' : ''}`, title: `r${r}${r === 14 ? ' (lr)' : r === 15 ? ' (sp)' : ''} = ${x | 0} = ${hex(x)}${changed ? ` (was ${before!.regs[r]! | 0})` : ''}` },
          h('span', { class: 'name' }, r === 14 ? 'lr' : r === 15 ? 'sp' : `r${r}`),
          h('span', { class: 'val' }, this.num(x)),
        );
      }),
    );
    // PSW, TIMER, counts
    const field = (name: string, value: string, changed: boolean, title = '') =>
      h('span', { class: `field${changed ? ' changed' : ''}`, title: title || `${name} ${value}` }, h('span', { class: 'name' }, name), h('span', { class: 'val' }, value));
    const ch = <K extends keyof MachineView>(k: K) => before !== null && before[k] !== v[k];
    const s = (v.flags & FLAGS.S) !== 0;
    const ie = (v.flags & FLAGS.IE) !== 0;
    byId('psw').replaceChildren(
      h('div', { class: 'psw-row' },
        field('mode', s ? 'S' : 'U', ch('flags'), s ? 'supervisor mode' : 'user mode'),
        field('IE', ie ? '1' : '0', ch('flags'), `interrupts ${ie ? 'enabled' : 'disabled'}`),
        field('pc', this.num(v.pc), ch('pc')),
        field('base', this.num(v.base), ch('base')),
        field('bound', this.num(v.bound), ch('bound')),
        field('TIMER', String(v.timer), ch('timer') || ch('pending'), v.pending ? 'a timer interrupt is pending' : v.timer ? 'counting down' : 'off'),
        v.pending ? h('span', { class: 'field changed', title: 'a timer interrupt is pending' }, 'pending') : null,
      ),
      h('div', { class: 'psw-row' },
        field('step', fmt(v.position), false, 'steps since reset: instructions completed plus traps delivered'),
        field('instructions', fmt(v.instret), false),
        h('span', { class: 'next', title: 'the next instruction' }, h('span', { class: 'name' }, 'next'), h('code', {}, v.next), v.line ? h('span', { class: 'muted' }, ` line ${v.line}`) : null),
      ),
    );
    this.renderMemory(v, before);
    // Console
    const out = byId('output');
    const atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
    const text = this.decoder.decode(this.output.length > 200_000 ? this.output.subarray(this.output.length - 200_000) : this.output);
    if (out.textContent !== text) {
      out.textContent = text;
      if (atBottom) out.scrollTop = out.scrollHeight;
    }
    byId('input-state').textContent =
      v.status === 'waiting' ? '— waiting for input' : v.inputEnded ? `— input ended${v.unreadInput ? `, ${v.unreadInput} bytes unread` : ''}` : v.unreadInput ? `— ${v.unreadInput} bytes typed ahead` : '';
    this.renderTraps(v);
    this.c.editor.showPc(v.status === 'halted' ? null : v.line);
    // Too few instructions say nothing about speed (the time is the page's, not the machine's).
    const speed = v.speed && v.speed.ms > 0 && v.speed.instructions >= 100_000 ? `${fmt(v.speed.instructions)} instructions in ${v.speed.ms.toFixed(0)} ms = ${fmt(v.speed.instructions / v.speed.ms / 1000)} M instr/s` : '';
    this.c.setStatus(v.status, v.status === 'running' ? `running… step ${fmt(v.position)}` : v.message, speed);
    this.updateButtons();
  }

  private renderMemory(v: MachineView, before: MachineView | null): void {
    const { start, words } = v.memory;
    const pcAt = v.base + v.pc;
    const winEnd = Math.min(v.base + v.bound, v.memWords);
    const old = before && before.memory.start === start ? before.memory.words : null;
    const rows: HTMLElement[] = [h('div', { class: 'mrow head', role: 'row' }, h('span', { class: 'addr', role: 'columnheader' }, 'address'), ...Array.from({ length: ROW }, (_, i) => h('span', { role: 'columnheader' }, `+${i}`)))];
    for (let r = 0; r < words.length; r += ROW) {
      const a0 = start + r;
      const label = [...Array(ROW).keys()].map((i) => this.addressLabels.get(a0 + i)).find(Boolean);
      const cells = words.slice(r, r + ROW).map((w, i) => {
        const a = a0 + i;
        const inWin = a >= v.base && a < winEnd;
        const changed = old !== null && old[r + i] !== w;
        const cls = ['w', inWin ? 'window' : '', a === pcAt && v.status !== 'halted' ? 'pcword' : '', changed ? 'changed' : ''].filter(Boolean).join(' ');
        const name = this.addressLabels.get(a);
        return h('span', { class: cls, role: 'cell', title: `${hex(a)}${name ? ` (${name})` : ''}${inWin ? `, virtual ${hex(a - v.base)}` : ', outside the relocation window'}: ${w | 0} = ${disassembleWord(w, a - v.base)}` }, (w >>> 0).toString(16).padStart(8, '0'));
      });
      rows.push(h('div', { class: 'mrow', role: 'row' }, h('span', { class: 'addr', role: 'rowheader', title: label ? `${label} is in this row` : '' }, hex(a0).slice(2)), ...cells));
    }
    byId('memory').replaceChildren(...rows);
  }

  private renderTraps(v: MachineView): void {
    const body = byId('trap-log').querySelector('tbody')!;
    const wrap = body.closest('.scroll')!;
    const atBottom = wrap.scrollTop + wrap.clientHeight >= wrap.scrollHeight - 4;
    body.replaceChildren(
      ...v.traps.map((t) =>
        h('tr', {},
          h('td', { class: 'num' }, fmt(t.at)),
          h('td', {}, t.name),
          h('td', { class: 'mono', title: t.base ? `base ${hex(t.base)}: physical ${hex(t.base + t.pc)}` : '' }, hex(t.pc)),
          h('td', { class: 'mono', title: `${t.info | 0}` }, hex(t.info)),
          h('td', {}, t.supervisor ? 'S' : 'U'),
          h('td', {}, t.line ? h('button', { class: 'link', onclick: () => this.c.editor.goto(t.line!), title: `go to line ${t.line}` }, String(t.line)) : '—'),
        ),
      ),
    );
    byId('trap-count').textContent = v.trapTotal ? `— ${fmt(v.trapTotal)} trap${v.trapTotal === 1 ? '' : 's'}${v.trapTotal > v.traps.length ? `, the last ${v.traps.length} shown` : ''}` : '— none yet';
    if (atBottom) wrap.scrollTop = wrap.scrollHeight;
  }
}

/**
 * The trapeze playground: the page. It holds the editor and the views; the
 * machine runs in a Web Worker (worker.ts), so the page stays responsive and
 * Stop always works.
 */
import examples from 'trapeze:examples';
import { resolveIsa, variantNames, type Isa } from '../../src/isa/table.js';
import { Editor } from './editor/editor.js';
import { includeProgramFile } from './files.js';
import type { FromLab, FromMachine, ToLab, ToMachine } from './protocol.js';
import { ClassifyPanel } from './ui/classify.js';
import { DebugView, type ToolbarAction } from './ui/debug.js';
import { byId, h } from './ui/dom.js';
import { MeasurePanel } from './ui/measure.js';
import { decodeShare, encodeShare } from './ui/share.js';
import { VirtualizePanel } from './ui/virtualize.js';
import { lazyWorker, WorkerClient } from './ui/workers.js';
import './style.css';

const STORE = 'trapeze.playground.v1';

// ------------------------------------------------------------ status bar

let statusSeq = 0;
function setStatus(state: string, message: string, speed?: string): void {
  const badge = byId('status-state');
  badge.textContent = state;
  badge.dataset.state = state;
  // Counts every update, so a test (or a screen reader script) can tell a new "halted" from an old one.
  badge.dataset.seq = String(++statusSeq);
  byId('status-message').textContent = message;
  if (speed !== undefined) byId('status-speed').textContent = speed;
}

// ------------------------------------------------------------ the program and its ISA

let example = examples.find((e) => e.path === 'hello.s') ?? examples[0];
let fileName = example?.path ?? 'program.s';
const isaField = byId<HTMLInputElement>('isa');

/** The ISA field: 'auto' or a valid name. */
function isaName(): string {
  const v = isaField.value.trim();
  return v === '' ? 'auto' : v;
}
function isaForLint(): Isa | undefined {
  const v = isaName();
  if (v === 'auto') return undefined;
  const r = resolveIsa(v);
  return 'error' in r ? undefined : r;
}
byId('isa-names').replaceChildren(...['auto', ...variantNames()].map((n) => h('option', { value: n })));
isaField.addEventListener('change', () => {
  const v = isaName();
  const r = v === 'auto' ? null : resolveIsa(v);
  if (r && 'error' in r) {
    isaField.setAttribute('aria-invalid', 'true');
    setStatus('error', r.error);
    return;
  }
  isaField.removeAttribute('aria-invalid');
  editor.relint();
  save();
});

// ------------------------------------------------------------ workers

const machine = new WorkerClient<ToMachine, FromMachine>('machine', (m) => debug.onMessage(m), (why) => debug.lost(why));
/** The lab worker starts when a lab tab first needs it: the debugger's page loads faster without it. */
const lab = lazyWorker<ToLab>(
  () =>
    new WorkerClient<ToLab, FromLab>(
      'lab',
      (m) => {
        classify.onMessage(m);
        virtualize.onMessage(m);
        measure.onMessage(m);
      },
      (why) => {
        setStatus('stopped', why);
        for (const panel of [classify, virtualize, measure]) panel.onMessage({ kind: 'stopped' });
      },
    ),
);

// ------------------------------------------------------------ editor and views

let diagnostics = 0;
const editor = new Editor({
  parent: byId('editor'),
  doc: example?.source ?? '',
  isa: isaForLint,
  file: () => fileName,
  include: includeProgramFile,
  onChange: () => {
    saveSoon();
    // An edited example is the user's program now.
    if (menu.value && example?.source !== editor.text) menu.value = '';
    byId('toolbar').classList.toggle('stale', debug.stale);
  },
  onBreakpoints: (lines) => debug.setBreakpoints(lines),
  onDiagnostics: (errors) => {
    diagnostics = errors.length;
    const d = byId('diagnostics');
    d.textContent = errors.length ? `✗ ${errors.length} error${errors.length === 1 ? '' : 's'}, line ${errors[0]!.line}` : '✓ assembles';
    d.title = errors.length ? `${errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n')}\n(click for the list)` : 'the program assembles';
    d.className = `diagnostics link ${errors.length ? 'bad' : 'ok'}`;
  },
  keys: [],
});

const maxSteps = () => {
  const n = Number(byId<HTMLInputElement>('max-steps').value);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1_000_000_000;
};
const memWords = () => {
  const n = Number(byId<HTMLInputElement>('mem-words').value);
  return Number.isInteger(n) && n >= 16 && n <= 16_777_216 ? n : 1_048_576;
};

const loadsField = byId<HTMLInputElement>('loads');
const loads = () => loadsField.value.split(/\s+/).filter(Boolean);

const debug = new DebugView({
  editor,
  machine,
  isa: isaName,
  file: () => fileName,
  memWords,
  loads,
  presetInput: () => (example?.input !== undefined && example.source === editor.text ? { text: example.input, end: true } : null),
  setStatus,
});
const classify = new ClassifyPanel(lab, setStatus);
const virtualize = new VirtualizePanel({
  lab,
  examples,
  editorText: () => editor.text,
  editorFile: () => fileName,
  editorInput: () => (example?.input !== undefined && example.source === editor.text ? example.input : ''),
  isa: isaName,
  maxSteps,
  setStatus,
});
const measure = new MeasurePanel(lab, setStatus);

byId('diagnostics').addEventListener('click', () => editor.listErrors());
byId('max-steps').addEventListener('change', () => machine.send({ kind: 'settings', maxSteps: maxSteps() }));
machine.send({ kind: 'settings', maxSteps: maxSteps() });

// ------------------------------------------------------------ examples

const menu = byId<HTMLSelectElement>('examples');
{
  const groups = new Map<string, HTMLOptGroupElement>();
  menu.append(h('option', { value: '' }, '(your program)'));
  for (const e of examples) {
    if (e.part) continue; // included by programs, not run alone
    let g = groups.get(e.group);
    if (!g) {
      g = h('optgroup', { label: e.group === 'programs' ? 'programs/' : `programs/${e.group}/` });
      groups.set(e.group, g);
      menu.append(g);
    }
    g.append(h('option', { value: e.path, title: e.title }, `${e.path.replace(/^.*\//, '')} — ${e.title.slice(0, 60)}`));
  }
}
menu.addEventListener('change', () => {
  const e = examples.find((x) => x.path === menu.value);
  if (!e) return;
  example = e;
  // A program that says `.isa` runs on it with the field on auto; one that only names it in a comment gets it set here.
  const says = /^\s*\.isa\s/im.test(e.source);
  loadProgram(e.source, says ? 'auto' : (e.isa ?? 'auto'), e.path);
  // An example whose header runs it with --load (vmm/type1.s and its guests) gets those programs loaded too.
  loadsField.value = e.loads?.join(' ') ?? '';
  setStatus('ready', `${e.path}: ${e.title}${e.input !== undefined ? ` (its input, ${e.path.replace(/\.s$/, '.input')}, is typed in when it runs)` : ''}${e.isa ? `; ISA ${e.isa}` : ''}${e.loads ? `; with ${e.loads.join(', ')} loaded beside it (Settings)` : ''}`);
});

function loadProgram(source: string, isa: string, name: string): void {
  fileName = name;
  isaField.value = isa;
  isaField.removeAttribute('aria-invalid');
  editor.setText(source);
  editor.relint();
  save();
}

// ------------------------------------------------------------ share and save

byId('share').addEventListener('click', async () => {
  const hash = await encodeShare({ source: editor.text, isa: isaName() });
  const url = location.href.replace(/#.*$/, '') + hash;
  history.replaceState(null, '', hash);
  try {
    await navigator.clipboard.writeText(url);
    setStatus('shared', `a link to this program is in the clipboard and the address bar (${url.length} characters)`);
  } catch {
    setStatus('shared', `the link to this program is in the address bar (${url.length} characters): copy it from there`);
  }
});

let saveTimer: number | undefined;
function saveSoon(): void {
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(save, 500);
}
function save(): void {
  try {
    localStorage.setItem(STORE, JSON.stringify({ source: editor.text, isa: isaName(), file: fileName, example: example?.source === editor.text ? example.path : null }));
  } catch {
    // storage full or disabled: nothing to keep
  }
}

async function restore(): Promise<void> {
  const shared = await decodeShare(location.hash);
  if (shared && 'source' in shared) {
    example = examples.find((e) => e.source === shared.source);
    loadProgram(shared.source, shared.isa, example?.path ?? 'shared.s');
    menu.value = example?.path ?? '';
    loadsField.value = example?.loads?.join(' ') ?? '';
    setStatus('ready', 'the program from the link is loaded');
    return;
  }
  if (shared && 'error' in shared) setStatus('error', shared.error);
  try {
    const saved = JSON.parse(localStorage.getItem(STORE) ?? 'null') as { source: string; isa: string; file: string; example: string | null } | null;
    if (saved && typeof saved.source === 'string') {
      example = examples.find((e) => e.path === saved.example && e.source === saved.source);
      loadProgram(saved.source, saved.isa || 'auto', saved.file || 'program.s');
      menu.value = example?.path ?? '';
      loadsField.value = example?.loads?.join(' ') ?? '';
      return;
    }
  } catch {
    // unreadable: start from the example
  }
  menu.value = example?.path ?? '';
  if (!shared) setStatus('ready', 'Write PG32 here, or pick an example. F5 runs, F10 steps, Shift+F10 steps back; ? lists the keys.');
}

// ------------------------------------------------------------ tabs

const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
function selectTab(tab: HTMLButtonElement, focus = true): void {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    byId(t.getAttribute('aria-controls')!).hidden = !on;
  }
  document.body.dataset.tab = tab.id;
  if (focus) tab.focus();
}
for (const t of tabs) {
  t.addEventListener('click', () => selectTab(t));
  t.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(t);
    const to = e.key === 'ArrowRight' ? tabs[(i + 1) % tabs.length] : e.key === 'ArrowLeft' ? tabs[(i + tabs.length - 1) % tabs.length] : e.key === 'Home' ? tabs[0] : e.key === 'End' ? tabs[tabs.length - 1] : undefined;
    if (to) {
      e.preventDefault();
      selectTab(to);
    }
  });
}
const activeTab = () => tabs.find((t) => t.getAttribute('aria-selected') === 'true')!.id;

// ------------------------------------------------------------ popovers

function popover(buttonId: string, id: string): void {
  const button = byId(buttonId);
  const box = byId(id);
  const set = (open: boolean) => {
    box.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) (box.querySelector<HTMLElement>('input, button, [tabindex]') ?? box).focus();
  };
  button.addEventListener('click', () => set(box.hidden));
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      set(false);
      button.focus();
    }
  });
  document.addEventListener('mousedown', (e) => {
    if (!box.hidden && !box.contains(e.target as Node) && !button.contains(e.target as Node)) set(false);
  });
}
popover('settings-button', 'settings');
popover('help-button', 'help');
byId('help').tabIndex = -1;

// ------------------------------------------------------------ keyboard

const KEYS: Record<string, ToolbarAction> = {
  F5: 'run',
  'Shift+F5': 'stop',
  F8: 'continue',
  'Shift+F8': 'reset',
  F10: 'step',
  'Shift+F10': 'reverse',
  'Ctrl+Enter': 'assemble',
};
window.addEventListener(
  'keydown',
  (e) => {
    const key = `${e.ctrlKey || e.metaKey ? 'Ctrl+' : ''}${e.shiftKey ? 'Shift+' : ''}${e.key}`;
    if (e.altKey && /^[1-4]$/.test(e.key)) {
      e.preventDefault();
      selectTab(tabs[Number(e.key) - 1]!);
      return;
    }
    const action = KEYS[key];
    if (action) {
      e.preventDefault();
      e.stopPropagation();
      if (activeTab() !== 'tab-debug') selectTab(tabs[0]!, false);
      debug.act(action);
      return;
    }
    if (e.key === 'Escape' && debug.isRunning && activeTab() === 'tab-debug') {
      debug.act('stop');
      return;
    }
    const typing = (e.target as HTMLElement).closest('input, textarea, select, .cm-editor');
    if (e.key === '?' && !typing) {
      e.preventDefault();
      byId('help-button').click();
    }
  },
  true,
);

document.body.dataset.tab = 'tab-debug';
void restore();
// For tests and the curious: the state of the page in one place.
Object.assign(window, { trapeze: { editor, debug, get diagnostics() { return diagnostics; } } });

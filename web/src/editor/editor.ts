/**
 * The playground's editor: CodeMirror 6 with the PG32 mode, the
 * assembler's diagnostics as you type (every error at its line and column),
 * a breakpoint gutter (click, or F9 on the cursor's line), and the line of
 * the next instruction highlighted.
 *
 * Linting runs the real assembler on the page's thread: it assembles a
 * typical program in well under a millisecond, and it keeps working while
 * the machine worker is busy running.
 */
import { defaultKeymap, history, historyKeymap, indentLess, indentMore, insertNewline } from '@codemirror/commands';
import { bracketMatching, indentUnit } from '@codemirror/language';
import { forceLinting, lintGutter, linter, openLintPanel, type Diagnostic } from '@codemirror/lint';
import { EditorSelection, EditorState, MapMode, Prec, RangeSet, StateEffect, StateField, type Extension, type Text } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  GutterMarker,
  drawSelection,
  gutter,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
  type DecorationSet,
  type KeyBinding,
} from '@codemirror/view';
import { assemble, type AsmError, type IncludeReader } from '../../../src/asm/index.js';
import type { Isa } from '../../../src/isa/table.js';
import { pg32Highlight, pg32Hover, pg32Language } from './pg32.js';

// ------------------------------------------------------------ breakpoints

const toggleBreakpoint = StateEffect.define<{ pos: number; on: boolean }>({ map: (v, m) => ({ pos: m.mapPos(v.pos), on: v.on }) });
const replaceBreakpoints = StateEffect.define<readonly number[]>();

class BreakpointMarker extends GutterMarker {
  // A breakpoint whose line is deleted goes with it.
  override mapMode = MapMode.TrackDel;
  override toDOM(): Node {
    const d = document.createElement('span');
    d.className = 'cm-bp';
    d.textContent = '●';
    d.setAttribute('aria-label', 'breakpoint');
    return d;
  }
}
const breakpointMarker = new BreakpointMarker();

/** Holds the gutter's width open; not a breakpoint. */
class SpacerMarker extends GutterMarker {
  override toDOM(): Node {
    const d = document.createElement('span');
    d.textContent = '●';
    return d;
  }
}

const breakpointField = StateField.define<RangeSet<GutterMarker>>({
  create: () => RangeSet.empty,
  update(set, tr) {
    set = set.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(toggleBreakpoint)) {
        set = e.value.on ? set.update({ add: [breakpointMarker.range(e.value.pos)] }) : set.update({ filter: (from) => from !== e.value.pos });
      } else if (e.is(replaceBreakpoints)) {
        const doc = tr.state.doc;
        set = RangeSet.of(
          e.value.filter((l) => l >= 1 && l <= doc.lines).map((l) => breakpointMarker.range(doc.line(l).from)),
          true,
        );
      }
    }
    return set;
  },
});

/** Breakpoint lines (1-based), sorted. */
export function breakpointLines(state: EditorState): number[] {
  const lines = new Set<number>();
  state.field(breakpointField).between(0, state.doc.length, (from) => {
    lines.add(state.doc.lineAt(from).number);
  });
  return [...lines].sort((a, b) => a - b);
}

function toggleAt(view: EditorView, pos: number): void {
  const line = view.state.doc.lineAt(pos);
  let on = true;
  view.state.field(breakpointField).between(line.from, line.from, () => {
    on = false;
  });
  view.dispatch({ effects: toggleBreakpoint.of({ pos: line.from, on }) });
}

const breakpointGutter: Extension = [
  breakpointField,
  gutter({
    class: 'cm-breakpoint-gutter',
    markers: (v) => v.state.field(breakpointField),
    initialSpacer: () => new SpacerMarker(),
    domEventHandlers: {
      mousedown(view, line) {
        toggleAt(view, line.from);
        return true;
      },
    },
  }),
];

// ------------------------------------------------------------ the next instruction's line

const setPcLine = StateEffect.define<number | null>();
const pcLineDecoration = Decoration.line({ class: 'cm-pc-line', attributes: { 'aria-current': 'step' } });

const pcLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(setPcLine)) {
        const l = e.value;
        deco = l !== null && l >= 1 && l <= tr.state.doc.lines ? Decoration.set([pcLineDecoration.range(tr.state.doc.line(l).from)]) : Decoration.none;
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// ------------------------------------------------------------ typing assembly

/**
 * Tab moves to the next column that is a multiple of 8 (label, mnemonic,
 * operands, comment line up as in programs/); with a selection it indents
 * the lines. Enter starts a plain new line: what is typed is what you get.
 */
const COLUMN = 8;
const tabToColumn = (view: EditorView): boolean => {
  const { state } = view;
  if (state.selection.ranges.some((r) => !r.empty)) return indentMore(view);
  view.dispatch(
    state.changeByRange((r) => {
      const line = state.doc.lineAt(r.head);
      const col = r.head - line.from;
      const pad = ' '.repeat(COLUMN - (col % COLUMN));
      return { changes: { from: r.head, insert: pad }, range: EditorSelection.cursor(r.head + pad.length) };
    }),
    { scrollIntoView: true, userEvent: 'input' },
  );
  return true;
};
const typingKeys: readonly KeyBinding[] = [
  { key: 'Enter', run: insertNewline },
  { key: 'Tab', run: tabToColumn, shift: indentLess },
];

// ------------------------------------------------------------ diagnostics

/** An assembler error as a CodeMirror diagnostic: from its column to the end of the word there. */
export function toDiagnostic(doc: Text, e: AsmError): Diagnostic {
  const line = doc.line(Math.min(Math.max(e.line, 1), doc.lines));
  const from = Math.min(line.from + Math.max(e.col - 1, 0), line.to);
  const rest = doc.sliceString(from, line.to);
  const m = /^("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|[.\w]+|\S)/.exec(rest);
  return { from, to: from + (m ? m[0].length : 0), severity: 'error', message: `${e.line}:${e.col}: ${e.message}`, source: 'assembler' };
}

/** Where this file includes `file` (its `.include` line), else its first line. */
function includeLine(doc: Text, file: string): { line: number; col: number } {
  const base = file.slice(file.lastIndexOf('/') + 1);
  for (let l = 1; l <= doc.lines; l++) {
    const text = doc.line(l).text;
    const at = text.search(/\.include\b/i);
    if (at >= 0 && text.includes(base)) return { line: l, col: at + 1 };
  }
  return { line: 1, col: 1 };
}

export interface EditorOptions {
  readonly parent: HTMLElement;
  readonly doc: string;
  /** the ISA to assemble against (undefined: every instruction, and the program's own `.isa`) */
  readonly isa: () => Isa | undefined;
  readonly file: () => string;
  /** reads `.include`d files */
  readonly include: IncludeReader;
  readonly onChange: () => void;
  readonly onBreakpoints: (lines: number[]) => void;
  /** the diagnostics of the last lint, every one */
  readonly onDiagnostics: (errors: readonly AsmError[]) => void;
  /** bindings that win over the editor's own (Ctrl+Enter assembles, F-keys debug) */
  readonly keys: readonly KeyBinding[];
}

export class Editor {
  readonly view: EditorView;

  constructor(private readonly o: EditorOptions) {
    const lint = linter(
      (view) => {
        const isa = o.isa();
        const r = assemble(view.state.doc.toString(), o.file(), { ...(isa ? { isa } : {}), include: o.include });
        // Errors in an included file are shown at the .include line they come through (the lint is for this file).
        const here = r.errors.filter((e) => e.file === o.file());
        o.onDiagnostics(r.errors);
        const doc = view.state.doc;
        const elsewhere = r.errors.filter((e) => e.file !== o.file()).map((e) => ({ ...toDiagnostic(doc, { ...e, ...includeLine(doc, e.file) }), message: `${e.file}:${e.line}:${e.col}: ${e.message}` }));
        return [...here.map((e) => toDiagnostic(doc, e)), ...elsewhere];
      },
      { delay: 250 },
    );
    this.view = new EditorView({
      parent: o.parent,
      state: EditorState.create({
        doc: o.doc,
        extensions: [
          Prec.highest(
            keymap.of([
              ...o.keys,
              { key: 'F9', run: (v) => (toggleAt(v, v.state.selection.main.head), true), preventDefault: true },
              { key: 'Mod-Shift-m', run: openLintPanel, preventDefault: true },
            ]),
          ),
          breakpointGutter,
          lineNumbers(),
          lintGutter(),
          highlightActiveLineGutter(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          bracketMatching(),
          indentUnit.of('        '),
          pg32Language,
          pg32Highlight,
          pg32Hover,
          lint,
          pcLineField,
          keymap.of([...typingKeys, ...defaultKeymap, ...historyKeymap]),
          EditorView.contentAttributes.of({ 'aria-label': 'PG32 assembly source (Esc then Tab leaves the editor)' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) o.onChange();
            const bp = u.transactions.some((tr) => tr.effects.some((e) => e.is(toggleBreakpoint)));
            if (bp || (u.docChanged && u.state.field(breakpointField).size > 0)) o.onBreakpoints(breakpointLines(u.state));
          }),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Replace the whole text (an undoable change). */
  setText(text: string): void {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text }, effects: replaceBreakpoints.of([]) });
    this.o.onBreakpoints([]);
  }

  get breakpoints(): number[] {
    return breakpointLines(this.view.state);
  }

  /** Show the breakpoints where the machine put them (a line without code moves to the next with code). */
  placeBreakpoints(lines: readonly number[]): void {
    const now = this.breakpoints;
    if (now.length === lines.length && now.every((l, i) => l === lines[i])) return;
    this.view.dispatch({ effects: replaceBreakpoints.of(lines) });
  }

  /** Highlight the next instruction's line (null: none) and bring it into view. */
  showPc(line: number | null): void {
    const doc = this.view.state.doc;
    const effects: StateEffect<unknown>[] = [setPcLine.of(line)];
    if (line !== null && line >= 1 && line <= doc.lines) effects.push(EditorView.scrollIntoView(doc.line(line).from, { y: 'nearest', yMargin: 48 }));
    this.view.dispatch({ effects });
  }

  /** Put the cursor on a line and focus the editor. */
  goto(line: number, col = 1): void {
    const doc = this.view.state.doc;
    const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
    const pos = Math.min(l.from + col - 1, l.to);
    this.view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
    this.view.focus();
  }

  /** The list of every diagnostic, below the editor. */
  listErrors(): void {
    openLintPanel(this.view);
  }

  relint(): void {
    forceLinting(this.view);
  }

  focus(): void {
    this.view.focus();
  }
}

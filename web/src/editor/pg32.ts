/**
 * PG32 assembly for CodeMirror 6: a stream tokenizer whose mnemonics and
 * registers come from the ISA table (isa/pg32.ts through src/isa/table.ts)
 * and the assembler's pseudo-instructions, never from a list written here;
 * a highlight style with readable contrast; and hover help that shows each
 * mnemonic's syntax, meaning and declared class from the same table.
 */
import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StringStream } from '@codemirror/language';
import { hoverTooltip, type Tooltip } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { PSEUDOS } from '../../../src/asm/assemble.js';
import { REGISTERS } from '../../../src/asm/lexer.js';
import { BY_MNEMONIC, FORMATS, INSTRUCTIONS, type Spec } from '../../../src/isa/table.js';

const MNEMONICS: ReadonlySet<string> = new Set(INSTRUCTIONS.map((s) => s.mnemonic));
const PSEUDO_NAMES: ReadonlySet<string> = new Set(Object.keys(PSEUDOS));

interface LineState {
  /** a mnemonic or directive has been seen on this line: later names are operands */
  operands: boolean;
}

function token(stream: StringStream, state: LineState): string | null {
  if (stream.sol()) state.operands = false;
  if (stream.eatSpace()) return null;
  const ch = stream.peek();
  if (ch === ';') {
    stream.skipToEnd();
    return 'comment';
  }
  if (ch === '"' || ch === "'") {
    stream.next();
    let escaped = false;
    let c: string | void;
    while ((c = stream.next()) !== undefined) {
      if (c === ch && !escaped) break;
      escaped = !escaped && c === '\\';
    }
    return ch === '"' ? 'string' : 'character';
  }
  if (stream.match(/^[0-9][0-9A-Za-z_]*/)) return 'number';
  if (stream.match(/^\.[A-Za-z_][A-Za-z0-9_]*/)) {
    state.operands = true;
    return 'keyword.definition';
  }
  const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
  if (word) {
    const w = word[0];
    if (stream.peek() === ':') return 'labelName.definition';
    const lower = w.toLowerCase();
    if (REGISTERS.has(lower)) return 'variableName.special';
    if (!state.operands && (MNEMONICS.has(lower) || PSEUDO_NAMES.has(lower))) {
      state.operands = true;
      return PSEUDO_NAMES.has(lower) ? 'macroName' : 'keyword';
    }
    return state.operands ? 'labelName' : 'invalid';
  }
  stream.next();
  return ch === ',' || ch === '(' || ch === ')' || ch === ':' ? 'punctuation' : 'operator';
}

export const pg32Language = StreamLanguage.define<LineState>({
  name: 'pg32',
  startState: () => ({ operands: false }),
  copyState: (s) => ({ ...s }),
  token,
  languageData: { commentTokens: { line: ';' } },
  tokenTable: { character: t.character, macroName: t.macroName },
});

/** Token colours, each at least 4.5:1 against the editor's white background (test/web/contrast.test.ts). */
export const PG32_COLOURS = {
  comment: '#5c6370',
  keyword: '#1d4ed8',
  directive: '#a21caf',
  register: '#9a3412',
  number: '#0f766e',
  string: '#15803d',
  label: '#7c2d12',
  operand: '#374151',
  invalid: '#b91c1c',
} as const;

const C = PG32_COLOURS;
export const pg32Highlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: t.comment, color: C.comment, fontStyle: 'italic' },
    { tag: t.keyword, color: C.keyword, fontWeight: '600' },
    { tag: t.macroName, color: C.keyword, fontStyle: 'italic' },
    { tag: t.definition(t.keyword), color: C.directive },
    { tag: t.special(t.variableName), color: C.register },
    { tag: t.number, color: C.number },
    { tag: [t.string, t.character], color: C.string },
    { tag: t.definition(t.labelName), color: C.label, fontWeight: '700' },
    { tag: t.labelName, color: C.operand },
    { tag: t.invalid, color: C.invalid, textDecoration: 'underline wavy' },
  ]),
);

/** `add rd, rs, rt` from the table's format. */
export function syntaxOf(spec: Spec): string {
  const ops = FORMATS[spec.format].map((o) => o.name).join(', ');
  return ops ? `${spec.mnemonic} ${ops}` : spec.mnemonic;
}

function declaredClass(spec: Spec): string {
  const d = spec.declared;
  const sens = [d.control && 'control', d.location && 'location', d.mode && 'mode'].filter(Boolean).join('+');
  if (!sens) return d.privileged ? 'privileged' : 'innocuous';
  return `${sens}-sensitive, ${d.privileged ? 'privileged' : 'not privileged'} (declared; the Classify tab derives it)`;
}

/** Hover over a mnemonic: its syntax, meaning and class, from the ISA table. */
export const pg32Hover = hoverTooltip((view, pos): Tooltip | null => {
  const line = view.state.doc.lineAt(pos);
  const text = line.text;
  let from = pos - line.from;
  let to = from;
  while (from > 0 && /\w/.test(text[from - 1]!)) from--;
  while (to < text.length && /\w/.test(text[to]!)) to++;
  if (from === to) return null;
  const semi = text.indexOf(';');
  if (semi >= 0 && semi < from) return null;
  const word = text.slice(from, to).toLowerCase();
  const spec = BY_MNEMONIC.get(word);
  const pseudo = PSEUDOS[word];
  if (!spec && !pseudo) return null;
  return {
    pos: line.from + from,
    end: line.from + to,
    above: true,
    create() {
      const dom = document.createElement('div');
      dom.className = 'cm-pg32-doc';
      const head = document.createElement('code');
      const body = document.createElement('div');
      if (spec) {
        head.textContent = syntaxOf(spec);
        body.textContent = `${spec.description}. ${spec.group}${spec.extension ? `, extension ${spec.extension}` : ''}; ${declaredClass(spec)}.`;
      } else {
        head.textContent = `${word} ${pseudo!.operands.map((o) => o.name).join(', ')}`.trim();
        body.textContent = 'pseudo-instruction: the assembler expands it to real instructions (isa/ASSEMBLER.md).';
      }
      dom.append(head, body);
      return { dom };
    },
  };
});

/**
 * The PG32 assembly lexer (Chevrotain). Mnemonics come from the ISA table
 * (plus the pseudo-instructions), registers from its register count and
 * aliases; both are case-insensitive. Newlines are tokens: the grammar is
 * line-oriented. Positions are tracked as offsets only (fast); line and
 * column are recovered from offsets when an error is reported.
 */
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';
import { INSTRUCTIONS, REGISTER_ALIASES, REGISTER_COUNT } from '../isa/table.js';

/** Pseudo-instructions the assembler accepts (ISA.md "Pseudo-instructions"). */
export const PSEUDO_MNEMONICS = ['li', 'la', 'mov', 'not', 'neg', 'b', 'beqz', 'bnez', 'call', 'ret', 'push', 'pop'] as const;

/** Register name (lower case) → number: r0..r15 and the aliases lr, sp. */
export const REGISTERS: ReadonlyMap<string, number> = new Map<string, number>([
  ...Array.from({ length: REGISTER_COUNT }, (_, i) => [`r${i}`, i] as [string, number]),
  ...Object.entries(REGISTER_ALIASES),
]);

/** Every spelling (any case) of every register name → number: lookups without toLowerCase. */
export const REGISTER_SPELLINGS: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  const spellings = (w: string): string[] =>
    w.length === 0 ? [''] : spellings(w.slice(1)).flatMap((rest) => [...new Set([w[0]!.toLowerCase(), w[0]!.toUpperCase()])].map((c) => c + rest));
  for (const [name, n] of REGISTERS) for (const sp of spellings(name)) m.set(sp, n);
  return m;
})();

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** longest first, so that `beqz` is not lexed as `b` + `eqz` */
const alternation = (words: Iterable<string>) =>
  [...words]
    .sort((x, y) => y.length - x.length || (x < y ? -1 : 1))
    .map(escapeRe)
    .join('|');

export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'a name' });
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [Name], label: 'a name' });
export const Mnemonic = createToken({
  name: 'Mnemonic',
  pattern: new RegExp(alternation(new Set([...INSTRUCTIONS.map((s) => s.mnemonic as string), ...PSEUDO_MNEMONICS])), 'i'),
  longer_alt: Identifier,
  categories: [Name],
  label: 'a mnemonic',
});
export const Register = createToken({
  name: 'Register',
  pattern: new RegExp(alternation(REGISTERS.keys()), 'i'),
  longer_alt: Identifier,
  label: 'a register',
});
export const Directive = createToken({ name: 'Directive', pattern: /\.[A-Za-z_][A-Za-z0-9_]*/, label: 'a directive' });
/** any run of alphanumerics starting with a digit; the assembler validates the form (so `0x` or `12ab` get a clear message) */
export const NumberLit = createToken({ name: 'Number', pattern: /[0-9][0-9A-Za-z_]*/, label: 'a number' });
export const StringLit = createToken({ name: 'String', pattern: /"(?:[^"\\\r\n]|\\.)*"/, label: 'a string' });
export const CharLit = createToken({ name: 'Char', pattern: /'(?:[^'\\\r\n]|\\.)*'/, label: 'a character' });
export const Newline = createToken({ name: 'Newline', pattern: /\r\n|\r|\n/, label: 'end of line' });
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\f\v]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /;[^\r\n]*/, group: Lexer.SKIPPED });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });
export const Colon = createToken({ name: 'Colon', pattern: ':', label: "':'" });
export const LParen = createToken({ name: 'LParen', pattern: '(', label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: ')', label: "')'" });
export const Plus = createToken({ name: 'Plus', pattern: '+', label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: '-', label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: '*', label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: '/', label: "'/'" });

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  Newline,
  Comment,
  StringLit,
  CharLit,
  NumberLit,
  Directive,
  Register,
  Mnemonic,
  Identifier,
  Name,
  Comma,
  Colon,
  LParen,
  RParen,
  Plus,
  Minus,
  Star,
  Slash,
];

export const asmLexer = new Lexer(ALL_TOKENS, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
});

export interface LexResult {
  readonly tokens: IToken[];
  /** offsets and messages of characters no token matches */
  readonly errors: { offset: number; length: number; message: string }[];
}

export function lex(source: string): LexResult {
  const r = asmLexer.tokenize(source);
  const errors = r.errors.map((e) => {
    const ch = source[e.offset] ?? '';
    const message =
      ch === '"'
        ? 'unterminated string (expected a closing \'"\' on the same line)'
        : ch === "'"
          ? "unterminated character literal (expected a closing \"'\" on the same line)"
          : `unexpected character '${ch === '\t' ? '\\t' : ch}'`;
    return { offset: e.offset, length: e.length, message };
  });
  return { tokens: r.tokens, errors };
}

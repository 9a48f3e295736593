/**
 * The PG32 assembly lexer. The token types are Chevrotain's (the parser is
 * Chevrotain); the tokenizer is hand-written for speed and produces the same
 * tokens as Chevrotain's lexer over those types (`referenceLex`). Mnemonics
 * come from the ISA table (plus the pseudo-instructions), registers from its
 * register count and aliases; both are case-insensitive. Newlines are tokens:
 * the grammar is line-oriented. Positions are offsets only; line and column
 * are recovered from offsets when an error is reported.
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

/**
 * The Chevrotain lexer for these token types. It is the reference for the
 * hand-written `lex` below (which must produce the same tokens and errors)
 * and is built only when asked for.
 */
let refLexer: Lexer | undefined;
export const referenceLexer = (): Lexer =>
  (refLexer ??= new Lexer(ALL_TOKENS, {
    positionTracking: 'onlyOffset',
    ensureOptimizations: true,
  }));

export interface LexError {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
}

export interface LexResult {
  readonly tokens: IToken[];
  /** offsets and messages of characters no token matches */
  readonly errors: LexError[];
}

function lexMessage(source: string, offset: number): string {
  const ch = source[offset] ?? '';
  return ch === '"'
    ? 'unterminated string (expected a closing \'"\' on the same line)'
    : ch === "'"
      ? "unterminated character literal (expected a closing \"'\" on the same line)"
      : `unexpected character '${ch === '\t' ? '\\t' : ch}'`;
}

/** Lex with Chevrotain's own lexer (the reference; slower). */
export function referenceLex(source: string): LexResult {
  const r = referenceLexer().tokenize(source);
  return { tokens: r.tokens, errors: r.errors.map((e) => ({ offset: e.offset, length: e.length, message: lexMessage(source, e.offset) })) };
}

/*
 * The hand-written lexer. Chevrotain's lexer tries the token patterns (regular
 * expressions) in order at every position; on this line-oriented language a
 * direct scan by first character is several times faster and allocates less:
 * skipped whitespace and comments create nothing, and the images of register
 * names and mnemonics written in one case are shared strings found through a
 * small hash table, not fresh substrings. The tokens have exactly the shape
 * Chevrotain's lexer gives with positionTracking "onlyOffset" ({ image,
 * startOffset, tokenTypeIdx, tokenType }), and the parser consumes them
 * unchanged. The rules, and `referenceLex` agreeing with them:
 *
 * - a word [A-Za-z_][A-Za-z0-9_]* is a Register if it is a register name in
 *   any case, else a Mnemonic if it is one in any case and does not start
 *   with a register name, else an Identifier (the regex alternations, tried in
 *   ALL_TOKENS order, with longer_alt Identifier amount to exactly this);
 * - a run starting with a digit is a Number; `.` + word is a Directive;
 * - strings and characters end on the same line; `\\` escapes any character
 *   but a line terminator (\n \r \u2028 \u2029: what the regex `.` excludes);
 * - a character nothing matches starts an error that extends over the
 *   characters after it until one where some token matches again (Chevrotain's
 *   recovery), reported once at its start.
 */

/** character classes (ASCII; everything else is 0 = no token starts here) */
const C_WORD = 1; // A-Z a-z _
const C_DIGIT = 2;
const C_SPACE = 3; // space \t \f \v
const C_PUNCT = 4; // , : ( ) + - * /
const CLASS = new Uint8Array(128);
for (let c = 65; c <= 90; c++) CLASS[c] = CLASS[c + 32] = C_WORD;
CLASS[95] = C_WORD;
for (let c = 48; c <= 57; c++) CLASS[c] = C_DIGIT;
for (const c of [32, 9, 12, 11]) CLASS[c] = C_SPACE;
const PUNCT: (TokenType | undefined)[] = new Array(128).fill(undefined);
for (const [ch, t] of [
  [',', Comma],
  [':', Colon],
  ['(', LParen],
  [')', RParen],
  ['+', Plus],
  ['-', Minus],
  ['*', Star],
  ['/', Slash],
] as const) {
  PUNCT[ch.charCodeAt(0)] = t;
  CLASS[ch.charCodeAt(0)] = C_PUNCT;
}
const PUNCT_IMAGE: string[] = PUNCT.map((t, c) => (t ? String.fromCharCode(c) : ''));

/** word characters: A-Z a-z 0-9 _ */
const isWordChar = (c: number): boolean => c < 128 && (CLASS[c] === C_WORD || CLASS[c] === C_DIGIT);

/** Interned keyword spellings (all-lower and all-upper case, the usual ones), found by hash without a substring. */
const KW_BITS = 11;
const KW_SIZE = 1 << KW_BITS;
const kwImage: (string | undefined)[] = new Array(KW_SIZE).fill(undefined);
const kwType: (TokenType | undefined)[] = new Array(KW_SIZE).fill(undefined);
const kwHashStep = (h: number, c: number): number => (Math.imul(h, 31) + c) | 0;
const kwSlot = (h: number): number => (h ^ (h >>> KW_BITS)) & (KW_SIZE - 1);

/** Any spelling (lower case) → its token type: the slow path for mixed case. */
const KEYWORD_TYPE = new Map<string, TokenType>();
const MNEMONIC_WORDS = new Set([...INSTRUCTIONS.map((s) => s.mnemonic as string), ...PSEUDO_MNEMONICS]);
// Chevrotain tries Register before Mnemonic: a word that starts with a register
// name (`spsw`) is an Identifier by longer_alt, and Mnemonic is never tried.
const REGISTER_PREFIX = new RegExp(`^(?:${alternation(REGISTERS.keys())})`, 'i');
for (const m of MNEMONIC_WORDS) KEYWORD_TYPE.set(m.toLowerCase(), REGISTER_PREFIX.test(m) ? Identifier : Mnemonic);
for (const r of REGISTERS.keys()) KEYWORD_TYPE.set(r.toLowerCase(), Register); // registers win, as in ALL_TOKENS order
for (const [w, t] of KEYWORD_TYPE)
  for (const sp of new Set([w, w.toUpperCase()])) {
    let h = 0;
    for (let i = 0; i < sp.length; i++) h = kwHashStep(h, sp.charCodeAt(i));
    let k = kwSlot(h);
    while (kwImage[k] !== undefined) k = (k + 1) & (KW_SIZE - 1);
    kwImage[k] = sp;
    kwType[k] = t;
  }

const MAX_KEYWORD = Math.max(...[...KEYWORD_TYPE.keys()].map((w) => w.length));

/** does `s` at `from` (length `len`) spell exactly `w`? */
function sameText(s: string, from: number, len: number, w: string): boolean {
  if (w.length !== len) return false;
  for (let i = 0; i < len; i++) if (s.charCodeAt(from + i) !== w.charCodeAt(i)) return false;
  return true;
}

const tok = (image: string, startOffset: number, tokenType: TokenType): IToken =>
  ({ image, startOffset, tokenTypeIdx: tokenType.tokenTypeIdx!, tokenType }) as IToken;

/** End of a quoted literal starting at `i` (the quote), or -1 if it does not end on its line. */
function quotedEnd(s: string, i: number, end: number, q: number): number {
  for (let j = i + 1; j < end; ) {
    const c = s.charCodeAt(j);
    if (c === q) return j + 1;
    if (c === 10 || c === 13) return -1;
    if (c === 92) {
      if (j + 1 >= end) return -1;
      const n = s.charCodeAt(j + 1);
      if (n === 10 || n === 13 || n === 0x2028 || n === 0x2029) return -1;
      j += 2;
    } else j++;
  }
  return -1;
}

/** Can some token (skipped ones included) start at `i`? */
function tokenStartsAt(s: string, i: number, end: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 128 && CLASS[c] !== 0) return true;
  switch (c) {
    case 10:
    case 13:
    case 59: // ;
      return true;
    case 34: // "
    case 39: // '
      return quotedEnd(s, i, end, c) >= 0;
    case 46: {
      // .
      const n = i + 1 < end ? s.charCodeAt(i + 1) : 0;
      return n < 128 && CLASS[n] === C_WORD;
    }
  }
  return false;
}

/** Set token `n` of `tokens`: a new token, or the old object there reused. */
function put(tokens: IToken[], n: number, image: string, startOffset: number, tokenType: TokenType): void {
  const t = tokens[n];
  if (t === undefined) tokens.push(tok(image, startOffset, tokenType));
  else {
    t.image = image;
    t.startOffset = startOffset;
    t.tokenTypeIdx = tokenType.tokenTypeIdx!;
    t.tokenType = tokenType;
  }
}

/**
 * Tokenize `source` from `from` to `to` (offsets are in `source`), like
 * Chevrotain's lexer with positionTracking "onlyOffset".
 */
export function lex(source: string, from = 0, to = source.length): LexResult {
  const tokens: IToken[] = [];
  const errors: LexError[] = [];
  lexInto(source, from, to, tokens, errors);
  return { tokens, errors };
}

/**
 * `lex` into `pool`, appending to `errors`: the pool's token objects (left by
 * an earlier call, no longer needed) are overwritten, and more are added if
 * needed; returns the number of tokens (the pool is never shortened). The
 * parser reads a slice's tokens only while it parses that slice, so the fast
 * path lexes every slice into the same objects instead of allocating some
 * 800,000 short-lived ones per 100,000 lines.
 */
export function lexInto(source: string, from: number, to: number, pool: IToken[], errors: LexError[]): number {
  const tokens = pool;
  const s = source;
  let n = 0;
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    const cls = c < 128 ? CLASS[c]! : 0;
    if (cls === C_SPACE) {
      i++;
      while (i < to) {
        const d = s.charCodeAt(i);
        if (d >= 128 || CLASS[d] !== C_SPACE) break;
        i++;
      }
      continue;
    }
    if (cls === C_WORD) {
      const start = i;
      let h = kwHashStep(0, c);
      i++;
      while (i < to) {
        const d = s.charCodeAt(i);
        if (!isWordChar(d)) break;
        h = kwHashStep(h, d);
        i++;
      }
      const len = i - start;
      let k = kwSlot(h);
      let w: string | undefined;
      while ((w = kwImage[k]) !== undefined) {
        if (sameText(s, start, len, w)) break;
        k = (k + 1) & (KW_SIZE - 1);
      }
      if (w !== undefined) put(tokens, n++, w, start, kwType[k]!);
      else {
        const image = s.slice(start, i);
        put(tokens, n++, image, start, (len <= MAX_KEYWORD ? KEYWORD_TYPE.get(image.toLowerCase()) : undefined) ?? Identifier);
      }
      continue;
    }
    if (cls === C_PUNCT) {
      put(tokens, n++, PUNCT_IMAGE[c]!, i, PUNCT[c]!);
      i++;
      continue;
    }
    if (cls === C_DIGIT) {
      const start = i;
      i++;
      while (i < to && isWordChar(s.charCodeAt(i))) i++;
      put(tokens, n++, s.slice(start, i), start, NumberLit);
      continue;
    }
    switch (c) {
      case 10:
        put(tokens, n++, '\n', i, Newline);
        i++;
        continue;
      case 13:
        if (i + 1 < to && s.charCodeAt(i + 1) === 10) {
          put(tokens, n++, '\r\n', i, Newline);
          i += 2;
        } else {
          put(tokens, n++, '\r', i, Newline);
          i++;
        }
        continue;
      case 59: // ; comment
        i++;
        while (i < to) {
          const d = s.charCodeAt(i);
          if (d === 10 || d === 13) break;
          i++;
        }
        continue;
      case 34:
      case 39: {
        const e = quotedEnd(s, i, to, c);
        if (e < 0) break;
        put(tokens, n++, s.slice(i, e), i, c === 34 ? StringLit : CharLit);
        i = e;
        continue;
      }
      case 46: {
        const d = i + 1 < to ? s.charCodeAt(i + 1) : 0;
        if (d >= 128 || CLASS[d] !== C_WORD) break;
        const start = i;
        i += 2;
        while (i < to && isWordChar(s.charCodeAt(i))) i++;
        put(tokens, n++, s.slice(start, i), start, Directive);
        continue;
      }
    }
    // no token starts here: skip to where one does
    const start = i;
    i++;
    while (i < to && !tokenStartsAt(s, i, to)) i++;
    errors.push({ offset: start, length: i - start, message: lexMessage(s, start) });
  }
  return n;
}

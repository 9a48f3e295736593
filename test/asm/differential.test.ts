// The fast paths of the assembler against their references, on the same inputs:
// the hand-written lexer against Chevrotain's lexer, the one-token-lookahead
// grammar against the line-by-line one. Random inputs use a fixed seed.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lex, referenceLex } from '../../src/asm/lexer.js';
import { parse, parseEachLine, toStmts, type ParseResult } from '../../src/asm/parser.js';
import { programs } from '../library.js';

function tokens(r: ReturnType<typeof lex>) {
  return {
    tokens: r.tokens.map((t) => [t.image, t.startOffset, t.tokenType.name, t.tokenTypeIdx]),
    errors: r.errors.map((e) => [e.offset, e.length, e.message]),
  };
}
// the statements are compact data (typed arrays): compare them in their object form
const view = (r: ParseResult) => ({ stmts: toStmts(r.prog), errors: r.errors, broken: r.broken });
const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `n${v}` : v instanceof Set ? [...v] : v));

const sources = [...programs().map((p) => p.source), ...['all-syntax.s', 'hello.s', 'segments.s'].map((f) => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8'))];

const LEX_ALPHABET = ['a', 'Z', '_', '0', '9', 'x', 'r1', 'R15', 'Sp', 'lR', 'ADD', 'add', 'beqz', 'b', 'r16', ' ', '\t', '\n', '\r', '\r\n', ';', '"', "'", '\\', '.', '.x', ',', ':', '(', ')', '+', '-', '*', '/', '@', 'é', '\u2028', 'spsw', 'SpSw', '\0', '0x1F', 'li', 'halt', '.word', '\\n', '"ab"', "'c'"];
const PARSE_ALPHABET = ['x', 'L1', 'add', 'ld', 'li', 'r1', 'SP', ':', ',', '(', ')', '+', '-', '*', '/', '3', '0x1f', '0x', "'a'", "'ab'", '"s"', '.word', '.equ', '.org', 'r2', '(r3)', '4(r5)', ' ', '\n', ';c', '@', "'\\q'", 'spsw', '1a'];
const text = (alphabet: string[]) => fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 }).map((xs) => xs.join(''));

describe('the hand-written lexer gives exactly what Chevrotain\'s lexer gives', () => {
  it('on every program and fixture', () => {
    for (const s of sources) expect(tokens(lex(s))).toEqual(tokens(referenceLex(s)));
  });
  it('on random token soup (seeded)', () => {
    fc.assert(fc.property(text(LEX_ALPHABET), (s) => {
      expect(tokens(lex(s))).toEqual(tokens(referenceLex(s)));
    }), { seed: 20261120, numRuns: 20000 });
  });
});

describe('the fast grammar parses exactly as the line-by-line grammar', () => {
  it('on every program and fixture', () => {
    for (const s of sources) expect(json(view(parse(s)))).toBe(json(view(parseEachLine(s))));
  });
  it('on random statements (seeded)', () => {
    fc.assert(fc.property(text(PARSE_ALPHABET), fc.boolean(), (s, nl) => {
      const src = s + (nl ? '\n' : '');
      expect(json(view(parse(src)))).toBe(json(view(parseEachLine(src))));
    }), { seed: 20261121, numRuns: 20000 });
  });
});

/**
 * Readable colours: every text colour the playground uses, against the
 * background it is drawn on, meets WCAG 2's 4.5:1 for normal text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PG32_COLOURS } from '../../web/src/editor/pg32.js';

const css = readFileSync(new URL('../../web/src/style.css', import.meta.url), 'utf8');
const vars = new Map([...css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!]));
const v = (name: string) => {
  const c = vars.get(name);
  if (!c) throw new Error(`style.css has no --${name}`);
  return c;
};

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

describe('colours', () => {
  it('computes contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  const pairs: [string, string, string][] = [
    ['text on the page', v('ink'), v('bg')],
    ['text on panels', v('ink'), v('panel')],
    ['muted text on panels', v('muted'), v('panel')],
    ['muted text on the page', v('muted'), v('bg')],
    ['links and buttons', v('accent'), v('panel')],
    ['button text on the accent', v('accent-ink'), v('accent')],
    ['a changed value', v('changed'), v('changed-bg')],
    ['good news', v('good'), v('good-bg')],
    ['bad news', v('bad'), v('bad-bg')],
    ['a word in the relocation window', v('ink'), v('window')],
    ['the next instruction', v('ink'), v('pc')],
    ...Object.entries(PG32_COLOURS).map(([k, c]): [string, string, string] => [`the editor's ${k}`, c, '#ffffff']),
    ...Object.entries(PG32_COLOURS).map(([k, c]): [string, string, string] => [`the editor's ${k} on the current line`, c, v('pc')]),
  ];
  for (const [what, fg, bg] of pairs) {
    it(`${what}: ${fg} on ${bg} is at least 4.5:1`, () => {
      expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
    });
  }
});

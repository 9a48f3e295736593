/**
 * The semantics' own constants: every integer literal written in the code
 * that executes instructions, found in its source text
 * (Function.prototype.toString, which every JavaScript engine offers).
 *
 * A sensitivity can hide behind one value out of 2³² — `add` that sets IE
 * only when rs is 0x1234 — and no sample of random states finds it. But a
 * condition like that is written somewhere, as a literal; the checker puts
 * each literal (and its neighbours) among the values it tries for every
 * field. Verdicts still come from execution alone: the literals only choose
 * where to look. A value the code computes without writing it (0x1233 + 1
 * is found, Math.imul(0x9e37, 0x79b1) is not) stays beyond this.
 */

/** Integer literals in source text: decimal, 0x, 0b, 0o, with or without _ separators; not parts of names or decimals. */
const LITERAL = /(?<![\w$.])(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*)(?![\w$.])/g;

/** The 32-bit values the integer literals in a text name, as written (no neighbours). */
export function literalsIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(LITERAL)) {
    const v = Number(m[1]!.replace(/_/g, ''));
    if (Number.isSafeInteger(v) && v <= 0xffffffff) out.push(v);
  }
  return out;
}

/** Every distinct 32-bit value a literal in `code` names, with its neighbours and its negation, as int32. */
export function constantsIn(code: readonly (string | ((...args: never[]) => unknown) | object)[]): number[] {
  const found = new Set<number>();
  for (const c of code) {
    const text = typeof c === 'string' ? c : typeof c === 'function' ? Function.prototype.toString.call(c) : Object.values(c).map(String).join('\n');
    for (const m of text.matchAll(LITERAL)) {
      const v = Number(m[1]!.replace(/_/g, ''));
      if (!Number.isSafeInteger(v) || v > 0xffffffff) continue;
      for (const x of [v, v - 1, v + 1, -v]) found.add(x | 0);
    }
  }
  return [...found].sort((a, b) => a - b);
}

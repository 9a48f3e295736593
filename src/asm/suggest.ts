/**
 * "Did you mean …?" for the assembler's messages: the closest known word to
 * a misspelt mnemonic, directive, symbol or ISA name, the way compilers
 * (clang, rustc) suggest one. Only close words are offered: a suggestion
 * that is not what the student meant is worse than none.
 */

/** Damerau–Levenshtein distance (optimal string alignment): insert, delete, substitute, swap two neighbours. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/**
 * The candidates closest to `word` (at most three, in the order given), or
 * none if none is close enough. A candidate that differs only in case wins
 * outright (labels are case-sensitive, so `Loop` for `loop` is the commonest
 * slip); otherwise the distance, compared without case, must be at most 1
 * for short words and 2 for longer ones, and among the closest a missing or
 * doubled letter ranks before a wrong one.
 */
export function closest(word: string, candidates: Iterable<string>): string[] {
  const w = word.toLowerCase();
  const limit = w.length <= 3 ? 1 : 2;
  let best: string[] = [];
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const lc = c.toLowerCase();
    if (lc === w) return [c];
    if (Math.abs(lc.length - w.length) > limit) continue;
    const e = editDistance(w, lc);
    if (e > limit) continue;
    // Among equally close words, a letter typed twice or left out (`addd` for `add`) is likelier than a wrong one (`addi`).
    const d = e + (lc.length === w.length ? 0.25 : 0);
    if (d > bestD) continue;
    if (d < bestD) best = [];
    bestD = d;
    if (!best.includes(c)) best.push(c);
  }
  return best.slice(0, 3);
}

/** ` (did you mean 'x'?)`, ` (did you mean 'x' or 'y'?)`, or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates).map((s) => `'${s}'`);
  if (!c.length) return '';
  return ` (did you mean ${c.length === 1 ? c[0] : `${c.slice(0, -1).join(', ')} or ${c[c.length - 1]}`}?)`;
}

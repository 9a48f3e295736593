/**
 * Expressions for `print`, `x`, `break … if`, `watch *…`: C-like, over
 * 32-bit integers, the machine's registers and PSW, and the program's
 * symbols.
 *
 *   numbers    12  -5  0x1f  0b101  'A'
 *   registers  r0–r15, lr, sp (also written $r1, $sp as in gdb); pc, flags, base, bound, timer
 *   symbols    labels and .equ names of the program
 *   operators  * / % + - << >> & ^ | == != < <= > >= && || ! ~ unary -, ( )
 *   memory     *EXPR: the word at virtual address EXPR (through the current relocation)
 *
 * Errors are one line, returned as values, never thrown at the user.
 */

export interface ExprContext {
  /** register n's value */
  reg(n: number): number;
  /** pc, flags, base, bound, timer */
  special(name: string): number | undefined;
  symbol(name: string): number | undefined;
  /** the word at virtual address a, or an error line */
  load(a: number): number | string;
  /** names to suggest when a symbol is unknown */
  symbolNames(): Iterable<string>;
}

export const REGISTER_NUMBERS: Readonly<Record<string, number>> = (() => {
  const m: Record<string, number> = Object.create(null);
  for (let i = 0; i < 16; i++) m[`r${i}`] = i;
  m.lr = 14;
  m.sp = 15;
  return m;
})();

export const SPECIALS = ['pc', 'flags', 'base', 'bound', 'timer'] as const;

type Tok = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

const OPS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '(', ')'];

function lex(s: string): Tok[] | string {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(0x[0-9a-f]+|0b[01]+|\d+)(?![0-9a-z_])/i.exec(s.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[1]!.toLowerCase().startsWith('0b') ? parseInt(num[1]!.slice(2), 2) : num[1]) });
      i += num[0].length;
      continue;
    }
    const ch = /^'(\\[ntr0\\'"]|[^\\'])'/.exec(s.slice(i));
    if (ch) {
      const body = ch[1]!;
      const esc: Record<string, number> = { '\\n': 10, '\\t': 9, '\\r': 13, '\\0': 0, '\\\\': 92, "\\'": 39, '\\"': 34 };
      out.push({ t: 'num', v: body.length === 1 ? body.codePointAt(0)! : esc[body]! });
      i += ch[0].length;
      continue;
    }
    const id = /^\$?[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (!op) return `unexpected '${c}' in expression`;
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

const BINARY: readonly (readonly string[])[] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

class Fail {
  constructor(readonly message: string) {}
}

/** Evaluate `text` to a 32-bit value (returned as a signed number), or an error line. */
export function evaluate(text: string, ctx: ExprContext): { value: number } | { error: string } {
  if (!text.trim()) return { error: 'an expression is needed' };
  const toks = lex(text);
  if (typeof toks === 'string') return { error: toks };
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v: string) => {
    const t = toks[p];
    return t !== undefined && t.t === 'op' && t.v === v;
  };

  const binary = (level: number): number => {
    if (level >= BINARY.length) return unary();
    let v = binary(level + 1);
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'op' || !BINARY[level]!.includes(t.v)) return v;
      p++;
      const w = binary(level + 1);
      v = apply(t.v, v, w);
    }
  };
  const unary = (): number => {
    const t = peek();
    if (t?.t === 'op') {
      if (t.v === '-') return (p++, -unary() | 0);
      if (t.v === '~') return (p++, ~unary());
      if (t.v === '!') return (p++, unary() === 0 ? 1 : 0);
      if (t.v === '+') return (p++, unary());
      if (t.v === '*') {
        p++;
        const a = unary();
        const w = ctx.load(a >>> 0);
        if (typeof w === 'string') throw new Fail(w);
        return w;
      }
    }
    return primary();
  };
  const primary = (): number => {
    const t = toks[p++];
    if (!t) throw new Fail('the expression ends too soon');
    if (t.t === 'num') {
      if (t.v > 0xffffffff) throw new Fail(`${t.v} does not fit in 32 bits`);
      return t.v | 0;
    }
    if (t.t === 'op') {
      if (t.v !== '(') throw new Fail(`unexpected '${t.v}'`);
      const v = binary(0);
      if (!isOp(')')) throw new Fail("missing ')'");
      p++;
      return v;
    }
    const name = t.v.startsWith('$') ? t.v.slice(1) : t.v;
    const lower = name.toLowerCase();
    if (Object.hasOwn(REGISTER_NUMBERS, lower)) return ctx.reg(REGISTER_NUMBERS[lower]!) | 0;
    if ((SPECIALS as readonly string[]).includes(lower)) return ctx.special(lower)! | 0;
    const sym = ctx.symbol(name);
    if (sym !== undefined) return sym | 0;
    throw new Fail(`no symbol '${name}' in the program${suggest(name, ctx.symbolNames())}`);
  };

  try {
    const v = binary(0);
    if (p < toks.length) {
      const t = toks[p]!;
      return { error: `unexpected '${t.t === 'num' ? String(t.v) : t.v}' after the expression` };
    }
    return { value: v | 0 };
  } catch (e) {
    if (e instanceof Fail) return { error: e.message };
    throw e;
  }
}

function apply(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return (a + b) | 0;
    case '-':
      return (a - b) | 0;
    case '*':
      return Math.imul(a, b);
    case '/':
      if (b === 0) throw new Fail('division by zero');
      return (a / b) | 0;
    case '%':
      if (b === 0) throw new Fail('division by zero');
      return a % b | 0;
    case '<<':
      return a << b;
    case '>>':
      return a >> b;
    case '&':
      return a & b;
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '&&':
      return a !== 0 && b !== 0 ? 1 : 0;
    case '||':
      return a !== 0 || b !== 0 ? 1 : 0;
  }
  throw new Fail(`unknown operator '${op}'`);
}

/** ` (did you mean 'x'?)` for the closest name, or nothing. */
export function suggest(name: string, names: Iterable<string>): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = distance(name.toLowerCase(), n.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) ? ` (did you mean '${best}'?)` : '';
}

/** Edit distance, a swap of two neighbours counting one (Damerau): `fcat` is one from `fact`. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

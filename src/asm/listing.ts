/**
 * An assembly listing, in the manner of `as -a`: for every source line, the
 * line number, the address and the words it produced (in hex), and the text.
 * Lines producing more than WORDS_PER_ROW words continue on extra rows.
 *
 *   line  address   words                                source
 *      3  0x0010    0x10100005                           start:  li r1, 5
 */
import type { Image } from '../image.js';
import { hex32 } from './disassemble.js';

const WORDS_PER_ROW = 3;
/** rows per source line; longer output (a big .space or .string) is elided */
const MAX_ROWS = 4;
const WORDS_COL = WORDS_PER_ROW * 11;

export function listing(image: Image, file?: string): string {
  const name = file ?? image.sources?.keys().next().value;
  const text = name === undefined ? undefined : image.sources?.get(name);
  // line → addresses, in address order
  const byLine = new Map<number, number[]>();
  let maxLine = text?.length ?? 0;
  for (const [addr, loc] of image.sourceMap) {
    if (name !== undefined && loc.file !== name) continue;
    const l = byLine.get(loc.line);
    if (l) l.push(addr);
    else byLine.set(loc.line, [addr]);
    if (loc.line > maxLine) maxLine = loc.line;
  }
  const words = new Map<number, number>();
  for (const s of image.segments) for (let i = 0; i < s.words.length; i++) words.set(s.origin + i, s.words[i]!);
  const out: string[] = [`${'line'.padStart(6)}  ${'address'.padEnd(10)}${'words'.padEnd(WORDS_COL)}source`];
  const addrCol = (a: number | undefined) => (a === undefined ? '' : '0x' + a.toString(16).padStart(4, '0')).padEnd(10);
  for (let ln = 1; ln <= maxLine; ln++) {
    const src = text?.[ln - 1] ?? '';
    const addrs = (byLine.get(ln) ?? []).sort((x, y) => x - y);
    if (addrs.length === 0) {
      out.push(`${String(ln).padStart(6)}  ${addrCol(undefined)}${''.padEnd(WORDS_COL)}${src}`.trimEnd());
      continue;
    }
    const shown = Math.min(addrs.length, MAX_ROWS * WORDS_PER_ROW);
    for (let i = 0; i < shown; i += WORDS_PER_ROW) {
      const row = addrs.slice(i, i + WORDS_PER_ROW);
      const ws = row.map((a) => hex32(words.get(a) ?? 0)).join(' ');
      const lineNo = i === 0 ? String(ln).padStart(6) : ''.padStart(6);
      out.push(`${lineNo}  ${addrCol(row[0])}${ws.padEnd(WORDS_COL)}${i === 0 ? src : ''}`.trimEnd());
    }
    if (shown < addrs.length) out.push(`${''.padStart(6)}  ${addrCol(addrs[shown])}... ${addrs.length - shown} more words`);
  }
  const syms = [...image.symbols].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (syms.length) {
    out.push('', 'symbols:');
    for (const [n, v] of syms) out.push(`  ${n.padEnd(24)} ${image.labels.has(n) ? 'label' : 'equ  '} ${v} (0x${(v >>> 0).toString(16)})`);
  }
  out.push('', `entry: 0x${image.entry.toString(16).padStart(4, '0')}`);
  return out.join('\n') + '\n';
}

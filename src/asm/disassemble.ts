/**
 * Table-driven disassembler. Every instruction prints in the assembler's own
 * syntax, so `disassembleImage` output re-assembles to identical words.
 * Words that no instruction of the ISA defines (unassigned opcode or a
 * reserved bit set) print as `.word 0x…`.
 */
import type { Image } from '../image.js';
import { ALL, getField, getSigned, opcodeOf, operandsOf, reservedMask, REGISTER_ALIASES, type Isa } from '../isa/table.js';

export interface DisasmOptions {
  /** address → label name, used for branch and jump targets */
  readonly symbols?: ReadonlyMap<number, string>;
  /** default ALL */
  readonly isa?: Isa;
}

const REG_NAMES: string[] = (() => {
  const names: string[] = [];
  for (let i = 0; i < 16; i++) names.push(`r${i}`);
  for (const [alias, n] of Object.entries(REGISTER_ALIASES)) names[n] = alias;
  return names;
})();

export const hex32 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const hexAddr = (n: number): string => '0x' + n.toString(16).padStart(4, '0');

/** One word as assembly text. `addr` is where it sits (for pc-relative targets). */
export function disassembleWord(word: number, addr: number, opts: DisasmOptions = {}): string {
  const isa = opts.isa ?? ALL;
  const spec = isa.byOpcode[opcodeOf(word)];
  if (!spec || (word & reservedMask(spec)) !== 0) return `.word ${hex32(word)}`;
  const parts: string[] = [];
  for (const o of operandsOf(spec)) {
    switch (o.kind) {
      case 'reg':
        parts.push(REG_NAMES[getField(word, o.field)]!);
        break;
      case 'simm16':
        parts.push(String(getSigned(word, o.field)));
        break;
      case 'uimm16':
      case 'shamt':
        parts.push(String(getField(word, o.field)));
        break;
      case 'mem':
        parts.push(`${getSigned(word, o.field)}(${REG_NAMES[getField(word, o.baseField!)]})`);
        break;
      case 'target': {
        const t = addr + 1 + getSigned(word, o.field);
        const name = opts.symbols?.get(t);
        parts.push(name ?? (t < 0 ? String(t) : hexAddr(t)));
        break;
      }
    }
  }
  return parts.length ? `${spec.mnemonic} ${parts.join(', ')}` : spec.mnemonic;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** address → first label there (labels only; names the assembler could read back) */
export function labelsByAddress(image: Image): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const [name, value] of image.symbols) {
    if (!image.labels.has(name) || !NAME_RE.test(name)) continue;
    const l = m.get(value);
    if (l) l.push(name);
    else m.set(value, [name]);
  }
  return m;
}

/**
 * A whole image as assembly text that re-assembles to the same words, entry
 * point, symbols and ISA: `.isa` when the program names one (or variant
 * instructions are decoded), `.org` per segment, labels from the symbol
 * table, `.equ` for constants.
 */
export function disassembleImage(image: Image, opts: { isa?: Isa } = {}): string {
  const labels = labelsByAddress(image);
  const first = new Map<number, string>();
  for (const [a, names] of labels) first.set(a, names[0]!);
  const isa = opts.isa ?? ALL;
  const dopts: DisasmOptions = { symbols: first, isa };
  const out: string[] = ['; disassembled by trapeze'];
  // what the program says it is written for, so the text re-assembles (variant instructions need it)
  if (image.isa !== undefined || isa.extensions.size > 0) out.push(`.isa ${opts.isa ? isa.name : (image.isa ?? isa.name)}`);
  for (const [name, value] of image.symbols)
    if (!image.labels.has(name) && NAME_RE.test(name) && Number.isSafeInteger(value)) out.push(`.equ ${name}, ${value}`);
  out.push(`.entry ${first.get(image.entry) ?? hexAddr(image.entry)}`);
  const placed = new Set<number>();
  for (const seg of image.segments) {
    out.push('', `.org ${hexAddr(seg.origin)}`);
    for (let i = 0; i < seg.words.length; i++) {
      const a = seg.origin + i;
      for (const n of labels.get(a) ?? []) out.push(`${n}:`);
      placed.add(a);
      const w = seg.words[i]!;
      const text = disassembleWord(w, a, dopts);
      out.push(`    ${text.padEnd(28)} ; ${hexAddr(a)}: ${hex32(w)}`);
    }
  }
  // labels at addresses that hold no word (e.g. the end of a program)
  const rest = [...labels.keys()].filter((a) => !placed.has(a) && a >= 0 && a <= 0xffffffff).sort((x, y) => x - y);
  for (const a of rest) {
    out.push('', `.org ${hexAddr(a)}`);
    for (const n of labels.get(a)!) out.push(`${n}:`);
  }
  return out.join('\n') + '\n';
}

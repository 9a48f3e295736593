/**
 * The program as the debugger sees it: which address a line or a label
 * names, which label an address lies after (`fact+3`), and the source
 * text. Built once per image.
 */
import type { Image } from '../image.js';

export interface LineCode {
  readonly file: string;
  readonly line: number;
  readonly addr: number;
}

export class SourceIndex {
  /** file → line → the first address the line emitted */
  private readonly lines = new Map<string, Map<number, number>>();
  /** labels sorted by address */
  private readonly labels: { name: string; addr: number }[];
  readonly files: readonly string[];

  constructor(readonly image: Image) {
    for (const [addr, loc] of image.sourceMap) {
      let m = this.lines.get(loc.file);
      if (!m) this.lines.set(loc.file, (m = new Map()));
      const a = m.get(loc.line);
      if (a === undefined || addr < a) m.set(loc.line, addr);
    }
    const files = new Set<string>([...(image.sources?.keys() ?? []), ...this.lines.keys()]);
    this.files = [...files];
    this.labels = [...image.symbols]
      .filter(([n]) => image.labels.has(n))
      .map(([name, addr]) => ({ name, addr }))
      .sort((a, b) => a.addr - b.addr || (a.name < b.name ? -1 : 1));
  }

  /** the main file: the entry point's, else the first */
  get mainFile(): string | undefined {
    return this.image.sourceMap.get(this.image.entry)?.file ?? this.files[0];
  }

  /** source lines of a file, when the image carries them */
  text(file: string): readonly string[] | undefined {
    return this.image.sources?.get(file);
  }

  /** Find a file by name: exactly, else by its last path component. */
  file(name: string): string | undefined {
    if (this.files.includes(name)) return name;
    const base = (f: string) => f.split(/[\\/]/).pop();
    return this.files.find((f) => base(f) === base(name));
  }

  /**
   * The address of a line's code, or of the next line that has code (gdb
   * does the same for a blank or comment line).
   */
  lineAddress(file: string, line: number): { addr: number; line: number } | { error: string } {
    const m = this.lines.get(file);
    const count = this.text(file)?.length;
    if (!m) return { error: `no code from ${file}` };
    if (line < 1 || (count !== undefined && line > count)) return { error: `line ${line} is outside ${file}${count !== undefined ? ` (it has ${count} lines)` : ''}` };
    let best: number | undefined;
    for (const l of m.keys()) if (l >= line && (best === undefined || l < best)) best = l;
    if (best === undefined) return { error: `no code at or after line ${line} of ${file}` };
    return { addr: m.get(best)!, line: best };
  }

  /** `fact` or `fact+3` for an address after a label (within 1024 words), else undefined */
  nearestLabel(addr: number): string | undefined {
    let lo = 0;
    let hi = this.labels.length - 1;
    let found: { name: string; addr: number } | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const l = this.labels[mid]!;
      if (l.addr <= addr) {
        found = l;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (!found || addr - found.addr > 1024) return undefined;
    // the first of several labels at one address
    const first = this.labels.find((l) => l.addr === found!.addr)!;
    return addr === first.addr ? first.name : `${first.name}+${addr - first.addr}`;
  }

  /** The label at or before addr and the next label after it: a routine's extent, for `disassemble`. */
  routine(addr: number): { from: number; to: number; name?: string } {
    let from = -1;
    let to = Infinity;
    let name: string | undefined;
    for (const l of this.labels) {
      if (l.addr <= addr && l.addr > from) {
        from = l.addr;
        name = l.name;
      }
      if (l.addr > addr && l.addr < to) to = l.addr;
    }
    return from < 0 ? { from: addr, to: Math.min(to, addr + 16) } : { from, to, ...(name ? { name } : {}) };
  }

  labelNames(): string[] {
    return this.labels.map((l) => l.name);
  }
}

const indexes = new WeakMap<Image, SourceIndex>();
export function sourceIndex(image: Image): SourceIndex {
  let s = indexes.get(image);
  if (!s) indexes.set(image, (s = new SourceIndex(image)));
  return s;
}

/**
 * An image: what the assembler produces and the machine loads.
 * The binary file format is in src/asm/imagefile.ts (documented in isa/IMAGE.md).
 */
export interface Segment {
  /** physical word address of words[0] */
  readonly origin: number;
  readonly words: Int32Array;
}

export interface SourceLine {
  readonly file: string;
  readonly line: number;
}

export interface Image {
  /** entry point: the initial pc (virtual = physical at reset: base 0) */
  readonly entry: number;
  /** non-overlapping, sorted by origin */
  readonly segments: readonly Segment[];
  /** labels and .equ names → value */
  readonly symbols: ReadonlyMap<string, number>;
  /** which names in `symbols` are labels (addresses), as opposed to .equ constants */
  readonly labels: ReadonlySet<string>;
  /** address → where the word came from; may be empty (e.g. an image without debug info) */
  readonly sourceMap: ReadonlyMap<number, SourceLine>;
  /** source text by file name, when known, for traces and check-stop messages */
  readonly sources?: ReadonlyMap<string, readonly string[]>;
  /**
   * The ISA the program is written for (its `.isa`, or the ISA it was
   * assembled for when one was asked for), as a name `resolveIsa` takes;
   * absent when the program did not say.
   */
  readonly isa?: string;
}

/** The source line of an address, as `file:line: text`, or undefined. */
export function describeAddress(image: Image | undefined, addr: number): string | undefined {
  const loc = image?.sourceMap.get(addr);
  if (!loc) return undefined;
  const text = image?.sources?.get(loc.file)?.[loc.line - 1]?.trim();
  return text ? `${loc.file}:${loc.line}: ${text}` : `${loc.file}:${loc.line}`;
}

/** Highest address + 1 that the image occupies. */
export function imageEnd(image: Image): number {
  let end = 0;
  for (const s of image.segments) end = Math.max(end, s.origin + s.words.length);
  return end;
}

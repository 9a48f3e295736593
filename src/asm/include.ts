/**
 * `.include "file.s"`: the named file's lines take the place of the
 * directive, so programs can share routines (programs/lib/) instead of
 * copying them.
 *
 * It is a textual step before the assembler proper, and it is the only part
 * that knows about more than one file: it expands every `.include` (nested
 * ones too), remembers for each line of the result which file and line it
 * came from, and afterwards maps error positions, line numbers in messages
 * and the image's source map back to those files. A source without
 * `.include` never comes here.
 *
 * The assembler core reads no files (it runs in the browser too): the
 * caller passes a reader. The CLI's reads the disk, relative to the
 * including file; tests pass a map.
 */
import type { SourceLine } from '../image.js';
import { SourceMapView } from '../sourcemaps.js';
import type { AsmError } from './assemble.js';
import { unescape } from './parser.js';

/**
 * Reads an included file. `path` is the name as written in the directive,
 * `from` the name of the including file. Returns the file's name as it
 * should appear in messages (also its identity, for cycle detection) and
 * its text, or a reason it cannot be read.
 */
export type IncludeReader = (path: string, from: string) => { name: string; text: string } | { error: string };

/** How deep `.include`s may nest (a cycle is reported before this is reached). */
export const MAX_INCLUDE_DEPTH = 32;

/** The expanded source and where each of its lines came from. */
export interface Expansion {
  readonly source: string;
  /** file names; index 0 is the top file */
  readonly files: readonly string[];
  /** per line of `source` (0-based): index into `files`, and the 1-based line there */
  readonly fileOf: Int32Array;
  readonly lineOf: Int32Array;
  /** each file's text, split into lines, for listings and check-stop messages */
  readonly texts: ReadonlyMap<string, readonly string[]>;
  /** errors of the directives themselves (bad syntax, unreadable file, cycle), in their own files */
  readonly errors: AsmError[];
  /** for each of `errors`, the line of `source` (1-based) where its directive stood, to sort by */
  readonly errorLines: number[];
}

/** A statement that is an `.include`: optional label, the directive, its operand text. */
const INCLUDE_LINE = /^(\s*(?:[A-Za-z_][A-Za-z0-9_]*\s*:\s*)?)(\.include)\b(.*)$/i;
/** the operand: one double-quoted name, then an optional comment */
const OPERAND = /^(\s*)"((?:[^"\\\r\n]|\\.)*)"\s*(?:;.*)?$/;

/** Does this source use `.include` at all? (Cheap test, so the common case pays nothing.) */
export function mayInclude(source: string): boolean {
  return /\.include/i.test(source);
}

export function expandIncludes(source: string, file: string, read: IncludeReader | undefined): Expansion {
  const out: string[] = [];
  const fileOf: number[] = [];
  const lineOf: number[] = [];
  const files: string[] = [file];
  const texts = new Map<string, readonly string[]>();
  const errors: AsmError[] = [];
  const errorLines: number[] = [];

  const walk = (text: string, name: string, index: number, stack: string[]): void => {
    const lines = text.split(/\r\n|\r|\n/);
    texts.set(name, lines);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const m = INCLUDE_LINE.exec(line);
      if (!m) {
        out.push(line);
        fileOf.push(index);
        lineOf.push(i + 1);
        continue;
      }
      // The label (if any) stays, on a line of its own: it names the first included word.
      out.push(m[1]!.trimEnd());
      fileOf.push(index);
      lineOf.push(i + 1);
      const col = m[1]!.length + 1;
      const err = (c: number, message: string) => {
        errors.push({ file: name, line: i + 1, col: c, message });
        errorLines.push(out.length);
      };
      const op = OPERAND.exec(m[3]!);
      if (!op) {
        err(col, '.include takes one file name in double quotes (.include "file.s")');
        continue;
      }
      const strCol = col + m[2]!.length + op[1]!.length;
      const path = unescape(op[2]!);
      if (path.error !== undefined || path.text === '') {
        err(strCol, path.error ?? '.include needs a file name');
        continue;
      }
      if (!read) {
        err(strCol, `.include "${path.text}": this assembler was given no way to read files`);
        continue;
      }
      const got = read(path.text, name);
      if ('error' in got) {
        err(strCol, `cannot include '${path.text}': ${got.error}`);
        continue;
      }
      if (got.name === name || stack.includes(got.name)) {
        err(strCol, `include cycle: ${[...stack, name, got.name].join(' → ')}`);
        continue;
      }
      if (stack.length + 1 >= MAX_INCLUDE_DEPTH) {
        err(strCol, `includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
        continue;
      }
      let k = files.indexOf(got.name);
      if (k < 0) k = files.push(got.name) - 1;
      walk(got.text, got.name, k, [...stack, name]);
    }
  };
  walk(source, file, 0, []);
  return { source: out.join('\n'), files, fileOf: Int32Array.from(fileOf), lineOf: Int32Array.from(lineOf), texts, errors, errorLines };
}

/**
 * Every error of an expanded assembly, in source order (as the reader meets
 * them, included files in place), each told in its own file.
 */
export function allErrors(x: Expansion, found: readonly AsmError[]): AsmError[] {
  const all = [
    ...x.errors.map((e, i) => ({ at: x.errorLines[i]!, col: e.col, e })),
    ...found.map((e) => ({ at: e.line, col: e.col, e: mapError(x, e) })),
  ];
  return all.sort((a, b) => a.at - b.at || a.col - b.col).map((a) => a.e);
}

/** Where line `line` (1-based) of the expanded source came from. */
export function origin(x: Expansion, line: number): SourceLine {
  const i = Math.min(Math.max(line - 1, 0), x.fileOf.length - 1);
  return { file: x.files[x.fileOf[i]!]!, line: x.lineOf[i]! };
}

/**
 * An error found in the expanded source, told in the file it came from.
 * Messages that mention another line ("first defined on line 12") name it
 * in its own file too.
 */
export function mapError(x: Expansion, e: AsmError): AsmError {
  const at = origin(x, e.line);
  const message = e.message.replace(/\b(on|by) line (\d+)/g, (_, word: string, n: string) => {
    const o = origin(x, Number(n));
    return o.file === at.file ? `${word} line ${o.line}` : `${word === 'on' ? 'at' : 'by'} ${o.file}:${o.line}`;
  });
  return { ...e, file: at.file, line: at.line, message };
}

/** An image source map over the expanded source, told in the original files. */
export class IncludedSourceMap extends SourceMapView {
  constructor(
    private readonly inner: ReadonlyMap<number, SourceLine>,
    private readonly x: Expansion,
  ) {
    super();
  }

  get size(): number {
    return this.inner.size;
  }

  get(addr: number): SourceLine | undefined {
    const s = this.inner.get(addr);
    return s && origin(this.x, s.line);
  }

  *entries(): MapIterator<[number, SourceLine]> {
    for (const [a, s] of this.inner) yield [a, origin(this.x, s.line)];
  }
}

/**
 * The programs in programs/, as the test suites see them: source, the ISA it
 * is written for (its `.isa NAME` directive, else pg32), its input
 * and its expected output.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PROGRAMS = join(ROOT, 'programs');

export interface Program {
  readonly name: string;
  readonly path: string;
  readonly source: string;
  readonly isa: string;
  readonly input: Uint8Array;
  readonly expected: string | undefined;
}

/**
 * The library (programs/lib/*.s) and files that some program pulls in with
 * `.include` (programs/vmm/core.s): parts of programs, not programs.
 */
export function includedFiles(): Set<string> {
  const all = (readdirSync(PROGRAMS, { recursive: true }) as string[]).filter((f) => f.endsWith('.s'));
  const parts = new Set<string>(all.filter((f) => f.startsWith('lib/')).map((f) => join(PROGRAMS, f)));
  for (const f of all) {
    for (const m of readFileSync(join(PROGRAMS, f), 'utf8').matchAll(/^\s*(?:[A-Za-z_]\w*\s*:\s*)?\.include\s+"([^"]+)"/gim)) {
      parts.add(join(PROGRAMS, dirname(f), m[1]!));
    }
  }
  return parts;
}

export function programs(): Program[] {
  const parts = includedFiles();
  return (readdirSync(PROGRAMS, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.s') && !parts.has(join(PROGRAMS, f)))
    .sort()
    .map((f) => {
      const path = join(PROGRAMS, f);
      const source = readFileSync(path, 'utf8');
      const isa = /^[ \t]*\.isa[ \t]+([^\s;]+)/im.exec(source)?.[1] ?? 'pg32';
      const inputPath = path.replace(/\.s$/, '.input');
      const expectedPath = path.replace(/\.s$/, '.expected');
      return {
        name: relative(PROGRAMS, path),
        path,
        source,
        isa,
        input: existsSync(inputPath) ? new Uint8Array(readFileSync(inputPath)) : new Uint8Array(0),
        expected: existsSync(expectedPath) ? readFileSync(expectedPath, 'utf8') : undefined,
      };
    });
}

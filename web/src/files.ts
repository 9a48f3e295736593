/**
 * The programs/ folder as the page knows it (bundled at build time), and
 * `.include` read from it: a name is resolved against the including file's
 * folder, as the CLI resolves it on disk. The editor's own program sits at
 * the top of programs/, so `.include "lib/print.s"` finds programs/lib/.
 */
import examples from 'trapeze:examples';
import type { IncludeReader } from '../../src/asm/include.js';

const FILES: ReadonlyMap<string, string> = new Map(examples.map((e) => [e.path, e.source]));

/** `a/b/../c.s` → `a/c.s`; null if it climbs out of programs/. */
function normalize(path: string): string | null {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

export const includeProgramFile: IncludeReader = (path, from) => {
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
  const name = normalize(dir + path);
  const text = name === null ? undefined : FILES.get(name);
  if (name === null || text === undefined) return { error: `cannot include '${path}': the playground has only the files of programs/ (no ${name ?? path} there)` };
  return { name, text };
};

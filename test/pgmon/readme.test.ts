/**
 * programs/vmm/README.md walks one trapped `out` through the monitor with
 * line references: each reference must still point at the line it quotes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../library.js';

const DIR = join(ROOT, 'programs', 'vmm');
const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
const norm = (s: string) => s.trim().split(/\s+/).join(' ');

describe('programs/vmm/README.md', () => {
  const refs = [...readme.matchAll(/\[([\w./]+\.s):(\d+)\]\(\1#L\2\) \| `([^`]+)`/g)];

  it('walks through the trapped out with at least twenty line references', () => {
    expect(refs.length).toBeGreaterThanOrEqual(20);
  });

  for (const [, file, line, code] of refs) {
    it(`${file}:${line} holds \`${code}\``, () => {
      const lines = readFileSync(join(DIR, file!), 'utf8').split('\n');
      expect(norm(lines[Number(line) - 1] ?? '')).toContain(norm(code!));
    });
  }
});

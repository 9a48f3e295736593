// The manual (docs/MANUAL.md) and isa/REFERENCE.md are generated from
// isa/pg32.ts and docs/manual.in.md: regenerating them must give the
// committed files, so their tables cannot drift from the machine.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MANUAL_PATH, manualMarkdown, REFERENCE_PATH, referenceMarkdown } from '../../src/cli/gendoc.js';
import { undocumented } from '../../src/isa/gendoc.js';
import { INSTRUCTIONS, VARIANTS } from '../../src/isa/table.js';
import { DIRECTIVES } from '../../src/asm/assemble.js';

const ROOT = new URL('../../', import.meta.url);
const committed = (rel: string) => readFileSync(new URL(rel, ROOT), 'utf8');

describe('the generated documentation', () => {
  it('docs/MANUAL.md is what `npm run docs` generates (run it after changing isa/ or docs/manual.in.md)', () => {
    expect(committed(MANUAL_PATH) === manualMarkdown(), 'docs/MANUAL.md is stale: run npm run docs').toBe(true);
  });
  it('isa/REFERENCE.md is what `npm run docs` generates', () => {
    expect(committed(REFERENCE_PATH) === referenceMarkdown(), 'isa/REFERENCE.md is stale: run npm run docs').toBe(true);
  });
  it('every cause, port, low-storage word, directive and pseudo-instruction is explained', () => {
    expect(undocumented()).toEqual([]);
  });
  it('the manual covers every instruction, directive and variant, and the vt and hypercall interfaces', () => {
    const m = committed(MANUAL_PATH);
    for (const s of INSTRUCTIONS) expect(m, s.mnemonic).toContain(`<a id="${s.mnemonic}"></a>\`${s.mnemonic}`);
    for (const d of DIRECTIVES) expect(m, d).toContain(`| \`${d}`);
    for (const v of Object.keys(VARIANTS)) expect(m, v).toContain(`| \`${v}\` |`);
    for (const h of ['## 1 State', '## 2 Relocation', '## 3 Traps and interrupts', '## 6 Assembly language', 'Extension `vt`', 'Hypercalls: the paravirtual interface', '## 11 The image file'])
      expect(m).toContain(h);
  });
  it('the README links the manual in the repository, not the shared one outside it', () => {
    const readme = committed('README.md');
    expect(readme).toContain('](docs/MANUAL.md)');
    expect(readme).not.toContain('../shared/ISA.md');
  });
});

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

describe('the README', () => {
  it('its library example runs as written, with the results its comments give', async () => {
    const readme = committed('README.md');
    const code = /## The library[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const api = (await import('../../src/index.js')) as Record<string, unknown>;
    const names = /^import \{([^}]+)\} from 'trapeze';$/m.exec(code!)![1]!.split(',').map((n) => n.trim());
    for (const n of names) expect(api[n], n).toBeDefined();
    // each `expr; // value` line becomes a check that expr is value
    const checks: [string, unknown][] = [];
    const body = code!
      .replace(/^import .*$/m, '')
      .replace(/^(.+?);\s+\/\/ ('[^']*'|true|false|-?\d+)$/gm, (_, expr: string, value: string) => {
        checks.push([expr, value.startsWith("'") ? value.slice(1, -1) : JSON.parse(value)]);
        return `__results.push(${expr});`;
      });
    expect(checks.length).toBeGreaterThanOrEqual(3);
    const results: unknown[] = [];
    new Function('__api', '__results', `const { ${names.join(', ')} } = __api;\n${body}`)(api, results);
    expect(results).toEqual(checks.map(([, v]) => v));
  });
});

/**
 * trapeze classify: derive every instruction's Popek–Goldberg class by
 * executing it, give the theorems' verdicts, and check isa/'s declarations.
 */
import { classifyIsa, DEFAULT_SEED, DEFAULT_STATES } from '../checker/classify.js';
import { formatJson, formatMarkdown, formatText } from '../checker/report.js';
import { EXTENSIONS, resolveIsa, VARIANTS } from '../isa/table.js';
import { intFlag, parseArgs, stringFlag } from './args.js';
import { UsageError, type Io } from './io.js';

const USAGE = [
  'usage: trapeze classify [--isa NAME] [--format text|json|md] [--witnesses] [--states N] [--seed N]',
  '',
  "Classifies every instruction as privileged / control- / location- / mode-sensitive / innocuous by",
  "running it on the CPU in generated states and state pairs (ISA.md \"Classification\"), decides",
  "Popek & Goldberg's Theorems 1, 2 and 3 with the instructions that break them, and checks the",
  'classes declared in isa/ against what execution shows.',
  '',
  `  --isa NAME       pg32 (default), ${Object.keys(VARIANTS).slice(1).join(', ')}, or pg32+EXT+... (EXT: ${EXTENSIONS.join(' ')})`,
  '  --format F       text (default), json, or md',
  '  --witnesses      text: show the witnesses of every instruction, not only the sensitive ones',
  `  --states N       states tried per instruction (default ${DEFAULT_STATES})`,
  `  --seed N         seed for the random states (default ${DEFAULT_SEED}; the same seed gives the same report)`,
  '',
  'exit status: 0, or 1 if a declared class in isa/ disagrees with execution',
].join('\n');

export function classifyCommand(args: string[], io: Io): number {
  const p = parseArgs('classify', args, { isa: { value: true }, format: { value: true }, witnesses: {}, states: { value: true }, seed: { value: true }, help: { short: 'h' } }, USAGE);
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  if (p.positional.length) throw new UsageError(`trapeze classify: unexpected argument '${p.positional[0]}'\n${USAGE}`);
  const isa = resolveIsa(stringFlag(p, 'isa') ?? 'pg32');
  if ('error' in isa) throw new UsageError(`trapeze classify: ${isa.error}`);
  const format = stringFlag(p, 'format') ?? 'text';
  if (!['text', 'json', 'md'].includes(format)) throw new UsageError(`trapeze classify: --format must be text, json or md, not '${format}'`);
  const states = intFlag('classify', p, 'states', DEFAULT_STATES, 1, 1_000_000);
  const seed = intFlag('classify', p, 'seed', DEFAULT_SEED, 0, 0xffffffff);
  const report = classifyIsa(isa, { states, seed });
  io.out(format === 'json' ? formatJson(report) : format === 'md' ? formatMarkdown(report) : formatText(report, { witnesses: p.flags.has('witnesses') }));
  return report.disagreements.length ? 1 : 0;
}

/**
 * trapeze classify: derive every instruction's Popek–Goldberg class by
 * executing it, give the theorems' verdicts, and check isa/'s declarations.
 */
import { classifyIsa, DEFAULT_SEED, DEFAULT_STATES } from '../checker/classify.js';
import { CPU, reference, type Target } from '../checker/probe.js';
import { formatJson, formatMarkdown, formatText } from '../checker/report.js';
import { EXTENSIONS, resolveIsa, VARIANTS } from '../isa/table.js';
import { intFlag, parseArgs, stringFlag } from './args.js';
import { UsageError, type Io } from './io.js';

const USAGE = [
  'usage: trapeze classify [--isa NAME] [--format text|json|md] [--witnesses] [--states N] [--seed N]',
  '                        [--machine cpu|reference] [--oracle reference|none]',
  '',
  "Classifies every instruction as privileged / control- / location- / mode-sensitive / innocuous by",
  "running it on the CPU in generated states and state pairs (ISA.md \"Classification\"), decides",
  "Popek & Goldberg's Theorems 1, 2 and 3 with the instructions that break them, and checks the",
  'classes declared in isa/ against what execution shows. The states reach the corners of every',
  "field (bases across the whole storage, TIMER 0 to 2^32-1, register edges, the semantics' own",
  'constants); the report lists how many were tried and which values each field took. Every state',
  'also runs on the reference interpreter (src/ref), guest mode included, and one state in four',
  "through the CPU's translated code (the instruction made a region of its own by",
  'src/cpu/translate.ts); any state where they disagree is shown.',
  '',
  `  --isa NAME       pg32 (default), ${Object.keys(VARIANTS).slice(1).join(', ')}, or pg32+EXT+... (EXT: ${EXTENSIONS.join(' ')})`,
  '  --format F       text (default), json, or md',
  '  --witnesses      text: show the witnesses of every instruction, not only the sensitive ones',
  `  --states N       states tried per instruction (default ${DEFAULT_STATES})`,
  `  --seed N         seed for the random states (default ${DEFAULT_SEED}; the same seed gives the same report)`,
  '  --machine M      the machine probed: cpu (default) or reference (the reference interpreter)',
  '  --oracle O       reference (default when probing the cpu): run every state on it too; none: do not',
  '',
  'exit status: 0, or 1 if a declared class in isa/ disagrees with execution, or the CPU (interpreted',
  'or translated) and the reference interpreter disagree',
].join('\n');

export function classifyCommand(args: string[], io: Io): number {
  const p = parseArgs('classify', args, { isa: { value: true }, format: { value: true }, witnesses: {}, states: { value: true }, seed: { value: true }, machine: { value: true }, oracle: { value: true }, help: { short: 'h' } }, USAGE);
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
  const machines: Record<string, () => Target> = { cpu: () => CPU, reference: () => reference() };
  const machine = stringFlag(p, 'machine') ?? 'cpu';
  if (!Object.hasOwn(machines, machine)) throw new UsageError(`trapeze classify: --machine must be cpu or reference, not '${machine}'`);
  const oracle = stringFlag(p, 'oracle') ?? (machine === 'cpu' ? 'reference' : 'none');
  if (oracle !== 'reference' && oracle !== 'none') throw new UsageError(`trapeze classify: --oracle must be reference or none, not '${oracle}'`);
  const report = classifyIsa(isa, { states, seed, target: machines[machine]!(), oracle: oracle === 'reference' ? reference() : false });
  io.out(format === 'json' ? formatJson(report) : format === 'md' ? formatMarkdown(report) : formatText(report, { witnesses: p.flags.has('witnesses') }));
  return report.disagreements.length || report.discrepancies.length ? 1 : 0;
}

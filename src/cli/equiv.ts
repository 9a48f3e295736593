/**
 * trapeze equiv: run a program bare and virtualized and compare everything
 * a guest can leave behind.
 */
import { checkEquivalence, type EquivResult } from '../vmm/equiv.js';
import { intFlag, parseArgs, stringFlag } from './args.js';
import { loadFile, MACHINE_FLAGS, MACHINE_USAGE, machineOptions } from './common.js';
import { readInput, UsageError, type Io } from './io.js';
import { checkStackSize, DEFAULT_QUANTUM, exitCounts, exitNames, monitorFlag } from './vmm.js';
import { imageEnd } from '../image.js';

const DEFAULT_WORDS = 65536;
const DEFAULT_STEPS = 100_000_000;

const USAGE = [
  'usage: trapeze equiv FILE.s|FILE.img [options]',
  '',
  'Runs the program on the bare machine and under the monitor, and compares console output, final',
  'registers and PSW, final storage, stop reason and guest instruction count. If they differ, a',
  'lockstep replay names the first instruction after which they do.',
  '',
  '  --monitor M        trap-emulate (default), hybrid or hw',
  '  --depth N          monitors stacked (default 1)',
  '  --vms K            run K copies at once, each compared with the bare run (default 1)',
  `  --quantum Q        guest steps per time slice (default ${DEFAULT_QUANTUM})`,
  ...MACHINE_USAGE.map((l) => l.replace(/\(default \d+\)/, l.includes('--mem') ? `(default ${DEFAULT_WORDS})` : l.includes('--max-steps') ? `(default ${DEFAULT_STEPS})` : '$&')),
  '  --input FILE       console input, the same for the bare run and every VM (default: stdin)',
  '  --format F         text (default) or json',
  '',
  'exit status: 0 equivalent, 1 not equivalent (or an assembly error), 2 usage',
].join('\n');

export function equivCommand(args: string[], io: Io): number {
  const p = parseArgs(
    'equiv',
    args,
    { ...MACHINE_FLAGS, monitor: { value: true }, depth: { value: true }, vms: { value: true }, quantum: { value: true }, input: { value: true }, format: { value: true }, help: { short: 'h' } },
    USAGE,
  );
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  if (p.positional.length !== 1) throw new UsageError(`trapeze equiv: expected one program file, got ${p.positional.length}\n${USAGE}`);
  if (!p.flags.has('mem')) p.flags.set('mem', String(DEFAULT_WORDS));
  if (!p.flags.has('max-steps')) p.flags.set('max-steps', String(DEFAULT_STEPS));
  const opts = machineOptions('equiv', p);
  const format = stringFlag(p, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`trapeze equiv: --format must be text or json, not '${format}'`);
  const inputFile = stringFlag(p, 'input');
  const image = loadFile('equiv', io, p.positional[0]!, opts.isa);
  const options = {
    isa: opts.isa,
    monitor: monitorFlag('equiv', p),
    depth: intFlag('equiv', p, 'depth', 1, 1, 16),
    vms: intFlag('equiv', p, 'vms', 1, 1, 64),
    quantum: intFlag('equiv', p, 'quantum', DEFAULT_QUANTUM, 1, 1e9),
    memWords: opts.memWords,
    maxSteps: opts.maxSteps,
    input: inputFile !== undefined ? readInput(io, inputFile) : () => io.stdin(),
  };
  // The same checks `run` and `vmm` make, as one line each instead of an internal error.
  if (imageEnd(image) > opts.memWords) {
    const seg = image.segments.find((s) => s.origin + s.words.length > opts.memWords)!;
    throw new UsageError(`trapeze equiv: ${p.positional[0]}: image segment at ${seg.origin} (${seg.words.length} words) does not fit in ${opts.memWords} words of storage (try a larger --mem)`, 1);
  }
  checkStackSize('equiv', options.vms, options.depth, opts.memWords, options.monitor);
  const result = checkEquivalence(image, options);
  io.out(format === 'json' ? json(result) : text(result, p.positional[0]!));
  return result.equivalent ? 0 : 1;
}

function json(r: EquivResult): string {
  const { stats, ...rest } = r;
  return (
    JSON.stringify(
      {
        ...rest,
        stats: stats.map((s) => ({
          direct: s.direct,
          emulated: Object.fromEntries(s.emulated),
          interpreted: s.interpreted,
          traps: [...s.traps],
          reflected: [...s.reflected],
          entries: s.entries,
          exits: exitCounts(s.exits),
          guestMode: s.guestMode,
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

function text(r: EquivResult, file: string): string {
  const out: string[] = [];
  const s = r.stats[0]!;
  out.push(`${file}: ${r.equivalent ? 'EQUIVALENT' : 'NOT EQUIVALENT'} bare vs virtual`);
  out.push(`  bare:    ${r.bare.reason}, ${r.bare.instructions} instructions, output ${r.bare.output.length} chars, storage ${r.bare.storageHash}`);
  r.vms.forEach((v, i) => out.push(`  ${r.vms.length > 1 ? `vm${i + 1}:`.padEnd(8) : 'virtual:'} ${v.reason}, ${v.instructions} instructions, output ${v.output.length} chars, storage ${v.storageHash}`));
  out.push(`  monitor: ${s.direct} direct, ${s.emulations} emulated, ${s.interpreted} interpreted, ${[...s.reflected].reduce((a, b) => a + b, 0)} reflected`);
  if (s.entries) out.push(`  hw: ${s.entries} VM entries; exits: ${exitNames(s.exits)}`);
  if (!r.equivalent) {
    out.push('  differences:');
    for (const d of r.differences.slice(0, 20)) out.push(`    ${d}`);
    if (r.differences.length > 20) out.push(`    ... ${r.differences.length - 20} more`);
    if (r.divergence) {
      const d = r.divergence;
      out.push(`  first divergence: after step ${d.step + 1}, the instruction at pc ${d.pc}: ${d.instruction}`);
      for (const x of d.differences) out.push(`    ${x}`);
      out.push('  (an instruction that is sensitive but not privileged runs directly under the monitor and sees or changes the real state, not the virtual one; see trapeze classify)');
    }
  }
  return out.join('\n') + '\n';
}

/**
 * trapeze equiv: run a program bare and virtualized and compare everything
 * a guest can leave behind.
 */
import type { StopReason } from '../cpu/cpu.js';
import { describeAddress, imageEnd, type Image } from '../image.js';
import { CAUSES, type CauseName } from '../isa/table.js';
import { checkEquivalence, type EquivResult, type RunSummary } from '../vmm/equiv.js';
import { intFlag, parseArgs, stringFlag } from './args.js';
import { LOAD_FLAGS, LOAD_USAGE, loadMain, MACHINE_FLAGS, MACHINE_USAGE, machineOptions } from './common.js';
import { readInput, UsageError, type Io } from './io.js';
import { hex, hint, jsonText, stopName } from './outcome.js';
import { formatFlag } from './run.js';
import { checkStackSize, DEFAULT_QUANTUM, exitNames, monitorFlag, monitorJson } from './vmm.js';

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
  ...LOAD_USAGE,
  '  --input FILE       console input, the same for the bare run and every VM (default: stdin)',
  '  --format F         text (default) or json',
  '',
  'exit status: 0 equivalent, 1 not equivalent (or an assembly error), 2 usage',
].join('\n');

export async function equivCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs(
    'equiv',
    args,
    { ...MACHINE_FLAGS, ...LOAD_FLAGS, monitor: { value: true }, depth: { value: true }, vms: { value: true }, quantum: { value: true }, input: { value: true }, format: { value: true }, help: { short: 'h' } },
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
  const json = formatFlag('equiv', stringFlag(p, 'format'));
  const inputFile = stringFlag(p, 'input');
  const { image, isa } = await loadMain('equiv', io, p, p.positional[0]!, opts.isaFlag, opts.memWords);
  const options = {
    isa,
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
  io.out(json ? jsonText(resultJson(result, image, isa.name)) : text(result, p.positional[0]!, image));
  return result.equivalent ? 0 : 1;
}

/** The checker's lines name stop reasons as the CPU does; a person reads "step limit" for "budget". */
const words = (line: string) => line.replace(/\bbudget\b/g, 'step limit');

/** A run's summary with the stop named as `run --format json` names it, and a check-stop's source line and hint. */
function summaryJson(s: RunSummary, image: Image) {
  const { reason, checkStop, ...rest } = s;
  return { stop: stopName(reason), ...rest, ...(checkStop ? { checkStop: { ...checkStop, ...where(s, image) } } : {}) };
}

/** Where a check-stop happened: the source line, and what a student most likely did. */
function where(s: RunSummary, image: Image): { source?: string; hint?: string } {
  const c = s.checkStop;
  if (!c) return {};
  // The summary has the PSW after the trap sequence, not the old base: the guests' programs run unrelocated in their own storage.
  const phys = c.pc;
  const source = describeAddress(image, phys);
  const h = hint(image, phys, { cause: CAUSES[c.cause as CauseName] ?? 0, info: c.info, pc: c.pc, why: c.why });
  return { ...(source ? { source } : {}), ...(h ? { hint: h } : {}) };
}

function resultJson(r: EquivResult, image: Image, isa: string) {
  const { stats, bare, virtual, vms, differences, divergence, ...rest } = r;
  return {
    isa,
    ...rest,
    differences: differences.map(words),
    ...(divergence ? { divergence: { ...divergence, differences: divergence.differences.map(words) } } : {}),
    bare: summaryJson(bare, image),
    virtual: summaryJson(virtual, image),
    vms: vms.map((v) => summaryJson(v, image)),
    stats: stats.map(monitorJson),
  };
}

/** `halt`, `step limit`, or `check-stop: ILLEGAL at pc 0x… (file:line: text); hint` */
function stopPhrase(s: RunSummary, image: Image): string {
  const reason: StopReason = s.reason;
  if (reason === 'halt') return 'halt';
  if (reason !== 'checkstop' || !s.checkStop) return 'step limit';
  const w = where(s, image);
  return `check-stop: ${s.checkStop.cause} at pc ${hex(s.checkStop.pc)}${w.source ? ` (${w.source})` : ''}${w.hint ? `; ${w.hint}` : ''}`;
}

function text(r: EquivResult, file: string, image: Image): string {
  const out: string[] = [];
  const s = r.stats[0]!;
  out.push(`${file}: ${r.equivalent ? 'EQUIVALENT' : 'NOT EQUIVALENT'} bare vs virtual`);
  out.push(`  bare:    ${stopPhrase(r.bare, image)}, ${r.bare.instructions} instructions, output ${r.bare.output.length} chars, storage ${r.bare.storageHash}`);
  r.vms.forEach((v, i) => out.push(`  ${r.vms.length > 1 ? `vm${i + 1}:`.padEnd(8) : 'virtual:'} ${stopPhrase(v, image)}, ${v.instructions} instructions, output ${v.output.length} chars, storage ${v.storageHash}`));
  out.push(`  monitor: ${s.direct} direct, ${s.emulations} emulated, ${s.interpreted} interpreted, ${[...s.reflected].reduce((a, b) => a + b, 0)} reflected`);
  if (s.entries) out.push(`  hw: ${s.entries} VM entries; exits: ${exitNames(s.exits)}`);
  if (!r.equivalent) {
    out.push('  differences:');
    for (const d of r.differences.slice(0, 20)) out.push(`    ${words(d)}`);
    if (r.differences.length > 20) out.push(`    ... ${r.differences.length - 20} more`);
    if (r.divergence) {
      const d = r.divergence;
      out.push(`  first divergence: after step ${d.step + 1}, the instruction at pc ${d.pc}: ${d.instruction}`);
      for (const x of d.differences) out.push(`    ${words(x)}`);
      out.push('  (an instruction that is sensitive but not privileged runs directly under the monitor and sees or changes the real state, not the virtual one; see trapeze classify)');
    }
  }
  return out.join('\n') + '\n';
}

/**
 * Snapshot options shared by `run` and `vmm`: --snapshot-at N --snapshot FILE
 * (save the whole machine when the clock reads N, or at the end), and
 * --resume FILE (go on from one). The format is isa/SNAPSHOT.md.
 */
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../snapshot/format.js';
import { resolveIsa, type Isa } from '../isa/table.js';
import { intFlag, stringFlag, type FlagSpec, type Parsed } from './args.js';
import { readInput, UsageError, writeOutput, type Io } from './io.js';

export const SNAPSHOT_FLAGS: Record<string, FlagSpec> = {
  snapshot: { value: true },
  'snapshot-at': { value: true },
  resume: { value: true },
};

export const SNAPSHOT_USAGE = [
  '  --snapshot FILE    save the whole machine to FILE at the end of the run, or with',
  '  --snapshot-at N    when N steps have been taken (the run then goes on)',
  '  --resume FILE      go on from a snapshot (it holds the program: give no FILE.s); the step',
  "                     limit counts from the program's start; input continues with the snapshot's",
  '                     unread input, then --input FILE or stdin',
];

export interface SnapshotPlan {
  /** where to save, if anywhere */
  readonly file?: string;
  /** at this step (undefined: at the end) */
  readonly at?: number;
  /** the snapshot to resume from */
  readonly resume?: { readonly snapshot: Snapshot; readonly isa: Isa; readonly name: string };
}

export function snapshotPlan(command: string, io: Io, p: Parsed, kind: 'bare' | 'vmm'): SnapshotPlan {
  const file = stringFlag(p, 'snapshot');
  const at = p.flags.has('snapshot-at') ? intFlag(command, p, 'snapshot-at', 0, 0, Number.MAX_SAFE_INTEGER) : undefined;
  if (at !== undefined && file === undefined) throw new UsageError(`trapeze ${command}: --snapshot-at N needs --snapshot FILE to save to`);
  const resumeFile = stringFlag(p, 'resume');
  return { ...(file !== undefined ? { file } : {}), ...(at !== undefined ? { at } : {}), ...(resumeFile !== undefined ? { resume: readSnapshot(command, io, p, resumeFile, kind) } : {}) };
}

function readSnapshot(command: string, io: Io, p: Parsed, path: string, kind: 'bare' | 'vmm'): { snapshot: Snapshot; isa: Isa; name: string } {
  const s = decodeSnapshot(readInput(io, path), path);
  if ('error' in s) throw new UsageError(`trapeze ${command}: ${s.error}`, 1);
  if (s.kind !== kind) throw new UsageError(`trapeze ${command}: ${path}: a snapshot of ${s.kind === 'vmm' ? 'a VMM run: resume it with trapeze vmm --resume' : 'a bare-machine run: resume it with trapeze run --resume'}`, 1);
  const isa = resolveIsa(s.isa);
  if ('error' in isa) throw new UsageError(`trapeze ${command}: ${path}: made for an ISA this trapeze does not know (${s.isa})`, 1);
  const given = stringFlag(p, 'isa');
  if (given !== undefined) {
    const g = resolveIsa(given);
    if ('error' in g || g.name !== isa.name) throw new UsageError(`trapeze ${command}: ${path} is a snapshot of a ${isa.name} machine; --isa ${given} does not match`);
  }
  return { snapshot: s, isa, name: path };
}

export function saveSnapshot(command: string, io: Io, file: string, s: Snapshot): void {
  writeOutput(io, file, encodeSnapshot(s));
  io.err(`trapeze ${command}: snapshot at step ${s.steps} saved to ${file}\n`);
}

/**
 * The equivalence check for the Virtualize tab: one program, bare and under
 * every monitor the library has, side by side, so a divergence (x86 under
 * trap-and-emulate) stands next to the runs that are equivalent.
 */
import type { Image } from '../../../src/image.js';
import type { Isa } from '../../../src/isa/table.js';
import { checkEquivalence, runBare } from '../../../src/vmm/equiv.js';
import { MONITORS } from '../../../src/vmm/monitor.js';
import type { EquivRun, EquivView } from '../protocol.js';

export interface EquivOptions {
  readonly quantum: number;
  readonly depth: number;
  readonly vms: number;
  readonly memWords: number;
  readonly maxSteps: number;
}

export function equivView(image: Image, name: string, input: string, isa: Isa, o: EquivOptions): EquivView {
  const bytes = new TextEncoder().encode(input);
  let bare: EquivView['bare'] | undefined;
  const runs: EquivRun[] = MONITORS.map((monitor) => {
    const r = checkEquivalence(image, { isa, monitor, depth: o.depth, vms: o.vms, quantum: o.quantum, memWords: o.memWords, maxSteps: o.maxSteps, input: bytes });
    bare ??= { output: r.bare.output, reason: r.bare.reason, instructions: r.bare.instructions };
    const d = r.divergence;
    return {
      monitor,
      equivalent: r.equivalent,
      differences: r.differences,
      output: r.virtual.output,
      reason: r.virtual.reason,
      instructions: r.virtual.instructions,
      ...(d ? { divergence: { step: d.step, pc: d.pc, instruction: d.instruction, line: lineAtStep(image, isa, o.memWords, bytes, d.step, d.pc), differences: d.differences } } : {}),
    };
  });
  return { isa: isa.name, name, bare: bare!, runs };
}

/**
 * The source line of the instruction a divergence happened at. Its pc is
 * virtual: the bare machine is replayed to that step to learn the base it
 * ran under (a task at base 0x400 is not the kernel at 0).
 */
function lineAtStep(image: Image, isa: Isa, memWords: number, input: Uint8Array, step: number, pc: number): number | null {
  const { cpu } = runBare(image, { isa, memWords, maxSteps: step, input });
  return image.sourceMap.get(cpu.base + pc)?.line ?? null;
}

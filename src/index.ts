/**
 * trapeze as a library: `import { assemble, Cpu, … } from 'trapeze'`.
 *
 * The surface is small on purpose (README "The library"): assemble or load
 * a program, run it on the CPU, run it under a monitor, classify an ISA,
 * check equivalence. Everything here is plain TypeScript with no Node
 * imports, so it runs in a browser as well.
 *
 *   const { image, isa } = loadProgram(bytes, 'hello.s');   // source or image file
 *   const console = new Console();
 *   const cpu = new Cpu({ isa, devices: console });
 *   cpu.load(image);
 *   cpu.run(1_000_000);                                       // 'halt'
 *   console.text();                                           // 'Hello, world!\n'
 */
import { classifyIsa, type ClassifyOptions, type Report } from './checker/classify.js';
import { isaOrThrow, type Isa } from './isa/table.js';

// Programs: assemble source, read and write image files, disassemble.
export { assemble, formatError, type AsmError, type AssembleOptions, type AssembleResult } from './asm/assemble.js';
export { loadProgram, type LoadResult, type LoadedProgram } from './asm/index.js';
export { decodeImage, encodeImage, isImageFile } from './asm/imagefile.js';
export { disassembleImage, disassembleWord } from './asm/disassemble.js';
export { describeAddress, type Image, type Segment, type SourceLine } from './image.js';

// The machine.
export { Cpu, type CheckStop, type CpuOptions, type StopReason } from './cpu/cpu.js';
export { Console, textInput, type ConsoleInput, type Devices, type InputSource } from './cpu/devices.js';
export { CAUSES, causeName, INSTRUCTIONS, PG32, resolveIsa, sameIsa, type CauseName, type Isa } from './isa/table.js';

// Monitors and the equivalence checker.
export { Vmm, type VmmOptions } from './vmm/vmm.js';
export { HwMonitor } from './vmm/hw.js';
export { createMonitor, MONITORS, type Monitor, type MonitorKind, type MonitorOptions } from './vmm/monitor.js';
export type { VirtualMachine, VmStats } from './vmm/vm.js';
export { buildStack, loadGuest, type Stack, type StackOptions } from './vmm/stack.js';
export { roundRobin, type Outcome, type ScheduleOptions } from './vmm/scheduler.js';
export { checkEquivalence, type EquivOptions, type EquivResult, type RunSummary } from './vmm/equiv.js';

// The virtualizability checker.
export type { Classification, ClassifyOptions, Report, TheoremVerdict, Witness } from './checker/classify.js';
export { formatJson as formatReportJson, formatMarkdown as formatReportMarkdown, formatText as formatReportText } from './checker/report.js';

/** An ISA by name (`pg32`, `pg32-x86`, `pg32+getr+jrstu`); throws an Error naming the valid names for an unknown one. */
export function isa(name: string): Isa {
  return isaOrThrow(name);
}

/**
 * Classify every instruction of an ISA by executing it in chosen states and
 * decide Popek & Goldberg's Theorems 1, 2 and 3, with a witness for every
 * finding (what `trapeze classify` prints).
 */
export function classify(which: Isa | string, opts: ClassifyOptions = {}): Report {
  return classifyIsa(typeof which === 'string' ? isaOrThrow(which) : which, opts);
}

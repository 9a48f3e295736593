/**
 * Messages between the page and its workers. The page never runs the
 * machine: the machine worker owns the debugger's PG32, the lab worker runs
 * the checker, the monitors and the benchmarks. Everything here is plain
 * data (structured-clonable).
 */
import type { AsmError } from '../../src/asm/index.js';
import type { TrapEntry } from './machine/debugger.js';

// ------------------------------------------------------------ the machine worker

export type DebugAction = 'run' | 'continue' | 'step' | 'reverse' | 'reset';

export type ToMachine =
  | { readonly kind: 'load'; readonly source: string; readonly file: string; readonly isa: string; readonly memWords: number; readonly input: string; readonly endInput: boolean; readonly breakpoints: readonly number[]; readonly loads?: readonly string[] }
  | { readonly kind: 'action'; readonly action: DebugAction; readonly count?: number }
  | { readonly kind: 'stop' }
  | { readonly kind: 'breakpoints'; readonly lines: readonly number[] }
  | { readonly kind: 'input'; readonly text: string; readonly end: boolean }
  | { readonly kind: 'memory'; readonly follow: 'pc' | number }
  | { readonly kind: 'settings'; readonly maxSteps: number };

export type Status = 'ready' | 'running' | 'paused' | 'breakpoint' | 'waiting' | 'halted' | 'checkstop' | 'limit';

/** A trap log entry, as the debugger records it. */
export type TrapRow = TrapEntry;

export interface MachineView {
  readonly status: Status;
  /** one line saying what happened */
  readonly message: string;
  /** steps since reset (instructions + trap deliveries) */
  readonly position: number;
  readonly instret: number;
  readonly regs: readonly number[];
  readonly flags: number;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly pending: boolean;
  readonly memWords: number;
  /** source line of the next instruction */
  readonly line: number | null;
  readonly next: string;
  /** a window of physical storage */
  readonly memory: { readonly start: number; readonly words: readonly number[] };
  /** console output from byte `from` on (the page drops what it has past `from`) */
  readonly output: { readonly from: number; readonly bytes: Uint8Array };
  readonly unreadInput: number;
  readonly inputEnded: boolean;
  readonly traps: readonly TrapRow[];
  readonly trapTotal: number;
  /** the last action's speed, when it ran long enough to measure */
  readonly speed?: { readonly instructions: number; readonly ms: number };
}

export type FromMachine =
  | { readonly kind: 'loaded'; readonly isa: string; readonly codeLines: readonly number[]; readonly breakpoints: readonly number[]; readonly labels: readonly (readonly [string, number])[]; readonly view: MachineView }
  | { readonly kind: 'load-failed'; readonly errors: readonly AsmError[] }
  | { readonly kind: 'view'; readonly view: MachineView; readonly final: boolean }
  | { readonly kind: 'breakpoints'; readonly lines: readonly number[] }
  | { readonly kind: 'error'; readonly message: string };

// ------------------------------------------------------------ the lab worker

export interface GuestSpec {
  readonly name: string;
  /** its file name, for messages and `.include` (an example's path under programs/) */
  readonly file?: string;
  readonly source: string;
  readonly input: string;
  /** the ISA it is written for, when known apart from its `.isa` (an example's `; isa:` line) */
  readonly isa?: string;
}

export type ToLab =
  | { readonly kind: 'classify'; readonly isa: string }
  | { readonly kind: 'virtualize'; readonly guests: readonly GuestSpec[]; readonly isa: string; readonly monitor: string; readonly quantum: number; readonly depth: number; readonly memWords: number; readonly maxSteps: number }
  | { readonly kind: 'equiv'; readonly guest: GuestSpec; readonly isa: string; readonly quantum: number; readonly depth: number; readonly vms: number; readonly memWords: number; readonly maxSteps: number }
  | { readonly kind: 'bench'; readonly iterations: number }
  | { readonly kind: 'stop' };

export type FromLab =
  | { readonly kind: 'classified'; readonly report: ClassifyView }
  | { readonly kind: 'vmm'; readonly run: VmmView; readonly final: boolean }
  | { readonly kind: 'equiv'; readonly result: EquivView }
  | { readonly kind: 'bench'; readonly result: BenchView; readonly final: boolean }
  | { readonly kind: 'error'; readonly message: string; readonly errors?: readonly string[] }
  | { readonly kind: 'stopped' };

// ------------------------------------------------------------ classify

export interface ClassRow {
  readonly mnemonic: string;
  readonly group: string;
  readonly extension: string | null;
  readonly description: string;
  /** column → yes/no, in the order of ClassifyView.columns */
  readonly classes: readonly boolean[];
  readonly verdict: string;
  readonly innocuous: boolean;
  readonly witnesses: readonly WitnessView[];
}

/**
 * A witness, shown as two columns side by side: two states (with their
 * outcomes below), or one state before and after the instruction. Rows
 * whose values differ are marked.
 */
export interface WitnessView {
  readonly property: string;
  /** the mode(s) of its states: user, supervisor, or pair (one of each) */
  readonly mode: 'user' | 'supervisor' | 'pair';
  readonly claim: string;
  readonly headers: readonly [string, string];
  readonly sections: readonly {
    readonly title: string;
    readonly rows: readonly { readonly name: string; readonly values: readonly [string, string]; readonly differs: boolean }[];
  }[];
}

export interface VerdictView {
  readonly name: string;
  readonly statement: string;
  readonly holds: boolean;
  readonly violators: readonly string[];
  /** how it was decided, in a line (e.g. guest-mode runs and their exits) */
  readonly detail?: string;
}

export interface ClassifyView {
  readonly isa: string;
  readonly columns: readonly string[];
  readonly rows: readonly ClassRow[];
  readonly verdicts: readonly VerdictView[];
  /** which monitors can run the ISA's guests unmodified, and why (when the report says) */
  readonly admissions: readonly { readonly monitor: string; readonly admits: boolean; readonly why: string }[];
  /** witnesses of verdicts beyond the class table (hardware assist), by instruction */
  readonly extraWitnesses: readonly { readonly mnemonic: string; readonly witness: WitnessView }[];
  readonly disagreements: readonly string[];
  readonly ms: number;
}

// ------------------------------------------------------------ virtualize

/** One time slice of one VM, with what the monitor did in it. */
export interface Slice {
  readonly vm: number;
  /** guest steps before this slice, all VMs together */
  readonly start: number;
  readonly steps: number;
  /** traps into the monitor, emulations, reflections into the guest */
  readonly traps: number;
  readonly emulations: number;
  readonly reflections: number;
  /** hardware guest-mode exits to the monitor (hw) */
  readonly exits: number;
  /** blocks binary translation made (bt) */
  readonly translations: number;
  /** hypercalls of paravirtual guests */
  readonly hypercalls: number;
  /** the slice ended the VM: halt, checkstop or the step limit */
  readonly ended: string | null;
  /** traps by cause name and exits by name, with counts, for the tooltip */
  readonly causes: string;
}

/** One thing the monitor did (its listener, src/vmm/events.ts), at an exact guest step (of all VMs together). */
export interface VmEvent {
  readonly vm: number;
  readonly at: number;
  readonly kind: 'trap' | 'emulate' | 'reflect' | 'exit' | 'translate' | 'hypercall';
  /** the trap's cause, the emulating routine, the cause reflected, the exit's name and code, the words translated, the call */
  readonly what: string;
  /** the guest's pc the event is about */
  readonly pc: number;
}

export interface VmView {
  readonly name: string;
  readonly output: string;
  readonly state: string;
  readonly instret: number;
  readonly direct: number;
  readonly emulated: number;
  readonly interpreted: number;
  /** bt: instructions run from translated blocks as they are, and rewritten ones (their routine called, no trap) */
  readonly translated: number;
  readonly rewritten: number;
  readonly traps: string;
  readonly reflected: string;
  /** hw: guest-mode entries and exits by name */
  readonly entries: number;
  readonly exits: string;
}

export interface VmmView {
  readonly monitor: string;
  /** monitors stacked; the events are the innermost one's (its VMs are the guests) */
  readonly depth: number;
  readonly isa: string;
  readonly vms: readonly VmView[];
  readonly slices: readonly Slice[];
  /** exact events, every one of the first `detailedUntil` guest steps (slices after it are marked with their counts) */
  readonly events: readonly VmEvent[];
  readonly detailedUntil: number;
  /** events the monitor told in all (recorded or not) */
  readonly eventCount: number;
  /** MAX_EVENTS were recorded: events after `detailedUntil` are only counted */
  readonly capped: boolean;
  /** slices run in all (the timeline shows the first MAX_SLICES) */
  readonly sliceCount: number;
  readonly totalSteps: number;
  readonly ms: number;
  readonly done: boolean;
}

export interface EquivRun {
  readonly monitor: string;
  readonly equivalent: boolean;
  readonly differences: readonly string[];
  readonly output: string;
  readonly reason: string;
  readonly instructions: number;
  readonly divergence?: { readonly step: number; readonly pc: number; readonly instruction: string; readonly line: number | null; readonly differences: readonly string[] };
}

export interface EquivView {
  readonly isa: string;
  readonly name: string;
  readonly bare: { readonly output: string; readonly reason: string; readonly instructions: number };
  readonly runs: readonly EquivRun[];
}

// ------------------------------------------------------------ measure

export interface BenchRow {
  readonly op: string;
  readonly what: string;
  readonly machine: string;
  readonly instructions: number;
  readonly trips: number;
  readonly entries: number;
  /** best time of one loop, ms */
  readonly ms: number;
  /** (time − loop time) / round trips, ns; null for the loop itself */
  readonly roundTripNs: number | null;
}

export interface BenchView {
  readonly iterations: number;
  readonly machines: readonly string[];
  readonly rows: readonly BenchRow[];
  readonly done: boolean;
}

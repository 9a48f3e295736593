/**
 * Popek & Goldberg's definitions, made exact for PG32 (ISA.md
 * "Classification"), decided by running each instruction in chosen states.
 *
 * - privileged: for every pair of states differing only in M (where it does
 *   not memory-trap), it traps in user mode and not in supervisor mode.
 * - control-sensitive: in some state it completes and changes the control
 *   state (M, R, IE, TIMER, pending, running, devices) beyond the hardware's
 *   own timer tick, or changes storage outside the state's relocation window
 *   (resources that are not the program's own).
 * - location-sensitive: in some pair of same-mode states differing only by a
 *   shift x of base (storage shifted to match), or only in storage outside
 *   the window, it completes in both and the results (registers, relocated
 *   storage, pc) differ.
 * - mode-sensitive: in some pair differing only in M it completes in both and
 *   the results differ.
 * - reveals time (Theorem 2): in some pair differing only in TIMER it
 *   completes in both and the results differ.
 *
 * Every finding keeps its witness. A verdict is about the states tried
 * (coverage.ts counts them), which reach the corners of every field
 * (states.ts) and the semantics' own constants (constants.ts).
 *
 * With an oracle (by default, when the CPU is probed: the reference
 * interpreter), every state is also run on the oracle, and the first state
 * in which the two machines disagree is reported for each instruction.
 * When the CPU is probed, a quarter of those states also run through the CPU's
 * translated code (translated.ts: the instruction made a region of its own)
 * and are compared with the oracle too (with no oracle: with the interpreter).
 */
import { causeName, CAUSES, type Isa, type Spec } from '../isa/table.js';
import { constantsIn } from './constants.js';
import { newCoverage, recordState, type Coverage } from './coverage.js';
import { admissions, hardwareAssist, type Admission, type AssistVerdict } from './assist.js';
import { translationAdmission } from './translation.js';
import { translated } from './translated.js';
import { controlChanges, controlDiff, CPU, INCOMPLETE, instructionOf, Prober, reference, type Outcome, type State, type Target, type WindowChange } from './probe.js';
import { cloneState, otherTimer, outsideChanged, rng, Scratch, shifted, shiftFor, statesFor, withMode, withTimer } from './states.js';

export type Property = 'privileged' | 'notPrivileged' | 'controlSensitive' | 'locationSensitive' | 'modeSensitive' | 'revealsTime';

/** The proof of a finding: the state(s) and the outcomes that show it. */
export interface Witness {
  readonly property: Property;
  /** in words: what the states show */
  readonly claim: string;
  readonly states: readonly State[];
  readonly outcomes: readonly Outcome[];
  /** the mode(s) the witness is in: 'user', 'supervisor', or 'pair' for M pairs */
  readonly mode: 'user' | 'supervisor' | 'pair';
}

/** A state in which the probed machine and the oracle do different things. */
export interface Discrepancy {
  readonly mnemonic: string;
  readonly spec: Spec;
  /** the machine that disagrees with the oracle: the probed one, or the CPU's translated code */
  readonly machine: string;
  /** what it is compared with: the oracle (or, with none, the interpreter) */
  readonly against: string;
  readonly state: State;
  /** what differs, e.g. "IE: 0 vs 1" */
  readonly differences: readonly string[];
  /** [probed machine, oracle] */
  readonly outcomes: readonly [Outcome, Outcome];
}

export interface Classification {
  readonly mnemonic: string;
  readonly spec: Spec;
  readonly privileged: boolean;
  readonly controlSensitive: boolean;
  readonly locationSensitive: boolean;
  readonly modeSensitive: boolean;
  readonly userSensitive: boolean;
  readonly supervisorSensitive: boolean;
  readonly revealsTime: boolean;
  readonly innocuous: boolean;
  readonly witnesses: readonly Witness[];
  /** what was tried */
  readonly coverage: Coverage;
  /** how many states were tried (each in both modes) */
  readonly statesTried: number;
  /** mode pairs in which neither state memory-trapped (what `privileged` is decided on) */
  readonly modePairs: number;
  /** where the probed machine and the oracle disagree */
  readonly discrepancy?: Discrepancy;
}

export interface ClassifyOptions {
  /** states per instruction (default 160) */
  readonly states?: number;
  /** states per instruction for the hardware-assist verdict, each tried in both modes (default DEFAULT_ASSIST_STATES) */
  readonly assistStates?: number;
  readonly seed?: number;
  /** the machine probed (default: the CPU) */
  readonly target?: Target;
  /** a second machine every state also runs on, compared outcome for outcome (default: the reference interpreter when the CPU is probed; false: none) */
  readonly oracle?: Target | false;
  /** also run every state through the CPU's translated code (default: when the CPU is probed) */
  readonly translated?: boolean;
}

export const DEFAULT_STATES = 160;
export const DEFAULT_SEED = 1974;

/**
 * Do two completed outcomes give the same results: registers, pc, and
 * storage seen through relocation? Every pair the checker builds starts with
 * the same words in both windows, so the windows agree after the step
 * exactly when the same words changed to the same values.
 */
function sameResults(a: Outcome, b: Outcome): string | null {
  for (let r = 0; r < 16; r++) if (a.regs[r] !== b.regs[r]) return `r${r}: ${a.regs[r]} vs ${b.regs[r]}`;
  if (a.pc !== b.pc) return `pc: ${a.pc} vs ${b.pc}`;
  const wa = a.window;
  const wb = b.window;
  if (wa.length === 0 && wb.length === 0) return null;
  for (const c of [...wa, ...wb]) {
    const x = wa.find((w) => w.at === c.at);
    const y = wb.find((w) => w.at === c.at);
    if (x?.after !== y?.after) return `storage at virtual ${c.at}: ${x ? x.after : 'unchanged'} vs ${y ? y.after : 'unchanged'}`;
  }
  return null;
}

/** Do two outcomes of the same state agree in everything (the quick test, before naming what differs)? */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.trap !== b.trap || a.info !== b.info || a.pc !== b.pc || a.window.length !== b.window.length || a.outside.length !== b.outside.length) return false;
  for (let r = 0; r < 16; r++) if (a.regs[r] !== b.regs[r]) return false;
  for (let k = 0; k < a.window.length; k++) if (a.window[k]!.at !== b.window[k]!.at || a.window[k]!.after !== b.window[k]!.after) return false;
  for (let k = 0; k < a.outside.length; k++) if (a.outside[k]!.at !== b.outside[k]!.at || a.outside[k]!.after !== b.outside[k]!.after) return false;
  const x = a.control;
  const y = b.control;
  if (x.s !== y.s || x.ie !== y.ie || x.otherFlags !== y.otherFlags || x.base !== y.base || x.bound !== y.bound || x.timer !== y.timer || x.pending !== y.pending || x.halted !== y.halted || x.inPos !== y.inPos) return false;
  if (x.output.length !== y.output.length) return false;
  for (let k = 0; k < x.output.length; k++) if (x.output[k] !== y.output[k]) return false;
  return true;
}

/** Everything two outcomes of the same state differ in (probed machine vs oracle). */
function outcomeDiff(a: Outcome, b: Outcome): string[] {
  if (sameOutcome(a, b)) return [];
  const d: string[] = [];
  if (a.trap !== b.trap) d.push(`${a.trap ? 'traps ' + causeName(a.trap) : 'completes'} vs ${b.trap ? 'traps ' + causeName(b.trap) : 'completes'}`);
  else if (a.trap && a.info !== b.info) d.push(`trap info ${a.info} vs ${b.info}`);
  const r = sameResults(a, b);
  if (r) d.push(r);
  d.push(...controlDiff(a.control, b.control).map((x) => x.replace(' → ', ' vs ')));
  const oa = a.outside.map((c) => `E[${c.at}]=${c.after}`).join(' ');
  const ob = b.outside.map((c) => `E[${c.at}]=${c.after}`).join(' ');
  if (oa !== ob) d.push(`storage outside the window: ${oa || 'unchanged'} vs ${ob || 'unchanged'}`);
  return d;
}

export function classifyInstruction(spec: Spec, prober: Prober, opts: ClassifyOptions = {}, constants: readonly number[] = [], oracle?: Prober, regions?: Prober): Classification {
  const count = opts.states ?? DEFAULT_STATES;
  const seed = opts.seed ?? DEFAULT_SEED;
  const r = rng(seed ^ 0x5eed ^ spec.opcode);
  const found = new Map<string, Witness>();
  // States are reused buffers until kept: a witness keeps copies, and its outcomes whole (a pair's second state
  // was probed only as far as its window).
  const keep = (w: Witness): Witness => ({ ...w, states: w.states.map(cloneState), outcomes: w.states.map((s) => prober.run(s)) });
  const note = (key: string, w: () => Witness) => {
    if (!found.has(key)) found.set(key, keep(w()));
  };
  const scratch = new Scratch();
  const cov = newCoverage();
  /** the first state of a pair is probed whole; the second, only as far as its results (registers, pc, window) */
  const probe = (st: State, scope: 'all' | 'window' = 'all') => {
    cov.probes++;
    return prober.run(st, scope);
  };
  let modePairs = 0;
  let privilegedExample: Witness | undefined;
  let counterexample: Witness | undefined;
  let discrepancy: Discrepancy | undefined;

  const compareWithOracle = oracle !== undefined && oracle.target.models(spec.mnemonic);
  const compareTranslated = regions !== undefined && regions.target.models(spec.mnemonic);
  for (const st of statesFor(spec, count, seed, { constants, code: prober.isa.instructions })) {
    recordState(cov, spec, st, instructionOf(st));
    const sS = withMode(st, true);
    const sU = withMode(st, false);
    const oS = probe(sS);
    const oU = probe(sU);

    // The oracle runs every state, in one mode (the two in turn); the CPU's translated code runs one state in
    // four, in both modes (states 8k and 8k + 5): a translation is code V8 compiles, and time is the budget.
    if ((compareWithOracle || compareTranslated) && !discrepancy) {
      const inS = cov.states % 2 === 0;
      const s = inS ? sS : sU;
      let expected = inS ? oS : oU;
      if (compareWithOracle) {
        cov.oracle++;
        const o2 = oracle!.run(s);
        const d = outcomeDiff(expected, o2);
        if (d.length) discrepancy = { mnemonic: spec.mnemonic, spec, machine: prober.target.name, against: oracle!.target.name, state: cloneState(s), differences: d, outcomes: [expected, o2] };
        expected = o2;
      }
      if (compareTranslated && !discrepancy && (cov.states % 8 === 0 || cov.states % 8 === 5)) {
        cov.translated++;
        const o3 = regions!.run(s);
        const d = outcomeDiff(o3, expected);
        if (d.length) discrepancy = { mnemonic: spec.mnemonic, spec, machine: regions!.target.name, against: compareWithOracle ? oracle!.target.name : prober.target.name, state: cloneState(s), differences: d, outcomes: [o3, expected] };
      }
    }

    // privileged: traps in user mode and not in supervisor mode, for every M pair that does not memory-trap
    // (nor runs a `vmrun` guest that had not exited when the probe gave up on it)
    if (oS.trap !== CAUSES.MEMORY && oU.trap !== CAUSES.MEMORY && oS.trap !== INCOMPLETE && oU.trap !== INCOMPLETE) {
      modePairs++;
      const ok = oU.trap !== 0 && oS.trap === 0;
      if (ok ? !privilegedExample : !counterexample) {
        const w: Witness = {
          property: ok ? 'privileged' : 'notPrivileged',
          claim: ok
            ? `traps ${causeName(oU.trap)} in user mode and completes in supervisor mode`
            : `in user mode it ${oU.trap ? 'traps ' + causeName(oU.trap) : 'completes'}, in supervisor mode it ${oS.trap ? 'traps ' + causeName(oS.trap) : 'completes'}`,
          states: [sU, sS],
          outcomes: [oU, oS],
          mode: 'pair',
        };
        if (ok) privilegedExample = keep(w);
        else counterexample = keep(w);
      }
    }

    // mode-sensitive: both complete, results differ
    if (oS.trap === 0 && oU.trap === 0) {
      cov.pairs.mode++;
      const diff = sameResults(oU, oS);
      if (diff) note('mode', () => ({ property: 'modeSensitive', claim: `completes in both modes with different results (${diff})`, states: [sU, sS], outcomes: [oU, oS], mode: 'pair' }));
    }

    // control-sensitivity and the pairs that vary one thing, in each mode the instruction completes in
    const outsideIn = cov.states % 2 === 0; // the modes take turns: outside storage in one, TIMER in the other
    if (oS.trap === 0) inMode(sS, oS, 'supervisor', outsideIn);
    if (oU.trap === 0) inMode(sU, oU, 'user', !outsideIn);
  }

  /** What one completed state in one mode shows: control-sensitivity, and location and time through pairs. */
  function inMode(s: State, o: Outcome, mode: 'supervisor' | 'user', outside: boolean): void {
    // control-sensitive: the control state, or storage that is not the program's own, changed
    const d = controlChanges(s, o);
    if (d.length) note(`control-${mode}`, () => ({ property: 'controlSensitive', claim: `in ${mode} mode it completes and changes the control state: ${d.join(', ')}`, states: [s], outcomes: [o], mode }));

    // location-sensitive: base shifted by x (small or large, up or down) with storage shifted to match ...
    const x = shiftFor(s, r, r() < 0.5);
    if (x !== 0) {
      const s2 = shifted(s, x, scratch);
      const o2 = probe(s2, 'window');
      if (o2.trap === 0) {
        cov.pairs.location++;
        const diff = sameResults(o, o2);
        if (diff) note(`location-${mode}`, () => ({ property: 'locationSensitive', claim: `in ${mode} mode, moving base by ${x} changes the result (${diff})`, states: [s, s2], outcomes: [o, o2], mode }));
      }
    }
    if (outside) {
      // ... or storage outside the window changed
      const s3 = outsideChanged(s, scratch);
      const o3 = probe(s3, 'window');
      if (o3.trap === 0) {
        cov.pairs.outside++;
        const diff = sameResults(o, o3);
        if (diff) note(`location-${mode}`, () => ({ property: 'locationSensitive', claim: `in ${mode} mode, changing storage outside the window changes the result (${diff})`, states: [s, s3], outcomes: [o, o3], mode }));
      }
    } else {
      // reveals time: the same state but for TIMER
      const s4 = withTimer(s, otherTimer(s, r));
      const o4 = probe(s4, 'window');
      if (o4.trap === 0) {
        cov.pairs.time++;
        const diff = sameResults(o, o4);
        if (diff) note('time', () => ({ property: 'revealsTime', claim: `its result depends on TIMER (${diff})`, states: [s, s4], outcomes: [o, o4], mode }));
      }
    }
  }

  const privileged = modePairs > 0 && counterexample === undefined;
  const userControl = found.has('control-user');
  const supervisorControl = found.has('control-supervisor');
  const userLocation = found.has('location-user');
  const supervisorLocation = found.has('location-supervisor');
  const controlSensitive = userControl || supervisorControl;
  const locationSensitive = userLocation || supervisorLocation;
  const modeSensitive = found.has('mode');
  const witnesses: Witness[] = [];
  if (privileged && privilegedExample) witnesses.push(privilegedExample);
  if (!privileged && counterexample) witnesses.push(counterexample);
  witnesses.push(...found.values());
  return {
    mnemonic: spec.mnemonic,
    spec,
    privileged,
    controlSensitive,
    locationSensitive,
    modeSensitive,
    userSensitive: userControl || userLocation,
    supervisorSensitive: supervisorControl || supervisorLocation,
    revealsTime: found.has('time'),
    innocuous: !(controlSensitive || locationSensitive || modeSensitive),
    witnesses,
    coverage: cov,
    statesTried: cov.states,
    modePairs,
    ...(discrepancy ? { discrepancy } : {}),
  };
}

export interface TheoremVerdict {
  readonly holds: boolean;
  /** the instructions that break it */
  readonly violators: string[];
  readonly statement: string;
}

export interface Report {
  readonly isa: string;
  /** the machine probed, and the oracle (if any) */
  readonly target: string;
  readonly oracle?: string;
  /** the CPU's translated code, when every state also ran through it */
  readonly translated?: string;
  readonly instructions: Classification[];
  readonly theorems: { readonly '1': TheoremVerdict; readonly '2': TheoremVerdict; readonly '3': TheoremVerdict };
  /** the ISA with guest mode (`vt`): every instruction identical to the bare machine or an exit (assist.ts) */
  readonly hardwareAssist: AssistVerdict;
  /** which monitors the verdicts admit, and why */
  readonly monitors: readonly Admission[];
  /** declared classes in isa/ that the derived ones contradict */
  readonly disagreements: Disagreement[];
  /** states in which the probed machine and the oracle disagree (one per instruction at most) */
  readonly discrepancies: Discrepancy[];
  /** instructions the oracle does not model, so not compared */
  readonly uncompared: string[];
  /** the semantics' own constants, tried in every field */
  readonly constants: readonly number[];
}

export interface Disagreement {
  readonly mnemonic: string;
  readonly spec: Spec;
  readonly property: 'privileged' | 'control' | 'location' | 'mode';
  readonly declared: boolean;
  readonly derived: boolean;
  /** the witness for the derived value (absent where the derived value is "no finding in N states") */
  readonly witness?: Witness;
}

export function classifyIsa(isa: Isa, opts: ClassifyOptions = {}): Report {
  const target = opts.target ?? CPU;
  const oracleTarget = opts.oracle === undefined ? (target === CPU ? reference() : undefined) : opts.oracle || undefined;
  const prober = new Prober(isa, target);
  const oracle = oracleTarget ? new Prober(isa, oracleTarget) : undefined;
  const regionsTarget = (opts.translated ?? target === CPU) ? translated(isa) : undefined;
  const regions = regionsTarget ? new Prober(isa, regionsTarget) : undefined;
  const constants = constantsIn([...target.code, ...(oracleTarget?.code ?? []), ...(regionsTarget?.code ?? [])]);
  const instructions = isa.instructions.map((spec) => classifyInstruction(spec, prober, opts, constants, oracle, regions));
  const t = theorems(instructions);
  const hw = hardwareAssist(isa, { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.assistStates !== undefined ? { states: opts.assistStates } : {}) });
  return {
    isa: isa.name,
    target: target.name,
    ...(oracleTarget ? { oracle: oracleTarget.name } : {}),
    ...(regionsTarget ? { translated: regionsTarget.name } : {}),
    instructions,
    theorems: t,
    hardwareAssist: hw,
    monitors: monitorAdmissions(instructions, t, hw),
    disagreements: disagreements(instructions),
    discrepancies: instructions.flatMap((c) => (c.discrepancy ? [c.discrepancy] : [])),
    uncompared: oracleTarget ? isa.instructions.filter((s) => !oracleTarget.models(s.mnemonic)).map((s) => s.mnemonic) : [],
    constants,
  };
}

/** Which monitors can run the ISA, and why: trap-and-emulate and hybrid (the theorems), hw (the assist verdict), bt (the classes). */
export function monitorAdmissions(instructions: readonly Classification[], t: Report['theorems'], hw: AssistVerdict): Admission[] {
  return [...admissions(t, hw), translationAdmission(instructions)];
}

export function theorems(cs: readonly Classification[]): Report['theorems'] {
  const t1 = cs.filter((c) => !c.innocuous && !c.privileged).map((c) => c.mnemonic);
  const t3 = cs.filter((c) => c.userSensitive && !c.privileged).map((c) => c.mnemonic);
  const time = cs.filter((c) => c.revealsTime).map((c) => c.mnemonic);
  const t2 = [...new Set([...t1, ...time])];
  return {
    '1': { holds: t1.length === 0, violators: t1, statement: 'sensitive ⊆ privileged ⇒ a trap-and-emulate VMM exists' },
    '2': { holds: t2.length === 0, violators: t2, statement: 'Theorem 1 holds and no instruction reveals real time ⇒ recursively virtualizable' },
    '3': { holds: t3.length === 0, violators: t3, statement: 'user-sensitive ⊆ privileged ⇒ a hybrid VMM exists' },
  };
}

/** Compare what isa/ declares with what execution showed. */
export function disagreements(cs: readonly Classification[]): Disagreement[] {
  const out: Disagreement[] = [];
  for (const c of cs) {
    const d = c.spec.declared;
    const check = (property: Disagreement['property'], declared: boolean, derived: boolean, kind: Property) => {
      if (declared === derived) return;
      const witness = c.witnesses.find((w) => w.property === kind || (property === 'privileged' && (w.property === 'notPrivileged' || w.property === 'privileged')));
      out.push({ mnemonic: c.mnemonic, spec: c.spec, property, declared, derived, ...(witness ? { witness } : {}) });
    };
    check('privileged', d.privileged, c.privileged, 'privileged');
    check('control', d.control, c.controlSensitive, 'controlSensitive');
    check('location', d.location, c.locationSensitive, 'locationSensitive');
    check('mode', d.mode, c.modeSensitive, 'modeSensitive');
  }
  return out;
}

/**
 * Popek & Goldberg's definitions, made exact for PG32 (ISA.md
 * "Classification"), decided by running each instruction in chosen states.
 *
 * - privileged: for every pair of states differing only in M (where it does
 *   not memory-trap), it traps in user mode and not in supervisor mode.
 * - control-sensitive: in some state it completes and changes the control
 *   state (M, R, IE, TIMER, pending, running, devices) beyond the hardware's
 *   own timer tick.
 * - location-sensitive: in some pair of same-mode states differing only by a
 *   shift x of base (storage shifted to match) it completes in both and the
 *   results (registers, relocated storage, pc) differ.
 * - mode-sensitive: in some pair differing only in M it completes in both and
 *   the results differ.
 * - reveals time (Theorem 2): in some pair differing only in TIMER it
 *   completes in both and the results differ.
 */
import { causeName, CAUSES, type Isa, type Spec } from '../isa/table.js';
import { controlAfterTick, controlDiff, INCOMPLETE, Prober, type Outcome, type State } from './probe.js';
import { MAX_SHIFT, shifted, statesFor, withMode, withTimer } from './states.js';
import { admissions, hardwareAssist, type Admission, type AssistVerdict } from './assist.js';

export type Property =
  | 'privileged'
  | 'notPrivileged'
  | 'controlSensitive'
  | 'locationSensitive'
  | 'modeSensitive'
  | 'revealsTime';

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
  /** how many states and mode pairs were tried */
  readonly statesTried: number;
  readonly modePairs: number;
}

export interface ClassifyOptions {
  /** states per instruction (default 600) */
  readonly states?: number;
  /** states per instruction for the hardware-assist verdict, each tried in both modes (default DEFAULT_ASSIST_STATES) */
  readonly assistStates?: number;
  readonly seed?: number;
}

export const DEFAULT_STATES = 600;
export const DEFAULT_SEED = 1974;

/** Do two completed outcomes give the same results: registers, pc, and storage seen through each one's initial relocation? */
function sameResults(a: Outcome, sa: State, b: Outcome, sb: State): string | null {
  for (let r = 0; r < 16; r++) if (a.regs[r] !== b.regs[r]) return `r${r}: ${a.regs[r]} vs ${b.regs[r]}`;
  if (a.pc !== b.pc) return `pc: ${a.pc} vs ${b.pc}`;
  const n = Math.min(sa.bound, sb.bound);
  for (let k = 0; k < n; k++) {
    if (a.mem[sa.base + k] !== b.mem[sb.base + k]) return `storage at virtual ${k}: ${a.mem[sa.base + k]} vs ${b.mem[sb.base + k]}`;
  }
  return null;
}

export function classifyInstruction(spec: Spec, prober: Prober, opts: ClassifyOptions = {}): Classification {
  const count = opts.states ?? DEFAULT_STATES;
  const seed = opts.seed ?? DEFAULT_SEED;
  const found = new Map<string, Witness>();
  const note = (key: string, w: Witness) => {
    if (!found.has(key)) found.set(key, w);
  };
  let modePairs = 0;
  let privilegedExample: Witness | undefined;
  let counterexample: Witness | undefined;

  for (const st of statesFor(spec, count, seed, prober.isa.instructions)) {
    const sS = withMode(st, true);
    const sU = withMode(st, false);
    const oS = prober.run(sS);
    const oU = prober.run(sU);

    // privileged: traps in user mode and not in supervisor mode, for every M pair that does not memory-trap
    if (oS.trap !== CAUSES.MEMORY && oU.trap !== CAUSES.MEMORY && oS.trap !== INCOMPLETE && oU.trap !== INCOMPLETE) {
      modePairs++;
      const ok = oU.trap !== 0 && oS.trap === 0;
      const w: Witness = {
        property: ok ? 'privileged' : 'notPrivileged',
        claim: ok
          ? `traps ${causeName(oU.trap)} in user mode and completes in supervisor mode`
          : `in user mode it ${oU.trap ? 'traps ' + causeName(oU.trap) : 'completes'}, in supervisor mode it ${oS.trap ? 'traps ' + causeName(oS.trap) : 'completes'}`,
        states: [sU, sS],
        outcomes: [oU, oS],
        mode: 'pair',
      };
      if (ok) privilegedExample ??= w;
      else counterexample ??= w;
    }

    // control-sensitive, in each mode
    for (const [s, o, mode] of [[sS, oS, 'supervisor'], [sU, oU, 'user']] as const) {
      if (o.trap !== 0) continue;
      const d = controlDiff(controlAfterTick(s), o.control);
      if (d.length) note(`control-${mode}`, { property: 'controlSensitive', claim: `in ${mode} mode it completes and changes the control state: ${d.join(', ')}`, states: [s], outcomes: [o], mode });
    }

    // mode-sensitive: both complete, results differ
    if (oS.trap === 0 && oU.trap === 0) {
      const diff = sameResults(oU, sU, oS, sS);
      if (diff) note('mode', { property: 'modeSensitive', claim: `completes in both modes with different results (${diff})`, states: [sU, sS], outcomes: [oU, oS], mode: 'pair' });
    }

    // location-sensitive: same mode, base shifted by x with storage shifted to match
    for (const [s, o, mode] of [[sS, oS, 'supervisor'], [sU, oU, 'user']] as const) {
      if (o.trap !== 0) continue;
      for (const x of [1, MAX_SHIFT]) {
        const s2 = shifted(s, x);
        const o2 = prober.run(s2);
        if (o2.trap !== 0) continue;
        const diff = sameResults(o, s, o2, s2);
        if (diff) {
          note(`location-${mode}`, { property: 'locationSensitive', claim: `in ${mode} mode, moving base by ${x} changes the result (${diff})`, states: [s, s2], outcomes: [o, o2], mode });
          break;
        }
      }
    }

    // reveals time: same state but for a running timer's value
    if (oS.trap === 0 && st.timer !== 7) {
      const s2 = withTimer(sS, 7);
      const o2 = prober.run(s2);
      if (o2.trap === 0) {
        const diff = sameResults(oS, sS, o2, s2);
        if (diff) note('time', { property: 'revealsTime', claim: `its result depends on TIMER (${diff})`, states: [sS, s2], outcomes: [oS, o2], mode: 'supervisor' });
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
    statesTried: count,
    modePairs,
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
  readonly instructions: Classification[];
  readonly theorems: { readonly '1': TheoremVerdict; readonly '2': TheoremVerdict; readonly '3': TheoremVerdict };
  /** the ISA with guest mode (`vt`): every instruction identical to the bare machine or an exit (assist.ts) */
  readonly hardwareAssist: AssistVerdict;
  /** which monitors the verdicts admit, and why */
  readonly monitors: readonly Admission[];
  /** declared classes in isa/ that the derived ones contradict */
  readonly disagreements: Disagreement[];
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
  const prober = new Prober(isa);
  const instructions = isa.instructions.map((spec) => classifyInstruction(spec, prober, opts));
  const t = theorems(instructions);
  const hw = hardwareAssist(isa, { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.assistStates !== undefined ? { states: opts.assistStates } : {}) });
  return { isa: isa.name, instructions, theorems: t, hardwareAssist: hw, monitors: admissions(t, hw), disagreements: disagreements(instructions) };
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

/**
 * Which instructions the binary translator rewrites, and in which virtual
 * mode: read off the checker's derived classes (src/checker/classify.ts),
 * never a hand list. The classification runs each instruction in hundreds of
 * states, so it is done once and kept: the tables once per ISA, and each
 * instruction's classification once per process (the checker runs an
 * instruction alone, so its class does not depend on which other extras the
 * ISA has; pg32, pg32-pdp10 and pg32-x86 share 42 of them).
 *
 * - Code run in virtual supervisor mode is translated on every ISA: an
 *   instruction the checker finds sensitive (control-, location- or
 *   mode-sensitive, which includes every privileged one) is rewritten to act
 *   on the VM's virtual state; the rest is ident.
 * - Code run in virtual user mode is translated only where the checker finds
 *   a user-sensitive instruction that is not privileged (Theorem 3 fails:
 *   getr on pg32-x86). Then its user-sensitive instructions are rewritten.
 *   Elsewhere user code runs directly on the machine below, as under
 *   trap-and-emulate: there every user-sensitive instruction traps.
 */
import { classifyInstruction, type Classification } from '../../checker/classify.js';
import { Prober } from '../../checker/probe.js';
import type { Isa, Spec } from '../../isa/table.js';

/** How the translator treats an opcode in one mode. */
export const IDENT = 0;
export const REWRITE = 1;

export interface TranslationClasses {
  readonly isa: string;
  /** opcode → IDENT | REWRITE, for code run in virtual supervisor mode */
  readonly supervisor: Uint8Array;
  /** opcode → IDENT | REWRITE, for code run in virtual user mode (when it is translated) */
  readonly user: Uint8Array;
  /** opcode → 1 if privileged (its ident translation traps PRIV, as on the deprivileged machine) */
  readonly privileged: Uint8Array;
  /** is virtual supervisor code translated? (some instruction is sensitive) */
  readonly translateSupervisor: boolean;
  /** is virtual user code translated? (some user-sensitive instruction is not privileged) */
  readonly translateUser: boolean;
  /** mnemonics rewritten, per mode, for reports */
  readonly rewritten: { readonly supervisor: readonly string[]; readonly user: readonly string[] };
  /** the checker's classifications they were read from */
  readonly instructions: readonly Classification[];
}

const TABLES = new Map<string, TranslationClasses>();
const CLASSIFIED = new WeakMap<Spec, Classification>();

/** The translator's classes for `isa`, from the checker (computed once per ISA). */
export function translationClasses(isa: Isa): TranslationClasses {
  let t = TABLES.get(isa.name);
  if (!t) {
    let prober: Prober | undefined;
    const cs = isa.instructions.map((spec) => {
      let c = CLASSIFIED.get(spec);
      if (!c) CLASSIFIED.set(spec, (c = classifyInstruction(spec, (prober ??= new Prober(isa)))));
      return c;
    });
    TABLES.set(isa.name, (t = fromClassifications(isa.name, cs)));
  }
  return t;
}

/** Build the tables from the checker's classifications (also how tests plant a wrong one). */
export function fromClassifications(isa: string, instructions: readonly Classification[]): TranslationClasses {
  const supervisor = new Uint8Array(256);
  const user = new Uint8Array(256);
  const privileged = new Uint8Array(256);
  const rw = { supervisor: [] as string[], user: [] as string[] };
  for (const c of instructions) {
    const op = c.spec.opcode;
    if (!c.innocuous) {
      supervisor[op] = REWRITE;
      rw.supervisor.push(c.mnemonic);
    }
    if (c.userSensitive) {
      user[op] = REWRITE;
      rw.user.push(c.mnemonic);
    }
    if (c.privileged) privileged[op] = 1;
  }
  const cs = instructions;
  return {
    isa,
    supervisor,
    user,
    privileged,
    translateSupervisor: cs.some((c) => !c.innocuous),
    translateUser: cs.some((c) => c.userSensitive && !c.privileged),
    rewritten: rw,
    instructions,
  };
}

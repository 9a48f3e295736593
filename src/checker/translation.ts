/**
 * What the classification means for binary translation (the `bt` monitor,
 * src/vmm/bt/): it rewrites exactly the instructions the checker finds
 * sensitive in supervisor code, and translates user code too where a
 * user-sensitive instruction is not privileged. So it admits every ISA the
 * checker classifies: no sensitive instruction is left to run directly.
 */
import type { Admission } from './assist.js';
import type { Classification } from './classify.js';

export function translationAdmission(cs: readonly Classification[]): Admission {
  const sensitive = cs.filter((c) => !c.innocuous).map((c) => c.mnemonic);
  const user = cs.filter((c) => c.userSensitive && !c.privileged).map((c) => c.mnemonic);
  return {
    monitor: 'bt',
    admits: true,
    why:
      `kernel code is translated, its sensitive instructions (${sensitive.join(', ') || 'none'}) rewritten to act on the virtual state; ` +
      (user.length ? `user code too, for ${user.join(', ')} (user-sensitive, not privileged)` : 'user code runs directly (every user-sensitive instruction traps)'),
  };
}

/** A paravirtual guest is changed, not run unmodified: the report says so apart from the monitors. */
export const PARAVIRTUAL_NOTE =
  'A paravirtual guest (changed to make hypercalls, ISA.md "Hypercalls", instead of its sensitive instructions) runs under every monitor, trap-and-emulate included: programs/para/.';

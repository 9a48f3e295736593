/**
 * The paravirtual interface (../shared/ISA.md, "Hypercalls"), as data: the
 * one place its numbers are written, in the manner of Xen's public
 * xen/include/public/xen.h — a numbered table, one line of meaning per call.
 *
 * `svc n` executed in VIRTUAL supervisor mode with n = BASE + call is a
 * hypercall: the monitor performs it instead of delivering the SVC. On the
 * bare machine, or from virtual user mode, it is an ordinary SVC.
 * Arguments are in r1–r3; the result is in r1.
 */

/** svc numbers BASE..LAST from virtual supervisor mode are hypercalls */
export const HYPERCALL_BASE = 0xff00;
export const HYPERCALL_LAST = 0xffff;

export interface HypercallSpec {
  readonly name: string;
  readonly call: number;
  readonly args: string;
  readonly result: string;
  readonly description: string;
}

const H = <N extends string>(name: N, call: number, args: string, result: string, description: string) => ({ name, call, args, result, description }) as const;

export const HYPERCALLS = [
  H('probe', 0, '', 'r1 = 0x5047', 'is there a trapeze monitor? ("PG")'),
  H('write', 1, 'r1 = buffer, r2 = words', 'r1 = words written', 'console out: the low 8 bits of each word, the whole buffer in one call'),
  H('read', 2, 'r1 = buffer, r2 = at most', 'r1 = bytes read (0 at end of input)', 'console in: one byte per word'),
  H('flags', 3, '', 'r1 = virtual flags', 'the virtual PSW flags (S, IE): what gpsw would show the bare machine'),
  H('setie', 4, 'r1 bit 0 = IE', 'r1 = 0', 'virtual IE ← bit 0 of r1 (x86 sflags, done right)'),
  H('reloc', 5, '', 'r1 = virtual base, r2 = virtual bound', 'the virtual relocation register (what getr would show)'),
  H('timer', 6, 'r1 = count', 'r1 = 0', 'as stimer r1: TIMER ← r1, a pending timer interrupt cleared'),
  H('multicall', 7, 'r1 = table, r2 = entries', 'r1 = entries done', 'each 4-word entry (call, a1, a2, a3) in order; stops at the first negative result'),
  H('yield', 8, '', 'r1 = 0', "end this VM's time slice"),
  H('halt', 9, '', 'r1 = 0', 'as halt: the VM stops'),
] as const satisfies readonly HypercallSpec[];

export type HypercallName = (typeof HYPERCALLS)[number]['name'];

/** call number by name */
export const HC = Object.fromEntries(HYPERCALLS.map((h) => [h.name, h.call])) as Record<HypercallName, number>;

/** result of an unknown call */
export const HC_UNKNOWN = -1;
/** result when a buffer fails the guest's relocation (nothing was done) */
export const HC_BAD_BUFFER = -2;
/** result of `probe` */
export const HC_PROBE_MAGIC = 0x5047;

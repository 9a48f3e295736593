/**
 * What a monitor tells whoever watches it work: the debugger's `catch
 * emulate` / `catch monitor`, and `trapeze vmm --trace`.
 *
 * Every monitor (trap-and-emulate and hybrid here; hardware-assisted and
 * binary translation beside them) has one optional listener and calls it at
 * each decision of its dispatcher. Unset, it costs one property test per
 * trap: `this.listener?.({ … })` builds no event when there is no listener.
 *
 * The story of one trapped instruction, in events:
 *
 *   trap      the machine below stopped the guest (cause, info, pc): the dispatcher runs
 *   emulate   an interpreter routine did the instruction to the VM (routine: its name)
 *   reflect   the guest's own trap sequence: its handler gets the trap
 *   checkstop the VM stopped: its trap had no handler
 *
 * and, from the other monitors: `exit` (a `vt` VM exit: the exit code and
 * info of ISA.md's table), `translate` (binary translation made a block),
 * `hypercall` (a paravirtual guest called its monitor), `interpret` (the
 * hybrid monitor ran one instruction of virtual supervisor mode in
 * software).
 */

/** The VM an event is about; any monitor's VM has a name. */
export interface EventVm {
  readonly name: string;
}

export type MonitorEvent =
  | { readonly kind: 'trap'; readonly vm: EventVm; readonly cause: number; readonly info: number; readonly pc: number }
  | { readonly kind: 'emulate'; readonly vm: EventVm; readonly routine: string; readonly word: number; readonly pc: number }
  | { readonly kind: 'reflect'; readonly vm: EventVm; readonly cause: number; readonly info: number; readonly pc: number }
  | { readonly kind: 'interpret'; readonly vm: EventVm; readonly pc: number; readonly word: number }
  | { readonly kind: 'checkstop'; readonly vm: EventVm; readonly cause: number; readonly info: number; readonly pc: number; readonly why: string }
  | { readonly kind: 'exit'; readonly vm: EventVm; readonly code: number; readonly info: number; readonly pc: number }
  | { readonly kind: 'translate'; readonly vm: EventVm; readonly pc: number; readonly words: number }
  | { readonly kind: 'hypercall'; readonly vm: EventVm; readonly call: number; readonly result: number; readonly pc: number };

export type MonitorEventKind = MonitorEvent['kind'];

/** A monitor's listener: called synchronously, in the order the monitor decides. */
export type MonitorListener = (event: MonitorEvent) => void;

/** What every monitor offers: set `listener` to watch it, leave it undefined to pay nothing. */
export interface Observable {
  listener: MonitorListener | undefined;
}

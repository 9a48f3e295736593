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
import { EXITS } from '../isa/table.js';

/** The VM an event is about; any monitor's VM has a name. */
export interface EventVm {
  readonly name: string;
}

export type MonitorEvent =
  | { readonly kind: 'trap'; readonly vm: EventVm; readonly cause: number; readonly info: number; readonly pc: number }
  | { readonly kind: 'emulate'; readonly vm: EventVm; readonly routine: string; readonly word: number; readonly pc: number }
  /** `up`: the VM is itself the machine of a monitor above, which takes the trap instead of the VM's handler */
  | { readonly kind: 'reflect'; readonly vm: EventVm; readonly cause: number; readonly info: number; readonly pc: number; readonly up?: boolean }
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

// ------------------------------------------------------------------ words

const EXIT_NAMES = new Map<number, string>(Object.entries(EXITS).map(([k, v]) => [v, k]));

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/**
 * The events of one guest step (or any run of events) as lines, one per
 * trap's story: `trap PRIV at 0x00000014 (out r1, 0) → dispatch → emulate out`.
 * `disassemble` turns an instruction word into text.
 */
export function describeEvents(events: readonly MonitorEvent[], disassemble: (word: number, pc: number) => string, causeName: (c: number) => string): { vm: EventVm; text: string }[] {
  const lines: { vm: EventVm; text: string }[] = [];
  let open: { vm: EventVm; text: string } | undefined;
  const start = (vm: EventVm, text: string) => {
    open = { vm, text };
    lines.push(open);
  };
  const extend = (vm: EventVm, text: string, alone: string) => {
    if (open && open.vm === vm) open.text += ` → ${text}`;
    else start(vm, alone);
  };
  for (const e of events) {
    switch (e.kind) {
      case 'trap': {
        const what = e.cause === 1 || e.cause === 2 || e.cause === 6 ? ` (${disassemble(e.info, e.pc)})` : e.cause === 3 ? ` (address ${hex(e.info)})` : e.cause === 4 ? ` ${e.info}` : '';
        // an SVC's old pc is the next instruction: name the svc itself
        start(e.vm, `trap ${causeName(e.cause)}${what} at ${hex(e.cause === 4 ? e.pc - 1 : e.pc)} → dispatch`);
        break;
      }
      case 'emulate':
        extend(e.vm, `emulate ${e.routine} (ROUTINES.${e.routine}, src/vmm/routines.ts)`, `emulate ${e.routine} at ${hex(e.pc)} (${disassemble(e.word, e.pc)})`);
        open = undefined;
        break;
      case 'reflect':
        if (e.up) extend(e.vm, `pass it up to the monitor running on ${e.vm.name}`, `pass ${causeName(e.cause)} at ${hex(e.pc)} up to the monitor running on ${e.vm.name}`);
        else extend(e.vm, `reflect ${causeName(e.cause)} to the guest's own handler`, `reflect ${causeName(e.cause)} at ${hex(e.pc)} to the guest's own handler${e.cause === 5 ? ' (its timer interrupt)' : ''}`);
        open = undefined;
        break;
      case 'checkstop':
        extend(e.vm, `check-stop (${e.why})`, `check-stop: ${causeName(e.cause)} at ${hex(e.pc)} (${e.why})`);
        open = undefined;
        break;
      case 'interpret':
        start(e.vm, `interpret ${disassemble(e.word, e.pc)} at ${hex(e.pc)} (virtual supervisor mode, in software)`);
        open = undefined;
        break;
      case 'exit': {
        const name = e.code <= 6 ? `${causeName(e.code)} (an intercepted trap)` : (EXIT_NAMES.get(e.code) ?? `code ${e.code}`);
        const what = e.code === EXITS.INSTR ? ` (${disassemble(e.info, e.pc)})` : e.code === EXITS.NPF ? ` (guest-physical ${hex(e.info)})` : '';
        start(e.vm, `VM exit ${name}${what} at ${hex(e.pc)}`);
        break;
      }
      case 'translate':
        start(e.vm, `translate ${e.words} word${e.words === 1 ? '' : 's'} at ${hex(e.pc)}`);
        open = undefined;
        break;
      case 'hypercall':
        extend(e.vm, `hypercall ${e.call} → r1 = ${e.result}`, `hypercall ${e.call} at ${hex(e.pc)} → r1 = ${e.result}`);
        open = undefined;
        break;
    }
  }
  return lines;
}

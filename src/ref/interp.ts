/**
 * The reference interpreter: PG32 exactly as ../shared/ISA.md states it,
 * short, plain and slow on purpose. One step fetches, decodes through the
 * ISA table, runs the instruction's line in semantics.ts, then counts it
 * and ticks the timer; a trap is thrown by the instruction and delivered in
 * one place. There is no translation, no burst, no cached limit: it is the
 * oracle the fast CPU (src/cpu/cpu.ts) is tested against, and it shares no
 * code with it beyond the ISA table and the devices.
 *
 * It offers the same surface as the CPU (registers, PSW, TIMER, storage,
 * run/step, the trap hook, instret, traps), so a test, a monitor or the
 * checker can run on either. `semantics` replaces the meaning of any
 * instruction — how tests plant a semantic bug without editing source.
 */
import { CAUSES, DEFAULT_MEM_WORDS, EXITS, FLAGS, FLAGS_MASK, INTERCEPTS, LOW, MIN_MEM_WORDS, opcodeOf, PG32, REGISTER_COUNT, reservedMask, type Isa } from '../isa/table.js';
import type { CheckStop, StopReason } from '../cpu/cpu.js';
import { Console, type Devices } from '../cpu/devices.js';
import type { Image } from '../image.js';
import { decode, type Operands } from './decode.js';
import { Exit, guestStep, interceptOfCause, type Guest } from './guest.js';
import { SEMANTICS, type Semantics } from './semantics.js';
import { Trap } from './trap.js';

export { Trap };

export interface ReferenceOptions {
  isa?: Isa;
  memWords?: number;
  /** storage to use instead of allocating it */
  mem?: Int32Array;
  devices?: Devices;
  /** what each instruction means (default: semantics.ts) */
  semantics?: Semantics;
}

export class Reference {
  readonly regs = new Int32Array(REGISTER_COUNT);
  /** PSW */
  flags: number = FLAGS.S;
  pc = 0;
  base = 0;
  bound: number;
  /** unsigned instruction countdown, 0 = off */
  timer = 0;
  /** a timer interrupt is pending */
  pending = false;

  readonly memWords: number;
  readonly mem: Int32Array;
  devices: Devices;
  readonly isa: Isa;
  readonly semantics: Semantics;

  /** when set, a trap is not delivered: run() stops with 'trap' and pc at the old pc */
  trapHook = false;
  trapCause = 0;
  trapInfo = 0;
  trapPc = 0;

  halted = false;
  checkStop: CheckStop | null = null;

  /** `vt`: the guest this host is running (guest.ts), while in guest mode */
  guest: Guest | null = null;
  /** when set, an exit stops run() with 'exit' instead of the host going on after vmrun */
  exitHook = false;
  /** this processor IS a guest: its intercepts and exits apply (guest.ts) */
  isGuest = false;
  /** a guest's intercepts (control block word 8), and its last exit */
  intercepts = 0;
  exitCode = 0;
  exitInfo = 0;

  /** instructions completed */
  instret = 0;
  /** trap deliveries (or hook stops), by cause */
  readonly traps = new Float64Array(8);

  /** the pc the current instruction continues at (next instruction unless it jumps) */
  private next = 0;
  /** the current instruction set TIMER (stimer), so it is not counted by it */
  private timerSet = false;
  /** a trap was just delivered: a fault fetching the handler's first instruction is a check-stop */
  private afterTrap = false;
  /** the current instruction (vmrun) entered guest mode: it completes at the exit */
  private entered = false;

  constructor(opts: ReferenceOptions = {}) {
    this.memWords = opts.mem?.length ?? opts.memWords ?? DEFAULT_MEM_WORDS;
    if (!Number.isInteger(this.memWords) || this.memWords < MIN_MEM_WORDS || this.memWords > 2 ** 30) {
      throw new RangeError(`memory size must be ${MIN_MEM_WORDS}..${2 ** 30} words, not ${this.memWords}`);
    }
    this.mem = opts.mem ?? new Int32Array(this.memWords);
    this.bound = this.memWords;
    this.isa = opts.isa ?? PG32;
    this.devices = opts.devices ?? new Console();
    this.semantics = opts.semantics ?? SEMANTICS;
  }

  get supervisor(): boolean {
    return (this.flags & FLAGS.S) !== 0;
  }

  get trapCount(): number {
    return this.traps.reduce((a, b) => a + b, 0);
  }

  // ------------------------------------------------------------ reset and load

  /** ISA.md's reset state; storage cleared. */
  reset(): void {
    this.mem.fill(0);
    this.regs.fill(0);
    this.flags = FLAGS.S;
    this.pc = 0;
    this.base = 0;
    this.bound = this.memWords;
    this.timer = 0;
    this.pending = false;
    this.halted = false;
    this.checkStop = null;
    this.instret = 0;
    this.traps.fill(0);
    this.afterTrap = false;
    this.guest = null; // the reset state is the host's
  }

  /** Reset, copy the image's segments into storage, and start at its entry point. */
  load(image: Image): void {
    for (const seg of image.segments) {
      if (seg.origin + seg.words.length > this.memWords) {
        throw new RangeError(`image segment at ${seg.origin} (${seg.words.length} words) does not fit in ${this.memWords} words of storage`);
      }
    }
    this.reset();
    for (const seg of image.segments) this.mem.set(seg.words, seg.origin);
    this.pc = image.entry >>> 0;
  }

  // ------------------------------------------------------------------ running

  /** Up to `maxSteps` steps; a step is an instruction that completes or a trap delivery. */
  run(maxSteps: number): StopReason {
    if (this.halted) return 'halt';
    if (this.checkStop) return 'checkstop';
    for (let i = 0; i < maxSteps; i++) {
      const r = this.step();
      if (r !== 'budget') return r;
    }
    return 'budget';
  }

  /** One step. 'budget' means it went on normally. */
  step(): StopReason {
    if (this.halted) return 'halt';
    if (this.checkStop) return 'checkstop';

    // In guest mode the guest runs (the host's own interrupt waits for the exit). An exit that took no step
    // (an intercept, an NPF) lets the host go on after vmrun within this step.
    while (this.guest) {
      const r = guestStep(this);
      if (r === 'exited') {
        if (this.exitHook) return 'exit';
        continue;
      }
      if (r === 'exit') return this.exitHook ? 'exit' : 'budget';
      return r;
    }

    // A pending timer interrupt is taken before the next instruction once IE = 1.
    if (this.pending && (this.flags & FLAGS.IE) !== 0) {
      this.pending = false;
      return this.deliver(new Trap(CAUSES.TIMER, 0, this.pc));
    }
    // The first instruction after a trap sequence must be reachable: never loop on an unreachable handler.
    if (this.afterTrap) {
      this.afterTrap = false;
      if (!this.reachable(this.pc)) {
        // a guest exits instead: past the partition (below its bound) NPF, else CHECKSTOP
        if (this.isGuest) return this.pc < this.bound ? this.exit(EXITS.NPF, this.base + this.pc) : this.exit(EXITS.CHECKSTOP, CAUSES.MEMORY);
        return this.stop(CAUSES.MEMORY, this.pc, this.pc, "the trap handler's first instruction is outside its relocation bounds");
      }
    }

    try {
      const word = this.loadWord(this.pc);
      const spec = this.isa.byOpcode[opcodeOf(word)];
      if (spec === undefined || (word & reservedMask(spec)) !== 0) throw new Trap(CAUSES.ILLEGAL, word);
      this.next = this.pc + 1;
      this.timerSet = false;
      this.semantics[spec.mnemonic](this, decode(word, spec, this.pc));
    } catch (e) {
      if (e instanceof Trap) return this.deliver(e);
      if (e instanceof Exit) return this.exit(e.code, e.info); // the guest's pc stays at the instruction
      throw e;
    }
    if (this.entered) {
      // vmrun entered guest mode: a step, but the instruction completes at the exit (leaveGuest)
      this.entered = false;
      this.pc = this.next >>> 0;
      return 'budget';
    }

    // The instruction completed.
    this.pc = this.next >>> 0;
    this.instret++;
    if (!this.timerSet && this.timer > 0) {
      this.timer--;
      if (this.timer === 0) this.pending = true;
    }
    return this.halted ? 'halt' : 'budget';
  }

  // ------------------------------------------------- what instructions use

  /** Register n (r0 reads 0). */
  get(n: number): number {
    return n === 0 ? 0 : this.regs[n]!;
  }

  /** Register n ← v, low 32 bits (writes to r0 are ignored). */
  set(n: number, v: number): void {
    if (n !== 0) this.regs[n] = v;
  }

  /** Continue at virtual `target` instead of the next instruction. */
  jump(target: number): void {
    this.next = target >>> 0;
  }

  /** TIMER ← v and a pending interrupt cleared (stimer); the instruction doing it is not counted. */
  setTimer(v: number): void {
    this.timer = v;
    this.pending = false;
    this.timerSet = true;
  }

  /**
   * In guest mode, an instruction whose intercept (its table entry's) is set
   * does not complete: the guest exits with INSTR. Called where the
   * instruction would otherwise complete, after its privilege and address
   * checks.
   */
  intercept(o: Operands): void {
    const name = this.isa.byOpcode[opcodeOf(o.word)]!.intercept;
    if (this.isGuest && name && (this.intercepts & INTERCEPTS[name]) !== 0) throw new Exit(EXITS.INSTR, o.word);
  }

  /** A host enters guest mode (guest.ts, vmrun). */
  enterGuest(g: Guest): void {
    this.guest = g;
    this.entered = true;
  }

  /** A host leaves guest mode (guest.ts, at the exit): vmrun completes, counted and ticking the TIMER. */
  leaveGuest(): void {
    this.guest = null;
    this.instret++;
    if (this.timer > 0 && --this.timer === 0) this.pending = true;
  }

  /** A guest delivers an injected trap before its first instruction: always delivered; 'exit' if it found no handler. */
  inject(cause: number, info: number): StopReason {
    return this.deliver(new Trap(cause, info, this.pc), true);
  }

  /** Privileged: a PRIV trap in user mode (info = the instruction word). */
  requireSupervisor(o: Operands): void {
    if (!this.supervisor) throw new Trap(CAUSES.PRIV, o.word);
  }

  /** Relocation: virtual `a` (unsigned) is reachable if a < bound and base + a < storage. */
  reachable(a: number): boolean {
    a = a >>> 0;
    return a < this.bound && this.base + a < this.memWords;
  }

  /** The word at virtual `a`, or a MEMORY trap (info = a). */
  loadWord(a: number): number {
    if (!this.reachable(a)) throw new Trap(CAUSES.MEMORY, a >>> 0);
    return this.mem[this.base + (a >>> 0)]!;
  }

  /** The word at virtual `a` ← v, or a MEMORY trap. */
  storeWord(a: number, v: number): void {
    if (!this.reachable(a)) throw new Trap(CAUSES.MEMORY, a >>> 0);
    this.mem[this.base + (a >>> 0)] = v;
  }

  /** `count` words from virtual `at`: every address is checked before any is read (lpsw). */
  loadWords(at: number, count: number): number[] {
    this.checkWords(at, count);
    return Array.from({ length: count }, (_, k) => this.loadWord(at + k));
  }

  /** Words to virtual `at`…: every address is checked before any is written (spsw). */
  storeWords(at: number, words: readonly number[]): void {
    this.checkWords(at, words.length);
    words.forEach((w, k) => this.storeWord(at + k, w));
  }

  /** A MEMORY trap at the first of `count` addresses from `at` (32-bit, wrapping) that fails relocation. */
  checkWords(at: number, count: number): void {
    for (let k = 0; k < count; k++) {
      const a = (at + k) >>> 0;
      if (!this.reachable(a)) throw new Trap(CAUSES.MEMORY, a);
    }
  }

  /** Physical word at virtual `a` under the current relocation, or undefined if it would fault. */
  readVirtual(a: number): number | undefined {
    return this.reachable(a) ? this.mem[this.base + (a >>> 0)] : undefined;
  }

  // -------------------------------------------------------------------- traps

  /** The one place a trap is delivered: to the hook, or by the trap sequence (in a guest: or an exit). */
  private deliver(t: Trap, injected = false): StopReason {
    const oldPc = (t.oldPc ?? this.pc) >>> 0;
    if (this.isGuest && !injected) {
      // below the guest's bound, the access failed only because the partition ends there
      if (t.cause === CAUSES.MEMORY && t.info >>> 0 < this.bound) {
        this.pc = oldPc;
        return this.exit(EXITS.NPF, this.base + (t.info >>> 0));
      }
      if ((this.intercepts & INTERCEPTS[interceptOfCause(t.cause)]) !== 0) {
        this.pc = oldPc;
        return this.exit(t.cause, t.info);
      }
    }
    this.traps[t.cause]!++;
    if (this.trapHook) {
      this.trapCause = t.cause;
      this.trapInfo = t.info | 0;
      this.trapPc = oldPc;
      this.pc = oldPc;
      return 'trap';
    }
    // The trap sequence: old PSW, cause and info to physical 0..5; new PSW from physical 8..11.
    const E = this.mem;
    E[LOW.OLD_PSW] = this.flags & FLAGS_MASK;
    E[LOW.OLD_PSW + 1] = oldPc;
    E[LOW.OLD_PSW + 2] = this.base;
    E[LOW.OLD_PSW + 3] = this.bound;
    E[LOW.CAUSE] = t.cause;
    E[LOW.INFO] = t.info;
    this.flags = E[LOW.NEW_PSW]! & FLAGS_MASK;
    this.pc = E[LOW.NEW_PSW + 1]! >>> 0;
    this.base = E[LOW.NEW_PSW + 2]! >>> 0;
    this.bound = E[LOW.NEW_PSW + 3]! >>> 0;
    if (this.bound === 0 && this.isGuest) {
      // a guest's CHECKSTOP exit: C gets the PSW at the trap
      [this.flags, this.pc, this.base, this.bound] = [E[LOW.OLD_PSW]!, oldPc, E[LOW.OLD_PSW + 2]! >>> 0, E[LOW.OLD_PSW + 3]! >>> 0];
      return this.exit(EXITS.CHECKSTOP, t.cause);
    }
    if (this.bound === 0) return this.stop(t.cause, t.info, oldPc, 'no trap handler installed (new PSW bound is 0)');
    this.afterTrap = true;
    return 'budget';
  }

  /** A guest's exit: recorded for the host (guest.ts writes it to C). */
  private exit(code: number, info: number): StopReason {
    this.exitCode = code;
    this.exitInfo = info | 0;
    return 'exit';
  }

  private stop(cause: number, info: number, pc: number, why: string): StopReason {
    this.checkStop = { cause, info: info | 0, pc: pc >>> 0, why };
    return 'checkstop';
  }
}

/**
 * The PG32 interpreter CPU, exactly as ../shared/ISA.md describes it.
 *
 * The whole machine state is plain fields on this object (registers, PSW,
 * TIMER, storage) so tests and the VMM can snapshot and compare it.
 *
 * run(n) is the only way instructions execute. It is built for speed: the
 * hot state lives in locals, innocuous instructions are executed inline by a
 * small-integer switch, and nothing is allocated or thrown per instruction.
 * Code that becomes hot (the target of HOT_AT taken branches) is translated
 * to JavaScript as a region by translate.ts (bookkeeping: codecache.ts) and
 * run there, with exactly the same effect, step for step, as interpreting it;
 * control passes between regions and the interpreter at branch targets.
 * Control instructions (the privileged ones and the variants' extras) leave
 * the inner loop and run in `control()`, where the timer and mode bookkeeping
 * is done once, plainly. Every trap is raised by returning its cause, and
 * delivered in one place: `deliver()`.
 */
import {
  CAUSES,
  DEFAULT_MEM_WORDS,
  EXITS,
  FIELDS,
  FLAGS,
  FLAGS_MASK,
  LOW,
  MIN_MEM_WORDS,
  OPCODE,
  PG32,
  REGISTER_COUNT,
  INTERCEPTS,
  reservedMask,
  type Isa,
} from '../isa/table.js';
import { Console, type Devices } from './devices.js';
import { firstBadAddress, hookTrap, loadPsw, resetAndLoad, resetState, storePsw, trapSequence } from './psw.js';
import { CODE_HIT, WARM_BUDGET, WARM_CALLS } from './translate.js';
import { CodeCache, ENTRY, EPOCH_WRAP, HOT_AT } from './codecache.js';
import { enterGuest, runGuest, type GuestMode } from './guest.js';
import { loadPsw as reloadPsw } from './psw.js';
import type { Image } from '../image.js';

/** Why run() returned. The caller (CLI, VMM, checker, benchmark) decides what happens next. */
export type StopReason =
  /** `halt` executed */
  | 'halt'
  /** a trap found no handler (new PSW bound 0), or the handler's first fetch faulted */
  | 'checkstop'
  /** the step budget given to run() is used up */
  | 'budget'
  /** trapHook is set and a trap occurred: nothing was delivered; see trapCause/trapInfo/trapPc */
  | 'trap'
  /**
   * guest mode (`vt`) ended with an exit. A guest processor returns it to its
   * host at every exit (see exitCode/exitInfo); the host returns it only when
   * exitHook is set (a monitor written in TypeScript drives guest mode).
   */
  | 'exit';

export interface CheckStop {
  readonly cause: number;
  readonly info: number;
  /** the old pc of the trap that could not be delivered */
  readonly pc: number;
  readonly why: string;
}

/**
 * What hiddenState() returns: the processor's bookkeeping beyond the
 * architected state (registers, PSW, TIMER, pending interrupt) that decides
 * what it does next. Guest mode itself (`guest`) is a structure of its own.
 */
export interface CpuHidden {
  /** a trap was just delivered: a fault fetching the handler's first instruction is a check-stop */
  readonly afterTrap: boolean;
  /** traps delivered through low storage (the steps, with instret) */
  readonly delivered: number;
  /** a guest processor's intercepts, last exit, and whether that exit was its handler's first fetch */
  readonly intercepts: number;
  readonly exitCode: number;
  readonly exitInfo: number;
  readonly exitAfterTrap: boolean;
}

export interface CpuOptions {
  isa?: Isa;
  memWords?: number;
  /** storage to use instead of allocating it (e.g. a VM's partition, for the hybrid monitor's interpreter) */
  mem?: Int32Array;
  devices?: Devices;
  /** translate hot basic blocks to JavaScript (default true); off, every instruction is interpreted (in guest mode too: the guest processor follows its host) */
  translate?: boolean;
}

// Dispatch constants, read from isa/. TurboFan folds these module constants,
// so the switch below is as fast as one over literals.
const {
  add: ADD, sub: SUB, mul: MUL, div: DIV, rem: REM, and: AND, or: OR, xor: XOR,
  shl: SHL, shr: SHR, sra: SRA, slt: SLT, sltu: SLTU,
  addi: ADDI, slti: SLTI, andi: ANDI, ori: ORI, xori: XORI, shli: SHLI, shri: SHRI, srai: SRAI, lui: LUI,
  ld: LD, st: ST, beq: BEQ, bne: BNE, blt: BLT, bge: BGE, bltu: BLTU, bgeu: BGEU,
  jmp: JMP, jal: JAL, jr: JR, jalr: JALR, svc: SVC, nop: NOP,
  lpsw: LPSW, spsw: SPSW, stimer: STIMER, in: IN, out: OUT, halt: HALT,
  jrstu: JRSTU, gpsw: GPSW, sflags: SFLAGS, getr: GETR, vmrun: VMRUN,
} = OPCODE;

// Field positions, read from isa/.
const OP = FIELDS.op[1];
const A = FIELDS.a[1];
const B = FIELDS.b[1];
const C = FIELDS.c[1];
/** shift pairs that sign-extend a field: (w << L) >> R */
const IMM_L = 31 - FIELDS.imm16[0], IMM_R = IMM_L + FIELDS.imm16[1];
const O20_L = 31 - FIELDS.off20[0], O20_R = O20_L + FIELDS.off20[1];
const O24_L = 31 - FIELDS.off24[0], O24_R = O24_L + FIELDS.off24[1];
const UIMM = (1 << (FIELDS.imm16[0] - FIELDS.imm16[1] + 1)) - 1;
const SH5 = (1 << (FIELDS.sh5[0] - FIELDS.sh5[1] + 1)) - 1;

const S = FLAGS.S;
const IE = FLAGS.IE;
const { PRIV, ILLEGAL, MEMORY, TIMER, ARITH } = CAUSES;
const CAUSE_SVC = CAUSES.SVC;

/** instructions per burst at most, so the burst counter stays a small integer */
const MAX_BURST = (1 << 30) - 1; // the largest small integer (Smi) V8 keeps unboxed

/** control() result when the instruction completed (any other value is a trap cause) */
const DONE = 0;
/** control() result: completed, and must not tick the timer (stimer) */
const DONE_NO_TICK = -1;
/** control() result: halt completed */
const DONE_HALT = -2;
/** control() result: a guest processor exits (exitCode, exitInfo set; pc at the instruction) */
const DONE_EXIT = -3;
/** control() result: vmrun entered guest mode (a step; it completes at the exit) */
const DONE_GUEST = -4;

export class Cpu {
  readonly regs = new Int32Array(REGISTER_COUNT);
  /** PSW */
  flags: number = S;
  pc = 0;
  base = 0;
  bound: number;
  /** unsigned instruction countdown, 0 = off */
  timer = 0;
  /** a timer interrupt is pending (taken before the next instruction once IE = 1) */
  pending = false;

  readonly memWords: number;
  readonly mem: Int32Array;
  devices: Devices;
  readonly isa: Isa;

  /**
   * When set, traps are not delivered through low storage: run() stops with
   * 'trap' and leaves the PSW as the trap sequence would save it (pc = old pc).
   * This is how a VMM takes control: it is the dispatcher's entry.
   */
  trapHook = false;
  trapCause = 0;
  trapInfo = 0;
  trapPc = 0;

  halted = false;
  checkStop: CheckStop | null = null;

  /** instructions completed (in guest mode too: a guest instruction completes on this processor) */
  instret = 0;
  /** trap deliveries (or hook stops), by cause */
  readonly traps = new Float64Array(8);
  /** traps delivered through low storage: with instret, the steps taken */
  delivered = 0;

  // --- the vt extension (ISA.md "Extension vt"; guest.ts) ---
  /** the guest this processor runs while in guest mode; its own registers and PSW are the hidden host save area */
  guest: GuestMode | null = null;
  /** when set, an exit stops run() with 'exit' instead of resuming host code after vmrun */
  exitHook = false;
  /** this processor IS a guest: its traps may exit, and accesses past its storage are NPF exits */
  guestMode = false;
  /** a guest processor's intercepts (control block word 8) */
  intercepts = 0;
  /** a guest processor's last exit: code and info (control block words 9–10) */
  exitCode = 0;
  exitInfo = 0;

  /** reserved-bit mask per opcode; −1 for opcodes this ISA does not define */
  private readonly reserved = new Int32Array(256).fill(-1);
  /** the intercept bit that covers each opcode in guest mode (0: none), from the table */
  private readonly interceptOf = new Int32Array(256);
  /** a trap was just delivered: a fault fetching the handler's first instruction is a check-stop */
  afterTrap = false;
  /** a guest processor's last exit was its handler's first fetch failing (a TypeScript monitor tells that NPF from others) */
  exitAfterTrap = false;

  /** hot code is translated (translate.ts); its bookkeeping, or null when off */
  readonly translating: boolean;
  readonly code: CodeCache | null;
  /** bit per word: part of translated code (all zero when translation is off); every store checks it */
  private readonly codeBits: Int32Array;
  /**
   * Counts run() calls. Storage may change between them (a monitor, a loader,
   * a test writes it): a translated block compares its words with storage on
   * its first entry in each epoch. Within one, only this CPU writes storage,
   * and every such store checks codeBits.
   */
  private epoch = 0;
  /** storage is known to be all zero (freshly allocated, never loaded or run): reset need not clear it */
  private zeroed: boolean;
  /** a region's out-parameters: next pc, trap cause (or CODE_HIT / CODE_CHANGED), trap info */
  private readonly regionOut = new Int32Array(3);

  constructor(opts: CpuOptions = {}) {
    const memWords = opts.mem?.length ?? opts.memWords ?? DEFAULT_MEM_WORDS;
    if (!Number.isInteger(memWords) || memWords < MIN_MEM_WORDS || memWords > 2 ** 30) {
      throw new RangeError(`memory size must be ${MIN_MEM_WORDS}..${2 ** 30} words, not ${memWords}`);
    }
    this.memWords = memWords;
    this.mem = opts.mem ?? new Int32Array(memWords);
    this.zeroed = opts.mem === undefined;
    this.bound = memWords;
    this.isa = opts.isa ?? PG32;
    this.devices = opts.devices ?? new Console();
    for (const spec of this.isa.instructions) {
      this.reserved[spec.opcode] = reservedMask(spec);
      if (spec.intercept) this.interceptOf[spec.opcode] = INTERCEPTS[spec.intercept];
    }
    this.translating = opts.translate ?? true;
    // Both are as large as storage, but zero until translation touches them: the OS maps only those pages.
    this.codeBits = new Int32Array((memWords >>> 5) + 1);
    this.code = this.translating ? new CodeCache(this.mem, this.reserved, this.codeBits) : null;
  }

  /**
   * Storage may have been changed by someone else while this CPU is inside
   * run() (a child machine sharing it): translated blocks compare their words
   * again before running. Writes between run() calls need no call.
   */
  storageChanged(): void {
    this.epoch++;
  }

  /** Reset state, then copy the image into storage and set pc to its entry. */
  load(image: Image): void {
    this.clear();
    resetAndLoad(this, image);
  }

  reset(): void {
    this.clear();
    resetState(this);
  }

  /** What reset does beyond the architected reset state: storage, trap counts. */
  private clear(): void {
    // Clearing a fresh gigaword store would touch every page for nothing.
    if (!this.zeroed) this.mem.fill(0);
    this.zeroed = false;
    this.afterTrap = false;
    this.traps.fill(0);
    this.delivered = 0;
    this.guest = null; // reset leaves guest mode: the reset state is the host's
    this.code?.reset();
  }

  get supervisor(): boolean {
    return (this.flags & S) !== 0;
  }

  /** storage is all zero: allocated here and never loaded, reset or run since */
  get freshStorage(): boolean {
    return this.zeroed;
  }

  /** total trap deliveries */
  get trapCount(): number {
    let n = 0;
    for (let i = 0; i < this.traps.length; i++) n += this.traps[i]!;
    return n;
  }

  /** One step: one instruction, or one trap delivery. */
  step(): StopReason {
    return this.run(1);
  }

  /**
   * Run up to `maxSteps` steps. A step is an instruction that completes or a
   * trap delivery (so a guest that does nothing but trap still stops).
   */
  run(maxSteps: number): StopReason {
    if (this.halted) return 'halt';
    if (this.checkStop) return 'checkstop';
    this.zeroed = false;
    const R = this.regs;
    const E = this.mem;
    const RES = this.reserved;
    const X = this.regionOut;
    const CB = this.codeBits;
    const code = this.code;
    const ENT = code !== null ? code.ent : CB;
    const memWords = this.memWords;
    if (++this.epoch === EPOCH_WRAP) {
      this.epoch = 1;
      code?.recheck();
    }
    let left = maxSteps;

    while (left > 0) {
      // In guest mode the guest runs; the host's own interrupt waits for the exit.
      if (this.guest !== null) {
        const g = this.guest;
        const r = runGuest(this, left);
        left -= g.steps;
        this.delivered += g.delivered;
        // The guest and the exit wrote this processor's storage: translated blocks check their words again.
        this.epoch++;
        if (r === 'exit') {
          if (this.exitHook) return 'exit';
          continue;
        }
        if (r === 'halt') {
          this.halted = true;
          return 'halt';
        }
        return 'budget';
      }
      // A pending timer interrupt is taken before the next instruction once IE = 1.
      if (this.pending && (this.flags & IE) !== 0) {
        this.pending = false;
        const r = this.deliver(TIMER, 0, this.pc);
        if (r !== null) return r;
        this.delivered++;
        left--;
        continue;
      }
      // pc is kept as an int32 inside the loop (valid addresses are < 2^30, so
      // an unsigned compare against limit catches every bad one) and stored
      // back unsigned.
      let pc = this.pc | 0;
      // One compare per access: a < bound and base + a < memWords. Both
      // limit and base fit in int32 (storage is at most 2^30 words; a base
      // beyond storage leaves limit 0, so base is then never used), which
      // keeps every address computation below in integer registers.
      let lim = memWords - this.base;
      if (this.bound < lim) lim = this.bound;
      const limit = lim > 0 ? lim | 0 : 0;
      const base = limit > 0 ? this.base | 0 : 0;
      if (this.afterTrap) {
        // The handler's first instruction is unreachable: never loop on it.
        this.afterTrap = false;
        if (pc >>> 0 >= limit) {
          // In guest mode: past the partition it is an NPF exit, else a CHECKSTOP exit.
          if (this.guestMode) {
            const npf = pc >>> 0 < this.bound;
            this.exit(npf ? EXITS.NPF : EXITS.CHECKSTOP, npf ? this.base + (pc >>> 0) : MEMORY);
            this.exitAfterTrap = true;
            return 'exit';
          }
          return this.stop(MEMORY, pc, pc, 'the trap handler\'s first instruction is outside its relocation bounds');
        }
      }

      // Run a burst: up to the budget, and no further than the timer's expiry,
      // so the timer is settled once per burst instead of once per instruction.
      const t = this.timer;
      let burst = t > 0 && t < left ? t : left;
      if (burst > MAX_BURST) burst = MAX_BURST;
      let n = burst;
      let cause = 0;
      let info = 0;
      let slow = 0;
      const ep = this.epoch;
      // Translated code is entered at branch targets: here, after a taken branch that is an entry, and after a region.
      let look = code !== null;

      inner: while (n > 0) {
        if (look) {
          look = false;
          const e = pc >>> 0 < limit ? ENT[base + pc]! : 0;
          if (e >= ENTRY) {
            const id = e - ENTRY;
            const pl = code!.pl[id]!;
            // The whole region must lie inside the relocation bounds (else the interpreter goes on, and faults where it must).
            if (pl.lo >= base && pl.hi <= base + limit) {
              const region = pl.region;
              let budget = n;
              if (region.calls < WARM_CALLS) {
                region.calls++;
                if (budget > WARM_BUDGET) budget = WARM_BUDGET;
              }
              const done = pl.fn(R, E, CB, base, limit, pl.p0, code!.pk[id]!, budget, X, pl.V, ep);
              n -= done;
              pc = X[0]!;
              const x = X[1]!;
              if (x !== 0) {
                X[1] = 0;
                if (x > 0) {
                  cause = x;
                  info = X[2]!;
                  break;
                }
                if (x === CODE_HIT) code!.written(X[2]!);
                else code!.changed(pl);
                look = true;
                continue;
              }
              if (done > 0) {
                look = true;
                continue;
              }
              // Nothing ran (the budget does not cover the block): interpret.
            }
          }
        }
        if (pc >>> 0 >= limit) {
          cause = MEMORY;
          info = pc;
          break;
        }
        const w = E[base + pc]!;
        const op = w >>> OP;
        let npc = (pc + 1) | 0;
        if ((w & RES[op]!) !== 0) {
          cause = ILLEGAL;
          info = w;
          break;
        }
        // Fields every instruction may use, decoded once: rd (or the first
        // register compared), rs's value, the sign-extended 16-bit immediate.
        const d = (w >> A) & 15;
        const s = R[(w >> B) & 15]!;
        const imm = (w << IMM_L) >> IMM_R;
        taken: {
          switch (op) {
            case ADD: R[d] = s + R[(w >> C) & 15]!; break;
            case SUB: R[d] = s - R[(w >> C) & 15]!; break;
            case MUL: R[d] = Math.imul(s, R[(w >> C) & 15]!); break;
            case DIV: {
              const t = R[(w >> C) & 15]!;
              if (t === 0) { cause = ARITH; info = w; break inner; }
              R[d] = (s / t) | 0; // INT_MIN / −1 wraps to INT_MIN
              break;
            }
            case REM: {
              const t = R[(w >> C) & 15]!;
              if (t === 0) { cause = ARITH; info = w; break inner; }
              R[d] = s % t | 0; // −0 becomes 0
              break;
            }
            case AND: R[d] = s & R[(w >> C) & 15]!; break;
            case OR: R[d] = s | R[(w >> C) & 15]!; break;
            case XOR: R[d] = s ^ R[(w >> C) & 15]!; break;
            case SHL: R[d] = s << R[(w >> C) & 15]!; break; // JS masks the count to 5 bits
            case SHR: R[d] = s >>> R[(w >> C) & 15]!; break;
            case SRA: R[d] = s >> R[(w >> C) & 15]!; break;
            case SLT: R[d] = s < R[(w >> C) & 15]! ? 1 : 0; break;
            case SLTU: R[d] = s >>> 0 < R[(w >> C) & 15]! >>> 0 ? 1 : 0; break;

            case ADDI: R[d] = s + imm; break;
            case SLTI: R[d] = s < imm ? 1 : 0; break;
            case ANDI: R[d] = s & (w & UIMM); break;
            case ORI: R[d] = s | (w & UIMM); break;
            case XORI: R[d] = s ^ (w & UIMM); break;
            case SHLI: R[d] = s << (w & SH5); break;
            case SHRI: R[d] = s >>> (w & SH5); break;
            case SRAI: R[d] = s >> (w & SH5); break;
            case LUI: R[d] = (w & UIMM) << 16; break;

            case LD: {
              const a = (s + imm) | 0;
              if (a >>> 0 >= limit) { cause = MEMORY; info = a; break inner; }
              R[d] = E[base + a]!;
              break;
            }
            case ST: {
              const a = (s + imm) | 0;
              if (a >>> 0 >= limit) { cause = MEMORY; info = a; break inner; }
              const p = base + a;
              E[p] = R[d]!;
              if ((CB[p >>> 5]! & (1 << p)) !== 0) code!.written(p); // into translated code: drop it
              break;
            }

            // Branch and jump targets are pc-relative to the next instruction.
            case BEQ: if (R[d] === s) { npc = (npc + imm) | 0; break taken; } break;
            case BNE: if (R[d] !== s) { npc = (npc + imm) | 0; break taken; } break;
            case BLT: if (R[d]! < s) { npc = (npc + imm) | 0; break taken; } break;
            case BGE: if (R[d]! >= s) { npc = (npc + imm) | 0; break taken; } break;
            case BLTU: if (R[d]! >>> 0 < s >>> 0) { npc = (npc + imm) | 0; break taken; } break;
            case BGEU: if (R[d]! >>> 0 >= s >>> 0) { npc = (npc + imm) | 0; break taken; } break;
            case JMP: npc = (npc + ((w << O24_L) >> O24_R)) | 0; break taken;
            case JAL: R[d] = npc; npc = (npc + ((w << O20_L) >> O20_R)) | 0; break taken;
            case JR: npc = s; break taken;
            case JALR: R[d] = npc; npc = s; break taken; // rs was read before rd is written

            case SVC: cause = CAUSE_SVC; info = w & UIMM; pc = npc; break inner; // old pc: the next instruction
            case NOP: break;

            case LPSW: case SPSW: case STIMER: case IN: case OUT: case HALT: case VMRUN:
            case JRSTU: case GPSW: case SFLAGS: case GETR:
              slow = w;
              break inner;

            default:
              cause = ILLEGAL;
              info = w;
              break inner;
          }
          R[0] = 0;
          pc = npc;
          n--;
          continue;
        }
        // A taken branch or jump: its target counts toward becoming hot, and an entry there is run next.
        R[0] = 0;
        pc = npc;
        n--;
        if (code !== null && pc >>> 0 < limit) {
          const p = base + pc;
          const e = ENT[p]!;
          if (e >= ENTRY) look = true;
          else if (e < HOT_AT) {
            ENT[p] = e + 1;
            if (e === 0) look = code.first(p); // translated before (elsewhere, or in another machine)? placed now
            else if (e + 1 === HOT_AT) look = code.hot(p);
          }
        }
      }

      // Settle the burst: instructions completed, the timer, the budget.
      const done = burst - n;
      this.instret += done;
      left -= done;
      if (t > 0) {
        this.timer = t - done;
        if (this.timer === 0) this.pending = true;
      }
      this.pc = pc >>> 0;

      if (cause !== 0) {
        const r = this.deliver(cause, info, pc);
        if (r !== null) return r;
        this.delivered++;
        left--;
      } else if (slow !== 0) {
        const c = this.control(slow);
        if (c > 0) {
          const r = this.deliver(c, this.trapInfo, this.pc);
          if (r !== null) return r;
          this.delivered++;
        } else if (c === DONE_EXIT) {
          return 'exit';
        } else if (c === DONE_GUEST) {
          // vmrun entered guest mode: a step now; it completes at the exit
        } else {
          this.instret++;
          if (c !== DONE_NO_TICK && this.timer > 0 && --this.timer === 0) this.pending = true;
          if (c === DONE_HALT) {
            this.halted = true;
            return 'halt';
          }
        }
        left--;
      }
    }
    return 'budget';
  }

  /**
   * The control instructions: the privileged ones and the variants' extras.
   * Returns DONE / DONE_NO_TICK / DONE_HALT, or a trap cause (info in
   * trapInfo). The privilege requirement is each handler's first line, and
   * it precedes every operand access.
   */
  private control(w: number): number {
    const R = this.regs;
    const op = w >>> OP;
    const a = (w >> A) & 15;
    const b = (w >> B) & 15;
    // In guest mode an intercepted instruction that would complete exits
    // instead; the privilege check and lpsw/spsw's address checks come first.
    const intercepted = (this.intercepts & this.interceptOf[op]!) !== 0;
    switch (op) {
      case LPSW: {
        if (!this.supervisor) return this.priv(w);
        const at = R[b]! >>> 0;
        const bad = firstBadAddress(this, at, 4);
        if (bad >= 0) return this.memoryTrap(bad);
        if (intercepted) return this.exit(EXITS.INSTR, w);
        loadPsw(this, this.base + at);
        return DONE;
      }
      case SPSW: {
        if (!this.supervisor) return this.priv(w);
        const at = R[b]! >>> 0;
        const bad = firstBadAddress(this, at, 4);
        if (bad >= 0) return this.memoryTrap(bad);
        if (intercepted) return this.exit(EXITS.INSTR, w);
        storePsw(this, this.base + at, this.pc + 1);
        this.code?.wrote(this.base + at, 4);
        this.pc = this.pc + 1;
        return DONE;
      }
      case VMRUN: {
        if (!this.supervisor) return this.priv(w);
        // Nesting is the monitor's to emulate: a guest's vmrun exits.
        if (this.guestMode) return this.exit(EXITS.VMRUN, w);
        const at = R[b]! >>> 0;
        const bad = firstBadAddress(this, at, 32);
        if (bad >= 0) return this.memoryTrap(bad);
        this.pc = this.pc + 1;
        // BADVMCB exits at once: the instruction completes without entering guest mode.
        const entered = enterGuest(this, this.isa, this.devices, this.base + at, true) === 0;
        this.code?.wrote(this.base + at, 32); // the control block's inject and exit words
        return entered ? DONE_GUEST : DONE;
      }
      case STIMER:
        if (!this.supervisor) return this.priv(w);
        if (intercepted) return this.exit(EXITS.INSTR, w);
        this.timer = R[b]! >>> 0;
        this.pending = false;
        this.pc = this.pc + 1;
        return DONE_NO_TICK;
      case IN:
        if (!this.supervisor) return this.priv(w);
        if (intercepted) return this.exit(EXITS.INSTR, w);
        R[a] = this.devices.read(w & UIMM);
        R[0] = 0;
        this.pc = this.pc + 1;
        return DONE;
      case OUT:
        if (!this.supervisor) return this.priv(w);
        if (intercepted) return this.exit(EXITS.INSTR, w);
        this.devices.write(w & UIMM, R[b]!);
        this.pc = this.pc + 1;
        return DONE;
      case HALT:
        if (!this.supervisor) return this.priv(w);
        if (intercepted) return this.exit(EXITS.INSTR, w);
        this.pc = this.pc + 1;
        return DONE_HALT;
      case JRSTU:
        if (intercepted) return this.exit(EXITS.INSTR, w);
        // Unprivileged: in supervisor mode it also drops to user mode.
        this.pc = R[b]! >>> 0;
        this.flags &= ~S;
        return DONE;
      case GPSW:
        if (intercepted) return this.exit(EXITS.INSTR, w);
        R[a] = this.flags & FLAGS_MASK;
        R[0] = 0;
        this.pc = this.pc + 1;
        return DONE;
      case SFLAGS:
        if (intercepted) return this.exit(EXITS.INSTR, w);
        // x86 POPF: silently does nothing to IE in user mode.
        if (this.supervisor) this.flags = (this.flags & ~IE) | (R[b]! & IE);
        this.pc = this.pc + 1;
        return DONE;
      case GETR:
        if (intercepted) return this.exit(EXITS.INSTR, w);
        R[a] = this.base;
        R[0] = 0;
        this.pc = this.pc + 1;
        return DONE;
      default:
        this.trapInfo = w;
        return ILLEGAL;
    }
  }

  private priv(w: number): number {
    this.trapInfo = w;
    return PRIV;
  }

  private memoryTrap(addr: number): number {
    this.trapInfo = addr | 0;
    return MEMORY;
  }

  /**
   * Deliver a trap: the one place the trap sequence happens. Returns null if
   * execution goes on, or the stop reason.
   */
  private deliver(cause: number, info: number, oldPc: number): StopReason | null {
    if (this.guestMode) return this.guestTrap(cause, info, oldPc, false);
    this.traps[cause]!++;
    if (this.trapHook) return hookTrap(this, cause, info, oldPc);
    const ok = trapSequence(this, cause, info, oldPc);
    this.code?.wrote(LOW.OLD_PSW, LOW.INFO + 1); // the save area, if code lies there
    if (!ok) return this.stop(cause, info, oldPc, 'no trap handler installed (new PSW bound is 0)');
    this.afterTrap = true;
    return null;
  }

  /**
   * A trap in guest mode (ISA.md "Extension vt"): an access below the guest's
   * bound that failed only because the partition ends there is an NPF exit;
   * an intercepted trap exits with its cause; any other is delivered inside
   * the guest, through its own low storage — and with no handler there, the
   * guest exits with CHECKSTOP (its save area written, C gets the PSW at the
   * trap). An injected trap (`injected`) is always delivered.
   */
  private guestTrap(cause: number, info: number, oldPc: number, injected: boolean): StopReason | null {
    if (!injected) {
      if (cause === MEMORY && info >>> 0 < this.bound) {
        this.pc = oldPc >>> 0;
        this.exit(EXITS.NPF, this.base + (info >>> 0));
        return 'exit';
      }
      const bit = cause === CAUSE_SVC ? INTERCEPTS.SVC : INTERCEPTS.TRAPS;
      if ((this.intercepts & bit) !== 0) {
        this.pc = oldPc >>> 0;
        this.exit(cause, info);
        return 'exit';
      }
    }
    this.traps[cause]!++;
    const delivered = trapSequence(this, cause, info, oldPc);
    this.code?.wrote(LOW.OLD_PSW, LOW.INFO + 1);
    if (!delivered) {
      reloadPsw(this, 0); // the PSW at the trap, from the save area just written
      this.pc = oldPc >>> 0;
      this.exit(EXITS.CHECKSTOP, cause);
      return 'exit';
    }
    this.afterTrap = true;
    return null;
  }

  /** Record a guest processor's exit (the run loop then returns 'exit'). */
  exit(code: number, info: number): number {
    this.exitAfterTrap = false;
    this.exitCode = code;
    this.exitInfo = info | 0;
    return DONE_EXIT;
  }

  /** Deliver an injected trap into this guest processor (before its first instruction): null, or 'exit' if it found no handler. */
  inject(cause: number, info: number): StopReason | null {
    const r = this.guestTrap(cause, info, this.pc, true);
    if (r === null) this.delivered++;
    return r;
  }

  /** Ready to run again from a freshly loaded state: not halted, no check-stop, no trap just delivered. */
  resume(): void {
    this.halted = false;
    this.checkStop = null;
    this.afterTrap = false;
    this.exitCode = 0;
    this.exitInfo = 0;
  }

  /**
   * A monitor written in TypeScript runs a guest: what `vmrun` does after its
   * checks, for the control block at physical `cb`, without a host
   * instruction around it. Returns 0 (now in guest mode: run() it; with
   * exitHook set it returns 'exit' at the exit) or BADVMCB.
   */
  enterGuest(cb: number, isa: Isa = this.isa): number {
    return enterGuest(this, isa, this.devices, cb, false);
  }

  private stop(cause: number, info: number, pc: number, why: string): StopReason {
    this.checkStop = { cause, info: info | 0, pc: pc >>> 0, why };
    return 'checkstop';
  }

  /**
   * The processor state that is not in the public fields above but that a
   * snapshot must carry to resume exactly (src/snapshot/state.ts).
   */
  hiddenState(): CpuHidden {
    return { afterTrap: this.afterTrap, delivered: this.delivered, intercepts: this.intercepts, exitCode: this.exitCode, exitInfo: this.exitInfo, exitAfterTrap: this.exitAfterTrap };
  }

  /**
   * Set the hidden state from a snapshot, whose storage the caller has
   * written into `mem` (so storage is no longer known to be zero; translated
   * blocks check their own words on entry, so they stay safe).
   */
  restoreHidden(h: CpuHidden): void {
    this.afterTrap = h.afterTrap;
    this.delivered = h.delivered;
    this.intercepts = h.intercepts;
    this.exitCode = h.exitCode;
    this.exitInfo = h.exitInfo;
    this.exitAfterTrap = h.exitAfterTrap;
    this.zeroed = false;
  }

  /** Physical word at virtual address `a` under the current relocation, or undefined if it would fault. */
  readVirtual(a: number): number | undefined {
    a = a >>> 0;
    if (a >= this.bound || this.base + a >= this.memWords) return undefined;
    return this.mem[this.base + a];
  }
}

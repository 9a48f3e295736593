/**
 * The binary translation monitor's engine (VMware's approach, 1998): guest
 * code that must not run directly is run from a translation cache instead.
 *
 * The dispatcher (vmm.ts) asks `translates(vm)` before each run of a guest:
 * virtual supervisor code always is translated, virtual user code only on an
 * ISA where the checker finds a user-sensitive instruction that is not
 * privileged (classes.ts). Then `run()` executes translated blocks one after
 * another, following links between them (chaining) so that a hot path never
 * goes back to the cache, until something needs the monitor:
 *
 *   TRAP       the block raised a trap (svc, a fault): a callout, no hardware
 *              trap; the dispatcher reflects it or performs the hypercall
 *   REWRITE    the next instruction is rewritten: the dispatcher runs its
 *              routine on the virtual state (rewrites.ts), no trap
 *   INTERPRET  an instruction with no translation: the dispatcher interprets it
 *   BUDGET     the time slice is used up
 *   LEAVE      the guest's timer interrupt is deliverable, or the mode changed
 *
 * A block is compiled the second time execution reaches its start; the
 * first time, and wherever a block does not fit what is left of the slice
 * or of the guest's TIMER, the stepper runs one instruction with the same
 * meanings (translate.ts). Blocks are kept per VM and per virtual mode,
 * keyed by physical address; a block checks its words on entry, so code the
 * guest (or anything else) rewrote is found and dropped there.
 *
 * Every completed instruction is counted on the VM (instret, steps, the
 * virtual TIMER) right here, so virtual time stays exact.
 */
import type { Isa } from '../../isa/table.js';
import { FLAGS, CAUSES } from '../../isa/table.js';
import { relocationLimit } from '../../cpu/psw.js';
import type { VirtualMachine } from '../vm.js';
import { translationClasses, type TranslationClasses } from './classes.js';
import { EXIT, kindCode, kindOf, stepper, translateBlock, type StepFn, type TBlock } from './translate.js';

export const BT = { BUDGET: 0, LEAVE: 1, TRAP: 2, REWRITE: 3, INTERPRET: 4 } as const;
export type BtResult = (typeof BT)[keyof typeof BT];

/** One VM's translation caches (one per virtual mode) and where its last block left off. */
class Cache {
  readonly supervisor = new Map<number, TBlock>();
  readonly user = new Map<number, TBlock>();
  /** block starts reached once (stepped): the next time, the block is translated */
  readonly seenSupervisor = new Set<number>();
  readonly seenUser = new Set<number>();
  /** the block that ran last, the exit it took, and where that exit leads: the next block is linked there */
  prev: TBlock | null = null;
  prevSlot = 0;
  prevMode = 0;
  prevPc = 0;
}

export class BinaryTranslator {
  readonly classes: TranslationClasses;
  /** runs one instruction with the blocks' meanings (translate.ts) */
  private readonly step: StepFn;
  /** out-parameters of a block: next pc, trap cause, trap info, exit kind */
  private readonly X = new Int32Array(4);
  private readonly caches = new Map<VirtualMachine, Cache>();
  /** told when a block is translated (the monitor's listener, events.ts); undefined costs nothing */
  onTranslate: ((vm: VirtualMachine, pc: number, words: number) => void) | undefined = undefined;
  /** the last TRAP: cause, info, old pc */
  cause = 0;
  info = 0;
  trapPc = 0;

  constructor(readonly isa: Isa, classes?: TranslationClasses) {
    this.classes = classes ?? translationClasses(isa);
    this.step = stepper(isa);
  }

  /** Must this VM's next instruction run from the translation cache? */
  translates(vm: VirtualMachine): boolean {
    return (vm.flags & FLAGS.S) !== 0 ? this.classes.translateSupervisor : this.classes.translateUser;
  }

  /**
   * Run translated code for `vm` for up to `left` steps, with the guest's
   * registers in `R`. Counts what completes; returns why it stopped.
   */
  run(vm: VirtualMachine, left: number, R: Int32Array): BtResult {
    let cache = this.caches.get(vm);
    if (!cache) this.caches.set(vm, (cache = new Cache()));
    const st = vm.stats.bt;
    const X = this.X;
    const E = vm.mem;
    const mode = vm.flags & FLAGS.S;
    const blocks = mode !== 0 ? cache.supervisor : cache.user;
    const table = mode !== 0 ? this.classes.supervisor : this.classes.user;
    const seen = mode !== 0 ? cache.seenSupervisor : cache.seenUser;
    // Chain from the block that ran before (if the guest went where that block's exit leads).
    let prev = cache.prev !== null && cache.prevMode === mode && cache.prevPc === vm.pc ? cache.prev : null;
    let slot = cache.prevSlot;
    cache.prev = null;

    while (left > 0) {
      if (vm.pending && (vm.flags & FLAGS.IE) !== 0) return BT.LEAVE;
      const lim = relocationLimit(vm);
      const limit = lim > 0 ? lim : 0;
      const base = vm.base;
      const pc = vm.pc;
      if (pc >= limit) {
        // The fetch faults: MEMORY, info = the address.
        this.trap(CAUSES.MEMORY, pc, pc);
        return BT.TRAP;
      }
      const p = base + pc;
      let budget = left;
      if (vm.timer > 0 && vm.timer < budget) budget = vm.timer;

      // The next block: through the link from the last one, else from the cache, else translated now
      // if it was reached before (code run once is only stepped: compiling costs more than running it).
      let b: TBlock | null | undefined = prev !== null ? prev.links[slot] : null;
      if (b !== null && b !== undefined && b.alive) st.chained++;
      else {
        b = blocks.get(p);
        if (b !== undefined) st.hits++;
        else if (seen.has(p)) {
          b = translateBlock(this.isa, this.classes, table, E, p, limit - pc);
          blocks.set(p, b);
          st.blocks++;
          st.identTranslated += b.ident;
          st.rewrittenTranslated += b.rewritten;
          this.onTranslate?.(vm, pc, b.len);
        } else {
          seen.add(p);
          b = null;
        }
        if (prev !== null && b !== null) {
          prev.links[slot] = b;
          st.chains++;
        }
      }

      let done: number;
      if (b === null || b.len > budget || pc + b.len > limit) {
        // One instruction alone: first time here, or the slice or the guest's timer ends inside the block.
        const w = E[p]!;
        done = this.step(R, E, base, limit, pc, X, vm, w, kindCode(kindOf(w, this.isa, table, this.classes)));
        st.stepped += done;
        b = null;
      } else {
        done = b.run(R, E, base, limit, pc, budget, X, vm);
        if (done < 0) {
          // Its words are no longer what was translated: drop it, and translate again.
          b.alive = false;
          blocks.delete(p);
          st.invalidations++;
          prev = null;
          continue;
        }
      }
      st.identExecuted += done;
      vm.instret += done;
      vm.steps += done;
      left -= done;
      if (vm.timer > 0) {
        vm.timer -= done; // budget ≤ timer: it does not pass 0
        if (vm.timer === 0) vm.pending = true;
      }

      const exit = X[3]!;
      const next = X[0]! >>> 0;
      prev = b; // a stepped instruction (b = null) is not linked
      switch (exit) {
        case EXIT.NEXT:
        case EXIT.TAKEN:
          vm.pc = next;
          slot = exit;
          continue;
        case EXIT.DYNAMIC:
          vm.pc = next;
          prev = null;
          continue;
        case EXIT.TRAP:
          this.trap(X[1]!, X[2]!, next);
          return BT.TRAP;
        case EXIT.REWRITE:
        case EXIT.INTERPRET:
          // The monitor runs the instruction at `next`; if the guest then goes on to the
          // instruction after it, the next block is linked to this one's NEXT slot.
          vm.pc = next;
          if (prev !== null) {
            cache.prev = prev;
            cache.prevSlot = EXIT.NEXT;
            cache.prevMode = mode;
            cache.prevPc = (next + 1) >>> 0;
          }
          return exit === EXIT.REWRITE ? BT.REWRITE : BT.INTERPRET;
        default:
          throw new Error(`bt: block exit ${exit}`);
      }
    }
    return BT.BUDGET;
  }

  private trap(cause: number, info: number, pc: number): void {
    this.cause = cause;
    this.info = info | 0;
    this.trapPc = pc >>> 0;
  }
}

/**
 * The CPU's translated code as a machine to probe.
 *
 * The fast CPU runs an instruction one of two ways: cold code through the
 * interpreter's switch (src/cpu/cpu.ts), hot code as JavaScript that the
 * region translator generated (src/cpu/translate.ts). A probe is one step in
 * fresh storage, which the interpreter always runs; so this target makes
 * the instruction at pc a region of its own before each step — the word
 * alone, translated by the real translator and entered by the CPU's own run
 * loop, exactly as hot code is — and the checker compares what it does with
 * the oracle, state by state, as it does the interpreter's.
 *
 * Every other probe translates the instruction with its immediate (or shift
 * amount) read from storage at run time, the form codecache.ts gives a word
 * the program keeps rewriting, so both ways the translator emits an operand
 * are run.
 *
 * Instructions the translator leaves to the interpreter (the control
 * instructions, vmrun) are not translated, so not compared here.
 */
import { Cpu, type StopReason } from '../cpu/cpu.js';
import { layout, runtimeField, templateFor, type Surroundings } from '../cpu/translate.js';
import { CodeCache } from '../cpu/codecache.js';
import { FIELDS, FORMATS, getField, getSigned, opcodeWord, reservedMask, setField, type Isa, type Mnemonic, type Spec } from '../isa/table.js';
import { literalsIn } from './constants.js';
import type { Target } from './probe.js';

const OP = FIELDS.op[1];

/** Surroundings in which only the word at p can be translated (its field `late` read at run time, or none). */
function alone(E: Int32Array, reserved: Int32Array, p: number, late: number): Surroundings {
  return { E, reserved, rewritten: (q) => (q === p ? late : -1), covered: () => false };
}

/**
 * A CPU that runs each step's instruction translated, if the translator
 * translates it.
 *
 * Each translation is new code for V8 to compile, and the states name
 * registers at random, so nearly every state would be a translation of its
 * own. But what the translator generates does not depend on which
 * registers an instruction names, only on which are r0 and which are the
 * same: so the step renames them — the instruction's registers become r1,
 * r2, r3 in the order its fields name them (r0 stays r0), the state's
 * register values move with them — and names them back afterwards. Then a
 * few translations serve all of an instruction's states. An instruction
 * that loads or stores its own word is run as it is (the renamed word
 * would be what it reads).
 */
class TranslatingCpu extends Cpu {
  /** steps so far: three in four read the instruction's immediate at run time (fewer distinct translations) */
  private steps = 0;
  /** register k of the renamed machine is register to[k] of the state's */
  private readonly to = new Int32Array(16);
  private readonly saved = new Int32Array(16);

  override step(): StopReason {
    const code = this.code!;
    code.flush(); // the last probe's region: its word is another state's now
    const a = this.pc >>> 0;
    if (!(a < this.bound && this.base + a < this.memWords)) return super.step();
    const p = this.base + a;
    const word = this.mem[p]!;
    const spec = this.isa.byOpcode[word >>> OP];
    const renamed = spec ? this.rename(spec, word, a) : word;
    this.mem[p] = renamed;
    const late = this.steps++ % 4 !== 0 ? runtimeField(word >>> OP) : 0;
    if (!code.hot(p, alone(this.mem, code.reserved, p, late)) && renamed !== word) {
      // not translated after all: the interpreter runs the state as it is
      this.nameBack(p, word);
      return super.step();
    }
    const r = super.step();
    if (renamed !== word) {
      this.nameBack(p, word);
      if (r === 'trap' && this.trapInfo === renamed) this.trapInfo = word; // a trap whose info is the word (div, rem)
    }
    return r;
  }

  /** The state's names back: its registers where they were, its word at p. */
  private nameBack(p: number, word: number): void {
    this.saved.set(this.regs);
    for (let k = 0; k < 16; k++) this.regs[this.to[k]!] = this.saved[k]!;
    this.mem[p] = word;
  }

  /** The word with its registers renamed, and the registers moved to match (or the word itself, left as it is). */
  private rename(spec: Spec, word: number, pc: number): number {
    const to = this.to;
    const from = new Int32Array(16).fill(-1); // state register → renamed
    from[0] = 0;
    to[0] = 0;
    let next = 1;
    let w = word;
    for (const o of FORMATS[spec.format]) {
      const field = o.kind === 'reg' ? o.field : o.kind === 'mem' ? o.baseField! : undefined;
      if (field === undefined) continue;
      const r = getField(word, field);
      if (o.kind === 'mem' && ((this.regs[r]! + getSigned(word, o.field)) | 0) >>> 0 === pc) return word; // its own word
      if (from[r] === -1) (from[r] = next), (to[next++] = r);
      w = setField(w, field, from[r]!);
    }
    for (let r = 1; r < 16; r++) if (from[r] === -1) (from[r] = next), (to[next++] = r);
    this.saved.set(this.regs);
    for (let k = 0; k < 16; k++) this.regs[k] = this.saved[to[k]!]!;
    return w;
  }
}

/** Does the translator translate this instruction (a word of it alone)? */
function translates(spec: Spec): boolean {
  const E = new Int32Array([opcodeWord(spec)]);
  const reserved = new Int32Array(256).fill(-1);
  reserved[spec.opcode] = reservedMask(spec);
  return layout(alone(E, reserved, 0, 0), 0) !== undefined;
}

/**
 * The literals the translator writes into the code it generates for each
 * instruction it translates (one word alone, with and without its field
 * read at run time): they are among the values tried, as the interpreter's
 * are. Each instruction is translated from two encodings, and only the
 * literals both have are kept: the others are the encodings' own fields.
 */
function generatedLiterals(isa: Isa): number[] {
  const reserved = new Int32Array(256).fill(-1);
  for (const spec of isa.instructions) reserved[spec.opcode] = reservedMask(spec);
  const common: number[] = [];
  for (const spec of isa.instructions) {
    if (!translates(spec)) continue;
    const [x, y] = [[1, 2, 3, 0x3000], [4, 5, 6, 0x6ab6]].map(([a, b, c, low]) => {
      // registers where the format has them (r0 would be folded away), and some low bits
      const word = setField(setField(setField(opcodeWord(spec) | low!, 'c', c!), 'a', a!), 'b', b!) & ~reservedMask(spec);
      const E = new Int32Array([word | opcodeWord(spec)]);
      return [0, runtimeField(spec.opcode)].map((late) => {
        const env = alone(E, reserved, 0, late);
        return String(templateFor(env, layout(env, 0)!).fn);
      }).join('\n');
    });
    const other = new Set(literalsIn(y!));
    common.push(...literalsIn(x!).filter((v) => other.has(v)));
  }
  return [...new Set(common)];
}

/** The fast CPU's translated code (src/cpu/translate.ts), one instruction at a time. */
export function translated(isa: Isa): Target {
  const models = new Map(isa.instructions.map((s) => [s.mnemonic, translates(s)]));
  return {
    name: "the CPU's translated code (src/cpu/translate.ts)",
    create: (i, mem) => new TranslatingCpu({ isa: i, mem, translate: true }),
    code: [Cpu, CodeCache, layout, templateFor, generatedLiterals(isa).join(' ')],
    models: (m) => models.get(m as Mnemonic) === true,
  };
}

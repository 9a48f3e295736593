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
import { FIELDS, opcodeWord, reservedMask, setField, type Isa, type Mnemonic, type Spec } from '../isa/table.js';
import { literalsIn } from './constants.js';
import type { Target } from './probe.js';

const OP = FIELDS.op[1];

/** Surroundings in which only the word at p can be translated (its field `late` read at run time, or none). */
function alone(E: Int32Array, reserved: Int32Array, p: number, late: number): Surroundings {
  return { E, reserved, rewritten: (q) => (q === p ? late : -1), covered: () => false };
}

/** A CPU that runs each step's instruction translated, if the translator translates it. */
class TranslatingCpu extends Cpu {
  /** steps so far: the odd ones read the instruction's immediate at run time */
  private steps = 0;

  override step(): StopReason {
    const code = this.code!;
    code.flush(); // the last probe's region: its word is another state's now
    const a = this.pc >>> 0;
    if (a < this.bound && this.base + a < this.memWords) {
      const p = this.base + a;
      const late = this.steps++ % 2 === 1 ? runtimeField(this.mem[p]! >>> OP) : 0;
      code.hot(p, alone(this.mem, code.reserved, p, late));
    }
    return super.step();
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

/**
 * The table check: structural properties isa/pg32.ts must have. Run by
 * test/isa/table.test.ts; `checkTable` takes the table as a parameter so a
 * planted mistake can be shown to be caught.
 */
import { assemble } from '../asm/assemble.js';
import { disassembleWord } from '../asm/disassemble.js';
import { ALL, opcodeWord, type Spec } from './table.js';
import { FIELDS, FORMATS, INSTRUCTIONS, type FieldName, type InstructionSpec, type OperandSpec } from '../../isa/pg32.js';

export interface Table {
  readonly instructions: readonly InstructionSpec[];
  readonly formats: Readonly<Record<string, readonly OperandSpec[]>>;
  readonly fields: Readonly<Record<string, readonly [number, number]>>;
}

export const REAL_TABLE: Table = { instructions: INSTRUCTIONS, formats: FORMATS, fields: FIELDS };

const maskOf = ([hi, lo]: readonly [number, number]): number => (hi - lo + 1 >= 32 ? -1 : (((1 << (hi - lo + 1)) - 1) << lo) | 0);

/** Every problem found, one line each; empty when the table is sound. */
export function checkTable(t: Table = REAL_TABLE): string[] {
  const problems: string[] = [];
  const field = (name: FieldName | string, who: string): readonly [number, number] | undefined => {
    const f = t.fields[name];
    if (!f) problems.push(`${who}: unknown field '${name}'`);
    return f;
  };
  for (const [name, [hi, lo]] of Object.entries(t.fields))
    if (!(Number.isInteger(hi) && Number.isInteger(lo) && 0 <= lo && lo <= hi && hi <= 31)) problems.push(`field ${name} [${hi}:${lo}] does not fit inside a 32-bit word`);
  const op = t.fields['op'];
  if (!op) return [...problems, "there is no 'op' field"];
  const opWidth = op[1] <= op[0] ? op[0] - op[1] + 1 : 0;
  const opMask = maskOf(op);

  const byMnemonic = new Map<string, InstructionSpec>();
  const fixed: { s: InstructionSpec; mask: number; value: number }[] = [];
  for (const s of t.instructions) {
    const who = `${s.mnemonic} (opcode 0x${s.opcode.toString(16)})`;
    if (byMnemonic.has(s.mnemonic)) problems.push(`mnemonic '${s.mnemonic}' is defined twice`);
    byMnemonic.set(s.mnemonic, s);
    if (s.opcode === 0) problems.push(`${who}: opcode 0 must stay unassigned (zeroed storage must trap)`);
    if (!Number.isInteger(s.opcode) || s.opcode < 0 || s.opcode >= 2 ** opWidth) problems.push(`${who}: opcode does not fit the ${opWidth}-bit op field`);
    const ops = t.formats[s.format];
    if (!ops) {
      problems.push(`${who}: unknown format '${s.format}'`);
      continue;
    }
    // operand fields: inside the word, apart from the opcode and from each other
    let used = opMask;
    const owners: [string, number][] = [['op', opMask]];
    for (const o of ops) {
      for (const fname of o.baseField ? [o.field, o.baseField] : [o.field]) {
        const f = field(fname, who);
        if (!f) continue;
        const m = maskOf(f);
        if (used & m) {
          const clash = owners.filter(([, om]) => om & m).map(([n]) => n);
          problems.push(`${who}: operand field ${fname} overlaps ${clash.join(', ')}`);
        }
        used |= m;
        owners.push([fname, m]);
      }
    }
    // a word decodes to s when its fixed bits (opcode and reserved bits) match
    const mask = ~(used & ~opMask) | 0;
    const value = ((s.opcode << op[1]) & opMask) | 0;
    fixed.push({ s, mask, value });
  }
  // no word decodes to two instructions: two encodings overlap when they agree on every bit both fix
  for (let i = 0; i < fixed.length; i++)
    for (let j = i + 1; j < fixed.length; j++) {
      const a = fixed[i]!;
      const b = fixed[j]!;
      const both = a.mask & b.mask;
      if (((a.value ^ b.value) & both) === 0) problems.push(`${a.s.mnemonic} and ${b.s.mnemonic} overlap: some words decode as both (opcode 0x${a.s.opcode.toString(16)} / 0x${b.s.opcode.toString(16)})`);
    }
  return problems;
}

/**
 * Every mnemonic has a disassembly form: its opcode word with all operands
 * zero disassembles to that mnemonic and re-assembles to the same word.
 */
export function checkDisassembly(specs: readonly Spec[] = ALL.instructions): string[] {
  const problems: string[] = [];
  const at = 16;
  for (const s of specs) {
    const w = opcodeWord(s);
    const text = disassembleWord(w, at);
    if (!text.startsWith(s.mnemonic + ' ') && text !== s.mnemonic) {
      problems.push(`${s.mnemonic}: its opcode word disassembles as '${text}'`);
      continue;
    }
    const r = assemble(`.org ${at}\n${text}\n`, `${s.mnemonic}.s`, { isa: ALL });
    const back = r.image?.segments[0]?.words[0];
    if (back !== w) problems.push(`${s.mnemonic}: '${text}' re-assembles to ${back === undefined ? r.errors.map((e) => e.message).join('; ') : '0x' + (back >>> 0).toString(16)}`);
  }
  return problems;
}

/**
 * Decoding for the reference interpreter, straight from the ISA table: an
 * instruction's format (isa/pg32.ts FORMATS) says which field holds each
 * operand and how its immediate is extended. Nothing here knows an opcode.
 */
import { FORMATS, getField, getSigned, type Spec } from '../isa/table.js';

/** An instruction's operands, named as in the manual's syntax lines. */
export interface Operands {
  /** the instruction word (the info of PRIV, ILLEGAL and ARITH traps) */
  readonly word: number;
  /** register numbers */
  readonly rd: number;
  readonly rs: number;
  readonly rt: number;
  /** the immediate, sign- or zero-extended as the format says; for `imm(rs)`, the offset */
  readonly imm: number;
  /** a branch or jump target: the virtual address next pc + offset */
  readonly target: number;
  /** `in` and `out`: the device port */
  readonly port: number;
  /** `svc n` */
  readonly n: number;
}

export function decode(word: number, spec: Spec, pc: number): Operands {
  const o = { word, rd: 0, rs: 0, rt: 0, imm: 0, target: 0, port: 0, n: 0 };
  for (const operand of FORMATS[spec.format]) {
    const f = operand.field;
    switch (operand.kind) {
      case 'reg':
        o[operand.name as 'rd' | 'rs' | 'rt'] = getField(word, f);
        break;
      case 'simm16':
        o.imm = getSigned(word, f);
        break;
      case 'uimm16':
      case 'shamt':
        o[operand.name as 'imm' | 'port' | 'n'] = getField(word, f);
        break;
      case 'mem':
        o.imm = getSigned(word, f);
        o.rs = getField(word, operand.baseField!);
        break;
      case 'target':
        o.target = (pc + 1 + getSigned(word, f)) >>> 0; // pc-relative to the next instruction
        break;
    }
  }
  return o;
}

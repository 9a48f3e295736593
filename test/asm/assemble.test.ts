/**
 * The assembler against ISA.md ("Assembly syntax", "Details that programs
 * may rely on"). Expected words are built from the ISA table with setField,
 * not with the assembler's encoder.
 */
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { LOW, PG32, resolveIsa, type Isa } from '../../src/isa/table.js';
import { W, errors, image, words } from './helpers.js';

const ORG = LOW.LOAD_ORIGIN;

describe('instructions', () => {
  it('encodes each format from the table, registers and mnemonics case-insensitive', () => {
    expect(words('ADD r1, R2, r3')).toEqual([W('add', { a: 1, b: 2, c: 3 })]);
    expect(words('addi r1, r2, -1')).toEqual([W('addi', { a: 1, b: 2, imm16: 0xffff })]);
    expect(words('ori r1, r2, 65535')).toEqual([W('ori', { a: 1, b: 2, imm16: 0xffff })]);
    expect(words('shli r1, r2, 31')).toEqual([W('shli', { a: 1, b: 2, sh5: 31 })]);
    expect(words('lui r1, 0xABCD')).toEqual([W('lui', { a: 1, imm16: 0xabcd })]);
    expect(words('ld r1, -4(sp)')).toEqual([W('ld', { a: 1, b: 15, imm16: 0xfffc })]);
    expect(words('st lr, (r2)')).toEqual([W('st', { a: 14, b: 2, imm16: 0 })]);
    expect(words('st r1, (1+2)(r3)')).toEqual([W('st', { a: 1, b: 3, imm16: 3 })]);
    expect(words('jr lr')).toEqual([W('jr', { b: 14 })]);
    expect(words('jalr r1, r2')).toEqual([W('jalr', { a: 1, b: 2 })]);
    expect(words('svc 7')).toEqual([W('svc', { imm16: 7 })]);
    expect(words('in r3, 1\nout r4, 2')).toEqual([W('in', { a: 3, imm16: 1 }), W('out', { b: 4, imm16: 2 })]);
    expect(words('nop\nHALT')).toEqual([W('nop'), W('halt')]);
    expect(words('lpsw r1\nspsw r2\nstimer r3')).toEqual([W('lpsw', { b: 1 }), W('spsw', { b: 2 }), W('stimer', { b: 3 })]);
    expect(words('jrstu r1\ngpsw r2\nsflags r3\ngetr r4')).toEqual([W('jrstu', { b: 1 }), W('gpsw', { a: 2 }), W('sflags', { b: 3 }), W('getr', { a: 4 })]);
  });

  it('encodes targets as signed word offsets from the next instruction', () => {
    expect(words('loop: beq r1, r2, loop')).toEqual([W('beq', { a: 1, b: 2, imm16: 0xffff })]);
    expect(words('bne r1, r2, next\nnext: nop')).toEqual([W('bne', { a: 1, b: 2, imm16: 0 }), W('nop')]);
    expect(words('jmp far\nnop\nnop\nfar: nop')[0]).toBe(W('jmp', { off24: 2 }));
    expect(words('back: nop\njal lr, back')[1]).toBe(W('jal', { a: 14, off20: 0xffffe }));
    // an absolute address works as a target too
    expect(words(`jmp ${ORG}`)).toEqual([W('jmp', { off24: 0xffffff })]);
  });

  it('rejects instructions outside a given ISA, naming it', () => {
    const r = assemble('nop\ngetr r1\n', 'v.s', { isa: PG32 });
    expect(r.errors.map(formatError)).toEqual(["v.s:2:1: error: instruction 'getr' is not in ISA pg32; it is in pg32-x86, pg32-x86-vt or pg32+getr"]);
    const pdp = resolveIsa('pg32-pdp10') as Isa;
    expect(assemble('jrstu r1', 'v.s', { isa: pdp }).errors).toEqual([]);
    expect(assemble('gpsw r1', 'v.s', { isa: pdp }).errors[0]!.message).toBe("instruction 'gpsw' is not in ISA pg32-pdp10; it is in pg32-x86, pg32-x86-vt or pg32+gpsw");
    // default: the program's .isa, else pg32 (what `run` runs it on)
    expect(assemble('getr r1', 'v.s').errors[0]!.message).toBe("instruction 'getr' is not in ISA pg32; it is in pg32-x86, pg32-x86-vt or pg32+getr (say which with .isa NAME before the first instruction)");
  });
});

describe('immediate ranges (errors name the range)', () => {
  const cases: [string, string][] = [
    ['addi r1, r0, 32768', 'immediate 32768 out of range -32768..32767 for addi'],
    ['addi r1, r0, -32769', 'immediate -32769 out of range -32768..32767 for addi'],
    ['slti r1, r0, 40000', 'immediate 40000 out of range -32768..32767 for slti'],
    ['andi r1, r0, -1', 'immediate -1 out of range 0..65535 for andi'],
    ['ori r1, r0, 65536', 'immediate 65536 out of range 0..65535 for ori'],
    ['xori r1, r0, 70000', 'immediate 70000 out of range 0..65535 for xori'],
    ['shli r1, r0, 32', 'shift amount 32 out of range 0..31 for shli'],
    ['srai r1, r0, -1', 'shift amount -1 out of range 0..31 for srai'],
    ['lui r1, 65536', 'immediate 65536 out of range 0..65535 for lui'],
    ['ld r1, 32768(r2)', 'offset 32768 out of range -32768..32767 for ld'],
    ['st r1, -32769(r2)', 'offset -32769 out of range -32768..32767 for st'],
    ['out r1, 65536', 'port 65536 out of range 0..65535 for out'],
    ['in r1, -1', 'port -1 out of range 0..65535 for in'],
    ['svc 65536', 'number 65536 out of range 0..65535 for svc'],
    ['li r1, 4294967296', 'value 4294967296 out of range -2147483648..4294967295 for li'],
    ['li r1, -2147483649', 'value -2147483649 out of range -2147483648..4294967295 for li'],
    ['.word 4294967296', 'value 4294967296 out of range -2147483648..4294967295 for .word'],
  ];
  for (const [src, msg] of cases)
    it(src, () => {
      expect(errors(src)).toEqual([`t.s:1:${src.lastIndexOf(' ') + 1 + (src.includes('(') ? 0 : 0)}: error: ${msg}`.replace(/:1:\d+:/, ':1:' + colOfLast(src) + ':')]);
    });
  it('accepts the limits', () => {
    expect(() => words('addi r1, r0, -32768\naddi r1, r0, 32767\nandi r1, r0, 65535\nshri r1, r1, 31\nsvc 65535\nout r1, 65535\nld r1, -32768(r1)')).not.toThrow();
  });
});

function colOfLast(src: string): number {
  // the last operand starts after the last ", " (or after the mnemonic)
  const i = src.lastIndexOf(', ');
  return i >= 0 ? i + 3 : src.indexOf(' ') + 2;
}

describe('branch reach', () => {
  it('branches reach -32768..32767 words; further is an error', () => {
    expect(() => words(`beq r0, r0, far\n.space 32767\nfar: nop`)).not.toThrow();
    const e = errors(`beq r0, r0, far\n.space 32768\nfar: nop`);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^t\.s:1:13: error: target 'far' \(0x8011\) out of reach for beq: offset 32768 from the next instruction is not in -32768\.\.32767$/);
  });
  it('jal reaches ±2^19, jmp ±2^23', () => {
    expect(() => words(`jal lr, far\n.space ${2 ** 19 - 1}\nfar: nop`)).not.toThrow();
    expect(errors(`jal lr, far\n.space ${2 ** 19}\nfar: nop`)[0]).toMatch(/out of reach for jal: offset 524288 .* -524288\.\.524287/);
    expect(errors(`b far\n.space ${2 ** 23}\nfar: nop`)[0]).toMatch(/out of reach for b: offset 8388608 .* -8388608\.\.8388607/);
    expect(errors(`.org 0\njmp ${2 ** 24}`)[0]).toMatch(/out of reach for jmp/);
  });
});

describe('numbers, characters, strings', () => {
  it('reads decimal, negative, hex, binary and character literals', () => {
    expect(words(".word 42, -5, 0x1F, 0XfF, 0b101, 0B11, 'A', 0")).toEqual([42, 0xfffffffb, 31, 255, 5, 3, 65, 0]);
  });
  it('knows the escapes \\n \\t \\0 \\\\ \\\' \\"', () => {
    expect(words(".word '\\n', '\\t', '\\0', '\\\\', '\\'', '\\\"', '\"'")).toEqual([10, 9, 0, 92, 39, 34, 34]);
  });
  it('.string: one word per UTF-8 byte, then 0; ; inside quotes is not a comment', () => {
    expect(words('.string "a;b" ; real comment')).toEqual([97, 59, 98, 0]);
    expect(words('.string "é\\n\\"x\\""')).toEqual([0xc3, 0xa9, 10, 34, 120, 34, 0]);
    expect(words('.string ""')).toEqual([0]);
    expect(words(".word ';'  ; a semicolon")).toEqual([59]);
  });
  it('rejects bad literals', () => {
    expect(errors('.word 0x')).toEqual(["t.s:1:7: error: invalid number '0x' (expected decimal, 0x hexadecimal or 0b binary digits)"]);
    expect(errors('.word 12ab')[0]).toMatch(/invalid number '12ab'/);
    expect(errors('.word 0b102')[0]).toMatch(/invalid number '0b102'/);
    expect(errors(".word '\\q'")[0]).toMatch(/^t\.s:1:7: error: unknown escape '\\q'/);
    expect(errors(".word 'ab'")[0]).toMatch(/exactly one character/);
    expect(errors('.string "abc')[0]).toMatch(/^t\.s:1:9: error: unterminated string/);
    expect(errors('.string "a\\qb"')[0]).toMatch(/unknown escape/);
  });
});

describe('expressions', () => {
  it('+ - * / ( ) and unary minus with the usual precedence', () => {
    expect(words('.word 2+3*4, (2+3)*4, 10-4-3, -(3-5)*4, 2*-3, - -1, +5, 100/10/5')).toEqual([14, 20, 3, 8, -6 >>> 0, 1, 5, 2]);
  });
  it('/ truncates toward zero', () => {
    expect(words('.word 7/2, -7/2, 7/-2, -7/-2')).toEqual([3, -3 >>> 0, -3 >>> 0, 3]);
  });
  it('uses exact integers: intermediate results beyond 32 or 53 bits are fine', () => {
    expect(words('.word 0x100000000 - 1, 9007199254740993 - 9007199254740992, 4294967296 * 4294967296 / 4294967296 / 2')).toEqual([0xffffffff, 1, 0x80000000]);
  });
  it('division by zero is an error', () => {
    expect(errors('.word 1/0')).toEqual(['t.s:1:8: error: division by zero']);
    expect(errors('.equ Z, 0\naddi r1, r0, 5/Z')).toEqual(['t.s:2:15: error: division by zero']);
  });
  it('symbols in expressions, labels as addresses', () => {
    expect(words('a: .word b - a, a\nb: .word b * 2')).toEqual([2, ORG, (ORG + 2) * 2]);
  });
});

describe('symbols', () => {
  it('labels and .equ names share one case-sensitive namespace; forward references allowed', () => {
    const img = image('.equ X, Y + 1\n.equ Y, end - start\nstart: .word X, x\nx: nop\nend:');
    expect(img.symbols.get('Y')).toBe(3);
    expect(img.symbols.get('X')).toBe(4);
    expect(img.labels.has('x') && !img.labels.has('X')).toBe(true);
    expect(words('.equ X, Y + 1\n.equ Y, end - start\nstart: .word X, x\nx: nop\nend:').slice(0, 2)).toEqual([4, ORG + 2]);
  });
  it('a label may stand alone on a line', () => {
    expect(image('a:\nb:\n  nop').symbols.get('b')).toBe(ORG);
  });
  it('duplicate symbols are errors (labels and .equ alike)', () => {
    expect(errors('x: nop\nx: nop')).toEqual(["t.s:2:1: error: duplicate symbol 'x' (first defined on line 1)"]);
    expect(errors('.equ x, 1\nx: nop')).toEqual(["t.s:2:1: error: duplicate symbol 'x' (first defined on line 1)"]);
    expect(errors('x: nop\n.equ x, 1')).toEqual(["t.s:2:6: error: duplicate symbol 'x' (first defined on line 1)"]);
  });
  it('X and x are different symbols', () => {
    expect(() => words('x: nop\nX: nop')).not.toThrow();
  });
  it('a register name used as a symbol is an error', () => {
    expect(errors('r1: nop')).toEqual(["t.s:1:1: error: 'r1' is a register name and cannot be used as a symbol"]);
    expect(errors('.equ SP, 4')).toEqual(["t.s:1:6: error: 'SP' is a register name and cannot be used as a symbol"]);
    expect(errors('LR: nop')[0]).toMatch(/'LR' is a register name/);
  });
  it('undefined symbols are errors at their use', () => {
    expect(errors('nop\n  beq r1, r2, nowhere')).toEqual(["t.s:2:15: error: undefined symbol 'nowhere'"]);
  });
  it('circular .equ definitions are errors', () => {
    expect(errors('.equ A, B + 1\n.equ B, A')).toEqual(["t.s:1:6: error: circular definition of 'A' (A → B → A)"]);
    expect(errors('.equ S, S')).toEqual(["t.s:1:6: error: circular definition of 'S' (S → S)"]);
  });
  it('.org and .space may use only symbols defined above them', () => {
    expect(words('.equ N, 2\n.space N\nnop')).toEqual([0, 0, W('nop')]);
    expect(errors('.space N\n.equ N, 2')).toEqual(["t.s:1:8: error: .space may only use symbols defined above it: 'N' is not defined above"]);
    expect(errors('.org later\nlater: nop')[0]).toMatch(/^t\.s:1:6: error: \.org may only use symbols defined above it/);
    expect(errors('.equ N, M\n.space N\n.equ M, 1')[0]).toMatch(/^t\.s:2:8: error: \.space may only use symbols defined above it: 'N' depends on something defined later/);
    expect(image('a: nop\n.org a + 10\nb: nop').symbols.get('b')).toBe(ORG + 10);
  });
});

describe('directives and layout', () => {
  it('programs load at LOW.LOAD_ORIGIN unless .org says otherwise', () => {
    expect(image('nop').segments[0]!.origin).toBe(ORG);
    expect(image('.org 0x40\nnop').segments[0]!.origin).toBe(0x40);
  });
  it('.space n reserves n zero words', () => {
    const img = image('nop\n.space 3\nx: nop');
    expect(img.symbols.get('x')).toBe(ORG + 4);
    expect([...img.segments[0]!.words].slice(1, 4)).toEqual([0, 0, 0]);
  });
  it('.org makes separate segments, sorted by origin', () => {
    const img = image('.org 0x200\nnop\n.org 0x100\nhalt');
    expect(img.segments.map((s) => s.origin)).toEqual([0x100, 0x200]);
  });
  it('two words at one address is an error', () => {
    expect(errors('nop\nnop\n.org 17\n  .word 1')).toEqual([`t.s:4:3: error: two words at address 0x00000011: this statement overlaps words emitted by line 2`]);
    expect(errors('.org 0x20\n.space 4\n.org 0x22\nnop')[0]).toMatch(/^t\.s:4:1: error: two words at address 0x00000022/);
  });
  it('.org may not leave the address space; .space is bounded', () => {
    expect(errors('.org -1')[0]).toMatch(/address -1 out of range 0\.\.4294967295 for \.org/);
    expect(errors('.space -1')[0]).toMatch(/size -1 out of range/);
  });
  it('unknown directives and mnemonics are named', () => {
    expect(errors('.bogus 1')).toEqual(["t.s:1:1: error: unknown directive '.bogus' (the directives are .org .word .string .space .equ .entry .isa .include)"]);
    expect(errors('.wrod 1')).toEqual(["t.s:1:1: error: unknown directive '.wrod' (did you mean '.word'?)"]);
    expect(errors('  frob r1, r2')).toEqual(["t.s:1:3: error: unknown mnemonic 'frob'"]);
  });
  it('.string needs a quoted string; .word needs expressions', () => {
    expect(errors('.string 5')[0]).toMatch(/^t\.s:1:9: error: \.string takes one quoted string/);
    expect(errors('.word "ab"')[0]).toMatch(/^t\.s:1:7: error: \.word: expected an expression, found a string/);
  });
});

describe('entry point', () => {
  it('is .entry when given', () => {
    expect(image('nop\nmain: nop\nstart: nop\n.entry main').entry).toBe(ORG + 1);
  });
  it('else the label start', () => {
    expect(image('nop\nstart: nop').entry).toBe(ORG + 1);
  });
  it('else the lowest address emitted', () => {
    expect(image('.org 0x300\nnop\n.org 0x80\nnop').entry).toBe(0x80);
  });
  it('.entry twice is an error; .entry of an unknown label too', () => {
    expect(errors('.entry a\n.entry a\na: nop')[0]).toMatch(/^t\.s:2:1: error: duplicate \.entry/);
    expect(errors('.entry nowhere\nnop')).toEqual(["t.s:1:8: error: undefined symbol 'nowhere'"]);
  });
});

describe('pseudo-instructions', () => {
  it('li: one addi when the value fits simm16, else lui + ori', () => {
    expect(words('li r1, 5')).toEqual([W('addi', { a: 1, b: 0, imm16: 5 })]);
    expect(words('li r1, -32768')).toEqual([W('addi', { a: 1, imm16: 0x8000 })]);
    expect(words('li r1, 32768')).toEqual([W('lui', { a: 1, imm16: 0 }), W('ori', { a: 1, b: 1, imm16: 0x8000 })]);
    expect(words('li r2, 0x12345678')).toEqual([W('lui', { a: 2, imm16: 0x1234 }), W('ori', { a: 2, b: 2, imm16: 0x5678 })]);
    expect(words('li r2, -2147483648')).toEqual([W('lui', { a: 2, imm16: 0x8000 }), W('ori', { a: 2, b: 2, imm16: 0 })]);
    // the value mod 2^32: 0xFFFFFFFF is -1, which fits
    expect(words('li r3, 0xFFFFFFFF')).toEqual([W('addi', { a: 3, imm16: 0xffff })]);
  });
  it('li/la with a value not known yet (forward reference) take two words', () => {
    expect(words('li r1, N\n.equ N, 5')).toEqual([W('lui', { a: 1, imm16: 0 }), W('ori', { a: 1, b: 1, imm16: 5 })]);
    expect(words('.equ N, 5\nli r1, N')).toEqual([W('addi', { a: 1, imm16: 5 })]);
    expect(words('la r1, x\nx: nop')).toEqual([W('lui', { a: 1 }), W('ori', { a: 1, b: 1, imm16: ORG + 2 }), W('nop')]);
    expect(words('x: nop\nla r1, x')).toEqual([W('nop'), W('addi', { a: 1, imm16: ORG })]);
  });
  it('mov, neg, not', () => {
    expect(words('mov r1, r2')).toEqual([W('addi', { a: 1, b: 2, imm16: 0 })]);
    expect(words('neg r1, r2')).toEqual([W('sub', { a: 1, b: 0, c: 2 })]);
    expect(words('not r1, r2')).toEqual([W('sub', { a: 1, b: 0, c: 2 }), W('addi', { a: 1, b: 1, imm16: 0xffff })]);
    expect(words('not r3, r3')).toEqual([W('sub', { a: 3, b: 0, c: 3 }), W('addi', { a: 3, b: 3, imm16: 0xffff })]);
  });
  it('b, beqz, bnez, call, ret', () => {
    expect(words('x: b x')).toEqual([W('jmp', { off24: 0xffffff })]);
    expect(words('x: beqz r4, x')).toEqual([W('beq', { a: 4, b: 0, imm16: 0xffff })]);
    expect(words('x: bnez r4, x')).toEqual([W('bne', { a: 4, b: 0, imm16: 0xffff })]);
    expect(words('call f\nf: ret')).toEqual([W('jal', { a: 14, off20: 0 }), W('jr', { b: 14 })]);
  });
  it('push and pop on a full-descending stack', () => {
    expect(words('push r3')).toEqual([W('addi', { a: 15, b: 15, imm16: 0xffff }), W('st', { a: 3, b: 15, imm16: 0 })]);
    expect(words('pop r3')).toEqual([W('ld', { a: 3, b: 15, imm16: 0 }), W('addi', { a: 15, b: 15, imm16: 1 })]);
  });
  it('sizes count in the layout: labels after two-word pseudos', () => {
    const img = image('push r1\na: pop r1\nb: not r1, r2\nc: li r1, 100000\nd: li r1, 1\ne: nop');
    expect(['a', 'b', 'c', 'd', 'e'].map((n) => img.symbols.get(n)! - ORG)).toEqual([2, 4, 6, 8, 9]);
  });
});

describe('syntax errors', () => {
  it('name what was expected', () => {
    expect(errors('add r1 r2, r3')).toEqual(["t.s:1:8: error: expected ',' or end of line but found 'r2'"]);
    expect(errors('add r1, r2,')).toEqual(['t.s:1:12: error: expected an operand (a register, an expression, imm(rs) or a string) but found end of line']);
    expect(errors('ld r1, 4(r2')).toEqual(["t.s:1:12: error: expected ')' but found end of input".replace('end of input', 'end of line')]);
    expect(errors('x: y: @')).toEqual(["t.s:1:7: error: unexpected character '@'"]);
  });
  it('wrong operand count or kind names the instruction syntax', () => {
    expect(errors('add r1, r2')).toEqual(['t.s:1:1: error: add takes 3 operands (add rd, rs, rt), found 2']);
    expect(errors('nop r1')).toEqual(['t.s:1:5: error: nop takes no operands (nop), found 1']);
    expect(errors('addi r1, r2, r3')).toEqual(["t.s:1:14: error: addi: expected an expression for imm (addi rd, rs, imm), found register 'r3'"]);
    expect(errors('ld r1, r2')).toEqual(["t.s:1:8: error: ld: expected a memory operand imm(rs) or (rs) (ld rd, imm(rs)), found register 'r2'"]);
    expect(errors('jr 5')).toEqual(['t.s:1:4: error: jr: expected a register for rs (jr rs), found an expression']);
    expect(errors('li 5, r1')[0]).toMatch(/^t\.s:1:4: error: li: expected a register for rd/);
  });
  it('reports every error of a file, each on its own line with its line:col', () => {
    const src = [
      'start:  li r1, 5', // 1 ok
      '        addi r1, r1, 99999', // 2 range
      '        frob r2', // 3 unknown mnemonic
      '        add r1, r2 r3', // 4 syntax
      'start:  nop', // 5 duplicate
      '        beq r1, r2, missing', // 6 undefined
      '        .word 1/0', // 7 division by zero
      '        ld r1, 4(r2', // 8 syntax
      '        halt',
    ].join('\n');
    expect(errors(src, 'many.s')).toEqual([
      'many.s:2:22: error: immediate 99999 out of range -32768..32767 for addi',
      "many.s:3:9: error: unknown mnemonic 'frob'",
      "many.s:4:20: error: expected ',' or end of line but found 'r3'",
      "many.s:5:1: error: duplicate symbol 'start' (first defined on line 1)",
      "many.s:6:21: error: undefined symbol 'missing'",
      'many.s:7:16: error: division by zero',
      "many.s:8:20: error: expected ')' but found end of line",
    ]);
  });
  it('a label on a line with a syntax error is not reported again as undefined', () => {
    expect(errors('x: add r1 r2\nb x')).toHaveLength(1);
  });
  it('never throws on garbage', () => {
    for (const src of ['\u0000\u0001', '((((', '.word ((1)', ':::', '"', "'", '-', 'li r1, --', '\r\n\r', 'a:b:c:']) {
      const r = assemble(src, 'g.s');
      for (const e of r.errors) expect(formatError(e)).toMatch(/^g\.s:\d+:\d+: error: \S/);
    }
  });
  it('handles CRLF and CR line ends and a missing final newline', () => {
    expect(words('nop\r\nhalt\rnop')).toEqual([W('nop'), W('halt'), W('nop')]);
    expect(errors('nop\r\nfrob\r\n')).toEqual(["t.s:2:1: error: unknown mnemonic 'frob'"]);
  });
});

describe('the source map', () => {
  it('maps every emitted word to its file and line, and keeps the source text', () => {
    const img = image('; comment\nstart: li r1, 100000\n\n  .string "ab"\n', 'p.s');
    expect([...img.sourceMap].map(([a, l]) => [a - ORG, l.file, l.line])).toEqual([
      [0, 'p.s', 2],
      [1, 'p.s', 2],
      [2, 'p.s', 4],
      [3, 'p.s', 4],
      [4, 'p.s', 4],
    ]);
    expect(img.sourceMap.get(ORG + 1)).toEqual({ file: 'p.s', line: 2 });
    expect(img.sources?.get('p.s')?.[1]).toBe('start: li r1, 100000');
  });
});

describe('large files (parsed in slices)', () => {
  const lines = Array.from({ length: 6000 }, (_, i) => (i % 3 === 0 ? `L${i}: addi r1, r1, ${i % 1000} ; line ${i + 1}` : `  beq r1, r2, L${i - (i % 3)}`));
  it('keeps addresses, labels and line numbers right across slices', () => {
    const img = image(lines.join('\n'), 'big.s');
    expect(img.symbols.get('L5997')).toBe(ORG + 5997);
    expect(img.sourceMap.get(ORG + 5999)).toEqual({ file: 'big.s', line: 6000 });
    expect(img.segments[0]!.words.length).toBe(6000);
  });
  it('reports errors late in a large file at the right line and column', () => {
    const bad = lines.slice();
    bad[5500] = '  add r1 r2';
    bad[5990] = '  frob';
    expect(errors(bad.join('\r\n'), 'big.s')).toEqual(["big.s:5501:10: error: expected ',' or end of line but found 'r2'", "big.s:5991:3: error: unknown mnemonic 'frob'"]);
  });
});

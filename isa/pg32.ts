/**
 * PG32 as data: the single source of truth for every tool in trapeze.
 *
 * The assembler's mnemonics, the encoder, decoder, disassembler, the CPU's
 * dispatch constants, the classifier's instruction list and the generated
 * reference page (isa/REFERENCE.md) all read this file. No opcode, cause,
 * port or field position is written anywhere else.
 *
 * An instruction word is 32 bits:
 *
 *   31      24 23  20 19  16 15  12 11                 0
 *   | opcode  |  a   |  b   |  c   |                    |
 *                            |<-------- imm16 --------->|
 *                   |<------------- off20 ------------->|
 *            |<----------------- off24 ---------------->|
 *
 * Bits that an instruction's format does not use are reserved and must be
 * zero: a word with a reserved bit set is undefined (ILLEGAL trap), exactly
 * like an unassigned opcode. Opcode 0 is never assigned, so that zeroed
 * storage traps instead of running.
 */

/** Bit fields of an instruction word, [hi, lo] inclusive. */
export const FIELDS = {
  op: [31, 24],
  a: [23, 20],
  b: [19, 16],
  c: [15, 12],
  imm16: [15, 0],
  sh5: [4, 0],
  off20: [19, 0],
  off24: [23, 0],
} as const satisfies Record<string, readonly [number, number]>;
export type FieldName = keyof typeof FIELDS;

/**
 * Operand kinds, as written in assembly.
 * - reg: a register r0..r15 (or lr, sp)
 * - simm16: signed immediate -32768..32767
 * - uimm16: unsigned immediate 0..65535 (zero-extended)
 * - shamt: shift amount 0..31
 * - mem: `expr(rs)` or `(rs)`; the offset is simm16, the register is the base
 * - target: a label or expression, encoded as a signed word offset from the
 *   next instruction (pc-relative), as wide as the field allows
 */
export type OperandKind = 'reg' | 'simm16' | 'uimm16' | 'shamt' | 'mem' | 'target';

export interface OperandSpec {
  /** the name used in the manual's syntax line: rd, rs, rt, imm, label, port, n */
  readonly name: string;
  readonly kind: OperandKind;
  /** field holding the value; for `mem`, the offset field (the base register is in `baseField`) */
  readonly field: FieldName;
  readonly baseField?: FieldName;
}

const reg = (name: string, field: FieldName): OperandSpec => ({ name, kind: 'reg', field });

/** Instruction formats: operand order in assembly and where each operand is encoded. */
export const FORMATS = {
  /** rd, rs, rt */
  RRR: [reg('rd', 'a'), reg('rs', 'b'), reg('rt', 'c')],
  /** rd, rs, imm (signed) */
  RRI: [reg('rd', 'a'), reg('rs', 'b'), { name: 'imm', kind: 'simm16', field: 'imm16' }],
  /** rd, rs, imm (zero-extended) */
  RRU: [reg('rd', 'a'), reg('rs', 'b'), { name: 'imm', kind: 'uimm16', field: 'imm16' }],
  /** rd, rs, shift amount */
  RRS: [reg('rd', 'a'), reg('rs', 'b'), { name: 'imm', kind: 'shamt', field: 'sh5' }],
  /** rd, imm (zero-extended) */
  RU: [reg('rd', 'a'), { name: 'imm', kind: 'uimm16', field: 'imm16' }],
  /** rd, imm(rs) */
  LOAD: [reg('rd', 'a'), { name: 'imm(rs)', kind: 'mem', field: 'imm16', baseField: 'b' }],
  /** rt, imm(rs) */
  STORE: [reg('rt', 'a'), { name: 'imm(rs)', kind: 'mem', field: 'imm16', baseField: 'b' }],
  /** rs, rt, label */
  BRANCH: [reg('rs', 'a'), reg('rt', 'b'), { name: 'label', kind: 'target', field: 'imm16' }],
  /** label */
  JUMP: [{ name: 'label', kind: 'target', field: 'off24' }],
  /** rd, label */
  LINK: [reg('rd', 'a'), { name: 'label', kind: 'target', field: 'off20' }],
  /** rs */
  S: [reg('rs', 'b')],
  /** rd */
  D: [reg('rd', 'a')],
  /** rd, rs */
  DS: [reg('rd', 'a'), reg('rs', 'b')],
  /** n */
  N: [{ name: 'n', kind: 'uimm16', field: 'imm16' }],
  /** rd, port */
  IN: [reg('rd', 'a'), { name: 'port', kind: 'uimm16', field: 'imm16' }],
  /** rs, port */
  OUT: [reg('rs', 'b'), { name: 'port', kind: 'uimm16', field: 'imm16' }],
  /** no operands */
  NONE: [],
} as const satisfies Record<string, readonly OperandSpec[]>;
export type FormatName = keyof typeof FORMATS;

/**
 * The class an instruction is declared to have. These are claims: the
 * checker (src/checker) derives the classes by executing each instruction and
 * reports every disagreement with a witness.
 */
export interface DeclaredClass {
  readonly privileged: boolean;
  readonly control: boolean;
  readonly location: boolean;
  readonly mode: boolean;
}
const INNOCUOUS: DeclaredClass = { privileged: false, control: false, location: false, mode: false };
const cls = (privileged: boolean, sens: 'control' | 'location' | 'mode' | ''): DeclaredClass => ({
  privileged,
  control: sens === 'control',
  location: sens === 'location',
  mode: sens === 'mode',
});

/** The extra instructions the variants add to pg32 (what the `EXTRAS` intercept covers). */
export const EXTRAS = ['jrstu', 'gpsw', 'sflags', 'getr'] as const;
/**
 * Every composable extension: the four extras, and `vt`, the guest mode of
 * ISA.md "Extension vt" (it adds `vmrun`).
 */
export const EXTENSIONS = [...EXTRAS, 'vt'] as const;
export type Extension = (typeof EXTENSIONS)[number];

/**
 * The `vt` intercepts (control block word 8), by bit. An instruction names
 * the intercept that covers it in its table entry (`intercept`); the two
 * trap intercepts cover causes, not instructions.
 */
export const INTERCEPTS = {
  IO: 1 << 0,
  HALT: 1 << 1,
  TIMER: 1 << 2,
  PSW: 1 << 3,
  SVC: 1 << 4,
  TRAPS: 1 << 5,
  EXTRAS: 1 << 6,
} as const;
export type InterceptName = keyof typeof INTERCEPTS;

export interface InstructionSpec {
  readonly mnemonic: string;
  readonly opcode: number;
  readonly format: FormatName;
  readonly group: string;
  readonly declared: DeclaredClass;
  /** the extension that adds it; undefined for base pg32 */
  readonly extension?: Extension;
  /** under `vt`, the intercept bit that makes it exit instead of executing in guest mode */
  readonly intercept?: InterceptName;
  /** one line, in the manual's words */
  readonly description: string;
}

const I = <M extends string>(
  mnemonic: M,
  opcode: number,
  format: FormatName,
  group: string,
  description: string,
  declared: DeclaredClass = INNOCUOUS,
  extension?: Extension,
  intercept?: InterceptName,
): InstructionSpec & { readonly mnemonic: M } => ({ mnemonic, opcode, format, group, declared, description, extension, intercept });

export const INSTRUCTIONS = [
  I('add', 0x01, 'RRR', 'register ALU', 'rd ← rs + rt (wrapping)'),
  I('sub', 0x02, 'RRR', 'register ALU', 'rd ← rs − rt (wrapping)'),
  I('mul', 0x03, 'RRR', 'register ALU', 'rd ← low 32 bits of rs × rt'),
  I('div', 0x04, 'RRR', 'register ALU', 'rd ← rs / rt, signed, truncating; ARITH trap if rt = 0'),
  I('rem', 0x05, 'RRR', 'register ALU', 'rd ← rs rem rt, signed (sign of rs); ARITH trap if rt = 0'),
  I('and', 0x06, 'RRR', 'register ALU', 'rd ← rs & rt'),
  I('or', 0x07, 'RRR', 'register ALU', 'rd ← rs | rt'),
  I('xor', 0x08, 'RRR', 'register ALU', 'rd ← rs ^ rt'),
  I('shl', 0x09, 'RRR', 'register ALU', 'rd ← rs << (rt & 31)'),
  I('shr', 0x0a, 'RRR', 'register ALU', 'rd ← rs >>> (rt & 31), logical'),
  I('sra', 0x0b, 'RRR', 'register ALU', 'rd ← rs >> (rt & 31), arithmetic'),
  I('slt', 0x0c, 'RRR', 'register ALU', 'rd ← 1 if rs < rt (signed), else 0'),
  I('sltu', 0x0d, 'RRR', 'register ALU', 'rd ← 1 if rs < rt (unsigned), else 0'),

  I('addi', 0x10, 'RRI', 'immediate ALU', 'rd ← rs + imm (imm sign-extended)'),
  I('slti', 0x11, 'RRI', 'immediate ALU', 'rd ← 1 if rs < imm (signed), else 0'),
  I('andi', 0x12, 'RRU', 'immediate ALU', 'rd ← rs & imm (imm zero-extended)'),
  I('ori', 0x13, 'RRU', 'immediate ALU', 'rd ← rs | imm (imm zero-extended)'),
  I('xori', 0x14, 'RRU', 'immediate ALU', 'rd ← rs ^ imm (imm zero-extended)'),
  I('shli', 0x15, 'RRS', 'immediate ALU', 'rd ← rs << imm'),
  I('shri', 0x16, 'RRS', 'immediate ALU', 'rd ← rs >>> imm, logical'),
  I('srai', 0x17, 'RRS', 'immediate ALU', 'rd ← rs >> imm, arithmetic'),
  I('lui', 0x18, 'RU', 'immediate ALU', 'rd ← imm << 16'),

  I('ld', 0x20, 'LOAD', 'memory', 'rd ← E[base + (rs + imm)], relocated'),
  I('st', 0x21, 'STORE', 'memory', 'E[base + (rs + imm)] ← rt, relocated'),

  I('beq', 0x28, 'BRANCH', 'branch', 'if rs = rt: pc ← label'),
  I('bne', 0x29, 'BRANCH', 'branch', 'if rs ≠ rt: pc ← label'),
  I('blt', 0x2a, 'BRANCH', 'branch', 'if rs < rt (signed): pc ← label'),
  I('bge', 0x2b, 'BRANCH', 'branch', 'if rs ≥ rt (signed): pc ← label'),
  I('bltu', 0x2c, 'BRANCH', 'branch', 'if rs < rt (unsigned): pc ← label'),
  I('bgeu', 0x2d, 'BRANCH', 'branch', 'if rs ≥ rt (unsigned): pc ← label'),

  I('jmp', 0x30, 'JUMP', 'jump', 'pc ← label'),
  I('jal', 0x31, 'LINK', 'jump', 'rd ← next pc; pc ← label'),
  I('jr', 0x32, 'S', 'jump', 'pc ← rs'),
  I('jalr', 0x33, 'DS', 'jump', 'rd ← next pc; pc ← rs (rs read first)'),

  I('svc', 0x38, 'N', 'other', 'SVC trap with info n (traps by design; not sensitive)'),
  I('nop', 0x39, 'NONE', 'other', 'nothing'),

  I('lpsw', 0x40, 'S', 'privileged', 'PSW ← the four words at virtual rs..rs+3', cls(true, 'control'), undefined, 'PSW'),
  I('spsw', 0x41, 'S', 'privileged', 'the four words at virtual rs..rs+3 ← PSW, with pc = next', cls(true, 'location'), undefined, 'PSW'),
  I('stimer', 0x42, 'S', 'privileged', 'TIMER ← rs; clears a pending timer interrupt', cls(true, 'control'), undefined, 'TIMER'),
  I('in', 0x43, 'IN', 'privileged', 'rd ← read device port', cls(true, 'control'), undefined, 'IO'),
  I('out', 0x44, 'OUT', 'privileged', 'write rs to device port', cls(true, 'control'), undefined, 'IO'),
  I('halt', 0x45, 'NONE', 'privileged', 'stop the machine normally', cls(true, 'control'), undefined, 'HALT'),
  I('vmrun', 0x46, 'S', 'privileged', 'run the guest of the control block at virtual rs..rs+31 in guest mode until an exit', { privileged: true, control: true, location: true, mode: false }, 'vt'),

  I('jrstu', 0x50, 'S', 'variant', 'pc ← rs; in supervisor mode also enter user mode (PDP-10 JRST 1)', cls(false, 'control'), 'jrstu', 'EXTRAS'),
  I('gpsw', 0x51, 'D', 'variant', 'rd ← flags (x86 SMSW / PUSHF)', cls(false, 'mode'), 'gpsw', 'EXTRAS'),
  I('sflags', 0x52, 'S', 'variant', 'IE ← bit 1 of rs in supervisor mode; nothing in user mode (x86 POPF)', cls(false, 'control'), 'sflags', 'EXTRAS'),
  I('getr', 0x53, 'D', 'variant', 'rd ← base (x86 SGDT)', cls(false, 'location'), 'getr', 'EXTRAS'),
] as const satisfies readonly InstructionSpec[];

export type Mnemonic = (typeof INSTRUCTIONS)[number]['mnemonic'];

/** Named variants; any `pg32+ext+ext` composition is accepted too. */
export const VARIANTS: Readonly<Record<string, readonly Extension[]>> = {
  pg32: [],
  'pg32-pdp10': ['jrstu'],
  'pg32-x86': ['gpsw', 'sflags', 'getr'],
  'pg32-x86-vt': ['gpsw', 'sflags', 'getr', 'vt'],
};

/** What ISA.md says each named variant's Popek–Goldberg outcome is; the checker is tested against it. */
export const EXPECTED_OUTCOMES: Readonly<Record<string, { t1: boolean; t2: boolean; t3: boolean }>> = {
  pg32: { t1: true, t2: true, t3: true },
  'pg32-pdp10': { t1: false, t2: false, t3: true },
  'pg32-x86': { t1: false, t2: false, t3: false },
  'pg32-x86-vt': { t1: false, t2: false, t3: false },
};

/** Trap causes (E[4] after the trap sequence). */
export const CAUSES = {
  PRIV: 1,
  ILLEGAL: 2,
  MEMORY: 3,
  SVC: 4,
  TIMER: 5,
  ARITH: 6,
} as const;
export type CauseName = keyof typeof CAUSES;

/** PSW flag bits. Other bits read 0 and are ignored when loaded. */
export const FLAGS = { S: 1, IE: 2 } as const;
export const FLAGS_MASK = FLAGS.S | FLAGS.IE;

/** Device ports. Other ports read −1 and ignore writes. */
export const PORTS = {
  CONSOLE_OUT: 0,
  CONSOLE_IN: 1,
  DECIMAL_OUT: 2,
} as const;

/** Low storage: physical words the trap sequence uses. */
export const LOW = {
  OLD_PSW: 0, // 0..3: flags, pc, base, bound
  CAUSE: 4,
  INFO: 5,
  NEW_PSW: 8, // 8..11: flags, pc, base, bound
  /** programs load here unless .org says otherwise */
  LOAD_ORIGIN: 16,
} as const;

export const DEFAULT_MEM_WORDS = 1_048_576;
/** the smallest storage that holds low storage */
export const MIN_MEM_WORDS = 16;

/** Register aliases. */
export const REGISTER_ALIASES: Readonly<Record<string, number>> = { lr: 14, sp: 15 };
export const REGISTER_COUNT = 16;

/**
 * The `vt` control block (ISA.md "Extension vt"): 32 words at the virtual
 * address `vmrun` names. Offsets of each word.
 */
export const VMCB = {
  /** 0..3: guest PSW (flags, pc, base, bound) */
  PSW: 0,
  TIMER: 4,
  /** guest timer interrupt pending (0 or 1) */
  PENDING: 5,
  /** physical address of guest-physical word 0 */
  PART_BASE: 6,
  /** partition size in words */
  PART_SIZE: 7,
  INTERCEPTS: 8,
  EXIT_CODE: 9,
  EXIT_INFO: 10,
  /** a trap cause (1–6) to deliver before the guest's first instruction; 0 = none; cleared by vmrun */
  INJECT: 11,
  INJECT_INFO: 12,
  /** 16..31: guest r0..r15 */
  REGS: 16,
  /** the whole block */
  SIZE: 32,
} as const;

/** Exit codes (control block word 9). 1–6 are the trap causes of an intercepted guest trap. */
export const EXITS = {
  INSTR: 16,
  NPF: 17,
  HTIMER: 18,
  VMRUN: 19,
  CHECKSTOP: 20,
  BADVMCB: 21,
} as const;
export type ExitName = keyof typeof EXITS;

/** A partition smaller than this cannot hold the guest's low storage (BADVMCB). */
export const MIN_PARTITION = 16;

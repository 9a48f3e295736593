/**
 * Named regression cases. `npm run fuzz` prints a failing case as an entry
 * for one of these lists; paste it here and it runs in CI for ever after
 * (test/fuzz/regressions.test.ts).
 */
import type { Config } from './differential.js';

export interface ProgramRegression {
  readonly name: string;
  /** assembly, as the generator printed it (the canary is added when it is built) */
  readonly source: string;
  readonly input?: readonly number[];
  readonly config: Config;
}

export interface CliRegression {
  readonly name: string;
  readonly args: readonly string[];
  /** exit status expected */
  readonly status: number;
  /** a pattern the first line of stderr must match */
  readonly stderr: RegExp;
}

/** programs that once differed bare vs virtual (none found so far; the entry shows the format) */
export const PROGRAMS: ProgramRegression[] = [
  {
    name: 'format example: spsw and stimer emulated in virtual supervisor mode, then a timer interrupt',
    source: `
.org 8
.word 1, handler, 0, 512
.org 16
start:  la r10, data
        li r11, 3
        stimer r11
        la r11, PIE
        lpsw r11
L0:     addi r11, r10, 4
        spsw r11
L1:     nop
L2:     nop
L3:     halt
codeend:
handler: ld r13, 4(r0)
        ld r15, cnt(r13)
        addi r15, r15, 1
        st r15, cnt(r13)
        lpsw r0
cnt:    .word 0, 0, 0, 0, 0, 0, 0, 0
PIE:    .word 3, L0, 0, 512
data:   .word 0
`,
    config: { isa: 'pg32', monitor: 'trap-emulate', vms: 4, quantum: 1, depth: 2 },
  },
];

/** command lines that once crashed (found by the hostile fuzzers) */
export const CLI: CliRegression[] = [
  {
    name: "a mnemonic named like an Object.prototype key ('__proto__', 'constructor') was a TypeError in the assembler",
    args: ['asm', 'proto.s'],
    status: 1,
    stderr: /^proto\.s:1:1: error: unknown mnemonic '__proto__'$/,
  },
  {
    name: "--isa constructor / __proto__ was a TypeError in resolveIsa",
    args: ['run', 'hello.s', '--isa', 'constructor'],
    status: 2,
    stderr: /^trapeze run: unknown ISA 'constructor'/,
  },
  {
    name: '--isa __proto__',
    args: ['run', 'hello.s', '--isa', '__proto__'],
    status: 2,
    stderr: /^trapeze run: unknown ISA '__proto__'/,
  },
  {
    name: '--constructor was silently accepted as a flag',
    args: ['run', 'hello.s', '--constructor'],
    status: 2,
    stderr: /^trapeze run: unknown option '--constructor'$/,
  },
  {
    name: "equiv with an image that does not fit --mem was an internal error (RangeError from Cpu.load)",
    args: ['equiv', 'hello.s', '--mem', '16'],
    status: 1,
    stderr: /^trapeze equiv: hello\.s: image segment at 16 \(\d+ words\) does not fit in 16 words of storage \(try a larger --mem\)$/,
  },
  {
    name: 'equiv whose stack of VMs needs more than 2^30 words was an internal error (RangeError from new Cpu)',
    args: ['equiv', 'hello.s', '--mem', '1073741824'],
    status: 2,
    stderr: /^trapeze equiv: 1 VM of 1073741824 words at depth 1 need \d+ words of real storage/,
  },
  {
    name: 'vmm whose stack of VMs needs more than 2^30 words was an internal error (RangeError from new Cpu)',
    args: ['vmm', 'hello.s', 'hello.s', '--mem', '600000000'],
    status: 2,
    stderr: /^trapeze vmm: 2 VMs of 600000000 words at depth 1 need \d+ words/,
  },
  {
    name: 'vmm at depth 16 with large guests',
    args: ['vmm', 'hello.s', '--depth', '16', '--mem', '1073741800'],
    status: 2,
    stderr: /^trapeze vmm: 1 VM of 1073741800 words at depth 16 need/,
  },
];

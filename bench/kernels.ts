/**
 * The benchmark kernels: each PG32 program in bench/programs/, its size
 * parameters (read from its .equ lines), its plain-JS twin and a check of a
 * finished run against the JS result, so that a broken kernel cannot report
 * fast numbers.
 */
import type { Image } from '../src/image.js';
import { imageEnd } from '../src/image.js';
import * as js from './js/kernels.js';
import { assembleOrThrow, check, equ, readProgram, symbol } from './lib.js';

export interface Kernel {
  readonly name: string;
  readonly file: string;
  readonly source: string;
  /** one line: what one run does */
  readonly what: string;
  /** the plain-JS version, timed as it is */
  readonly js: () => unknown;
  /** check a halted run: registers and the guest's storage (guest-physical addresses) */
  readonly verify: (regs: Int32Array, mem: Int32Array, image: Image) => void;
}

function words(mem: Int32Array, at: number, expected: Int32Array, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (mem[at + i] !== expected[i]) check(false, `${what}[${i}] = ${mem[at + i]}, JS has ${expected[i]}`);
  }
}

function r2(regs: Int32Array, expected: number, what: string): void {
  check(regs[2] === (expected | 0), `${what}: r2 = ${regs[2]}, JS computes ${expected | 0}`);
}

/**
 * straight: a generated straight-line program of `n` instructions (ALU,
 * loads and stores over eight registers and a small data area), run once:
 * no instruction runs twice, so no translation can pay off and the
 * interpreter must not be slowed by trying. Its JS twin computes the same
 * registers.
 */
export const STRAIGHT_N = 200_000;

function straightOps(n: number): { source: string; expect: () => number } {
  const lines = ['start:', '        la      r15, data'];
  const ops: ((i: number) => string)[] = [
    (i) => `addi r${(i % 8) + 1}, r${((i + 3) % 8) + 1}, ${(i % 97) - 48}`,
    (i) => `xor r${(i % 8) + 1}, r${((i + 5) % 8) + 1}, r${((i + 1) % 8) + 1}`,
    (i) => `shli r${(i % 8) + 1}, r${(i % 8) + 1}, ${i % 5}`,
    (i) => `add r${(i % 8) + 1}, r${((i + 2) % 8) + 1}, r${((i + 7) % 8) + 1}`,
    (i) => `st r${(i % 8) + 1}, ${i % 16}(r15)`,
    (i) => `ld r${((i + 4) % 8) + 1}, ${(i + 9) % 16}(r15)`,
    (i) => `mul r${(i % 8) + 1}, r${((i + 6) % 8) + 1}, r${((i + 3) % 8) + 1}`,
    (i) => `srai r${(i % 8) + 1}, r${((i + 1) % 8) + 1}, ${i % 7}`,
  ];
  for (let i = 0; i < n - 2; i++) lines.push('        ' + ops[i % ops.length]!(i));
  lines.push('        mov     r2, r1', '        halt', 'data:   .space  16');
  // The same operations in JS, on the same registers and data.
  const expect = () => {
    const r = new Int32Array(16);
    const d = new Int32Array(16);
    for (let i = 0; i < n - 2; i++) {
      const a = (i % 8) + 1;
      switch (i % 8) {
        case 0: r[a] = r[((i + 3) % 8) + 1]! + ((i % 97) - 48); break;
        case 1: r[a] = r[((i + 5) % 8) + 1]! ^ r[((i + 1) % 8) + 1]!; break;
        case 2: r[a] = r[a]! << i % 5; break;
        case 3: r[a] = r[((i + 2) % 8) + 1]! + r[((i + 7) % 8) + 1]!; break;
        case 4: d[i % 16] = r[a]!; break;
        case 5: r[((i + 4) % 8) + 1] = d[(i + 9) % 16]!; break;
        case 6: r[a] = Math.imul(r[((i + 6) % 8) + 1]!, r[((i + 3) % 8) + 1]!); break;
        default: r[a] = r[((i + 1) % 8) + 1]! >> i % 7;
      }
    }
    return r[1]!;
  };
  return { source: lines.join('\n') + '\n', expect };
}

/**
 * The kernels, at their sizes (each .s file's .equ lines), or with some of
 * those .equ values overridden (e.g. {ITER: 100}, for a thousand VMs at once).
 */
export function kernels(sizes: Readonly<Record<string, number>> = {}): Kernel[] {
  const src = (f: string) => {
    let text = readProgram(f);
    for (const [k, v] of Object.entries(sizes)) text = text.replace(new RegExp(`^(\\s*\\.equ\\s+${k}\\s*,\\s*)[^;\\n]+`, 'm'), `$1${v}`);
    return text;
  };
  const count = src('count.s');
  const fib = src('fib.s');
  const sieve = src('sieve.s');
  const memcpy = src('memcpy.s');
  const matmul = src('matmul.s');
  const sort = src('sort.s');
  const nCount = equ(count, 'N');
  const nFib = equ(fib, 'N');
  const limit = equ(sieve, 'LIMIT');
  const sieveReps = equ(sieve, 'REPS');
  const matReps = equ(matmul, 'REPS');
  const nCopy = equ(memcpy, 'N');
  const reps = equ(memcpy, 'REPS');
  const nMat = equ(matmul, 'N');
  const nSort = equ(sort, 'N');
  const stateSrc = src('state.s');
  const smcSrc = src('smc.s');
  const coremark = src('coremark.s');
  const nState = equ(stateSrc, 'N');
  const stateReps = equ(stateSrc, 'REPS');
  const nSmc = equ(smcSrc, 'N');
  const straight = straightOps(STRAIGHT_N);
  const cm = { iter: equ(coremark, 'ITER'), ln: equ(coremark, 'LN'), mn: equ(coremark, 'MN'), sn: equ(coremark, 'SN') };
  return [
    {
      name: 'count',
      file: 'count.s',
      source: count,
      what: `${nCount.toLocaleString('en-US')} iterations of addi + bne`,
      js: () => js.count(nCount),
      verify: (regs) => {
        check(regs[1] === 0 && js.count(nCount) === 0, 'count: r1 = 0 at the end');
        r2(regs, nCount, 'count');
      },
    },
    {
      name: 'fib',
      file: 'fib.s',
      source: fib,
      what: `recursive fib(${nFib})`,
      js: () => js.fib(nFib),
      verify: (regs) => r2(regs, js.fib(nFib), `fib(${nFib})`),
    },
    {
      name: 'sieve',
      file: 'sieve.s',
      source: sieve,
      what: `sieve of Eratosthenes below ${limit.toLocaleString('en-US')}, ${sieveReps} times`,
      js: () => js.sieve(limit, sieveReps),
      verify: (regs) => r2(regs, js.sieve(limit, sieveReps), `primes below ${limit}`),
    },
    {
      name: 'memcpy',
      file: 'memcpy.s',
      source: memcpy,
      what: `${reps} copies of ${nCopy.toLocaleString('en-US')} words`,
      js: () => js.memcpy(nCopy, reps),
      verify: (regs, mem, image) => {
        const r = js.memcpy(nCopy, reps);
        r2(regs, r.value, 'sum of dst');
        words(mem, symbol(image, 'dst'), r.words, 'dst');
      },
    },
    {
      name: 'matmul',
      file: 'matmul.s',
      source: matmul,
      what: `${nMat}×${nMat} int32 matrix product`,
      js: () => js.matmul(nMat, matReps),
      verify: (regs, mem, image) => {
        const r = js.matmul(nMat, matReps);
        r2(regs, r.value, 'sum of C');
        words(mem, symbol(image, 'mat_c'), r.words, 'C');
      },
    },
    {
      name: 'sort',
      file: 'sort.s',
      source: sort,
      what: `insertion sort of ${nSort.toLocaleString('en-US')} words`,
      js: () => js.sort(nSort),
      verify: (regs, mem, image) => {
        const r = js.sort(nSort);
        r2(regs, r.value, 'smallest element');
        words(mem, symbol(image, 'data'), r.words, 'sorted data');
      },
    },
    {
      name: 'state',
      file: 'state.s',
      source: stateSrc,
      what: `number recognizer over ${nState.toLocaleString('en-US')} characters, ${stateReps} times`,
      js: () => js.state(nState, stateReps),
      verify: (regs) => r2(regs, js.state(nState, stateReps), 'weighted state counts'),
    },
    {
      name: 'coremark',
      file: 'coremark.s',
      source: coremark,
      what: `${cm.iter} iterations of list (${cm.ln} nodes), matrix (${cm.mn}×${cm.mn}), state machine (${cm.sn} chars), CRC`,
      js: () => js.coremark(cm.iter, cm.ln, cm.mn, cm.sn),
      verify: (regs) => r2(regs, js.coremark(cm.iter, cm.ln, cm.mn, cm.sn), 'CRC'),
    },
    {
      name: 'straight',
      file: 'straight.s (generated)',
      source: straight.source,
      what: `${STRAIGHT_N.toLocaleString('en-US')} instructions, none run twice`,
      js: () => straight.expect(),
      verify: (regs) => r2(regs, straight.expect(), 'r1 after the straight line'),
    },
    {
      name: 'smc',
      file: 'smc.s',
      source: smcSrc,
      what: `${nSmc.toLocaleString('en-US')} iterations rewriting an instruction of the loop`,
      js: () => js.smc(nSmc),
      verify: (regs) => r2(regs, js.smc(nSmc), 'sum of the rewritten immediates'),
    },
  ];
}

/**
 * Storage for a kernel: its image plus room for the user-mode boot block,
 * rounded up to 4 Ki words (the load clears it all, each call).
 */
export function memFor(image: Image): number {
  return Math.ceil((imageEnd(image) + 64) / 4096) * 4096;
}

export function assembleKernel(k: Kernel): Image {
  return assembleOrThrow(k.source, k.file);
}

/**
 * The same kernel run in user mode: a boot block appended to the source
 * installs a new PSW whose handler is `halt`, then lpsw's into user mode at
 * `start` with base 0 and the whole storage as bound. The kernel's own
 * `halt` is then privileged: it traps to the handler, which halts. This is
 * the guest a hybrid monitor runs directly (Theorem 3: only virtual
 * supervisor mode is interpreted).
 */
export function userModeSource(k: Kernel, memWords: number): string {
  return `${k.source}
; ---- appended by bench/kernels.ts: boot into user mode
        .equ    BOOT_MEMW, ${memWords}
        .entry  boot
boot:
        li      r1, 1           ; new PSW: supervisor, IE off
        st      r1, 8(r0)
        la      r1, boot_trap
        st      r1, 9(r0)
        st      r0, 10(r0)
        li      r1, BOOT_MEMW
        st      r1, 11(r0)
        la      r1, boot_psw
        lpsw    r1              ; user mode at start
boot_trap:
        halt                    ; the kernel's halt traps here (PRIV)
boot_psw:
        .word   0, start, 0, BOOT_MEMW
`;
}

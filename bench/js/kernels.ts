/**
 * The benchmark kernels in plain JavaScript: the same algorithms as
 * bench/programs/*.s, written the same way (int32 arithmetic, one typed-array
 * element per guest word, the same sizes, the same fills), so that
 * time(PG32 on the interpreter) / time(JS) is the interpreter's slowdown.
 *
 * Each function allocates or fills its own storage, as the guest's run starts
 * from a freshly loaded image: state is reset inside the timed call on both
 * sides.
 */

/** count.s: N iterations of "r1 = r1 - 1; until r1 = 0". Returns the final r1 (0). */
export function count(n: number): number {
  let r1 = n | 0;
  do {
    r1 = (r1 - 1) | 0;
  } while (r1 !== 0);
  return r1;
}

/** fib.s: recursive Fibonacci, mod 2^32. */
export function fib(n: number): number {
  return n < 2 ? n : (fib(n - 1) + fib(n - 2)) | 0;
}

/** sieve.s: the number of primes below `limit`, one element per number; `reps` times over one array, cleared first. */
export function sieve(limit: number, reps: number): number {
  const crossed = new Int32Array(limit);
  let primes = 0;
  for (let r = 0; r < reps; r++) {
    crossed.fill(0);
    for (let i = 2; i * i < limit; i++) {
      if (crossed[i] !== 0) continue;
      for (let j = i * i; j < limit; j += i) crossed[j] = 1;
    }
    primes = 0;
    for (let i = 2; i < limit; i++) if (crossed[i] === 0) primes++;
  }
  return primes;
}

export interface Arrays {
  /** the register result (r2) */
  readonly value: number;
  /** the storage the guest's result is checked against */
  readonly words: Int32Array;
}

/** memcpy.s: fill src with a hash of the index, copy it to dst `reps` times, sum dst. */
export function memcpy(n: number, reps: number): Arrays {
  const src = new Int32Array(n);
  const dst = new Int32Array(n);
  for (let i = 0; i < n; i++) src[i] = Math.imul(i, 0x9e3779b1 | 0);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < n; i++) dst[i] = src[i]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum = (sum + dst[i]!) | 0;
  return { value: sum, words: dst };
}

/** matmul.s: C = A x B, A[i][j] = i - j, B[i][j] = i + 2j, row-major, `reps` times; returns C and the sum of C. */
export function matmul(n: number, reps: number): Arrays {
  const a = new Int32Array(n * n);
  const b = new Int32Array(n * n);
  const c = new Int32Array(n * n);
  let sum = 0;
  for (let r = 0; r < reps; r++) sum = product(n, a, b, c);
  return { value: sum, words: c };
}

function product(n: number, a: Int32Array, b: Int32Array, c: Int32Array): number {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      a[i * n + j] = i - j;
      b[i * n + j] = i + 2 * j;
    }
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot = (dot + Math.imul(a[i * n + k]!, b[k * n + j]!)) | 0;
      c[i * n + j] = dot;
      sum = (sum + dot) | 0;
    }
  }
  return sum;
}

/** sort.s: an LCG fills the array, insertion sort ascending (signed); value = the smallest. */
export function sort(n: number): Arrays {
  const a = new Int32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    a[i] = x;
  }
  for (let i = 1; i < n; i++) {
    const key = a[i]!;
    let p = i;
    while (p > 0 && a[p - 1]! > key) {
      a[p] = a[p - 1]!;
      p--;
    }
    a[p] = key;
  }
  return { value: a[0]!, words: a };
}

/** The characters state.s and coremark.s draw from. */
const CHARS = [48, 49, 53, 57, 46, 101, 45, 44]; // "0159.e-,"

/** An LCG fills n characters, as the fill loops of state.s and coremark.s do; returns the text and the LCG state. */
function text(n: number, x: number): { text: Int32Array; x: number } {
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    t[i] = CHARS[(x >>> 16) & 7]!;
  }
  return { text: t, x };
}

/** The number recognizer of state.s over t; counts[s] += tokens ending in state s. */
function recognize(t: Int32Array, counts: Int32Array): void {
  let s = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === 44) {
      counts[s]!++;
      s = 0;
      continue;
    }
    const digit = (c - 48) >>> 0 < 10;
    switch (s) {
      case 0: s = digit || c === 45 ? 1 : c === 46 ? 2 : 5; break;
      case 1: s = digit ? 1 : c === 46 ? 2 : c === 101 ? 3 : 5; break;
      case 2: s = digit ? 2 : c === 101 ? 3 : 5; break;
      case 3: s = digit || c === 45 ? 4 : 5; break;
      case 4: s = digit ? 4 : 5; break;
      default: break; // invalid stays invalid
    }
  }
}

function weigh(counts: Int32Array): number {
  let sum = 0;
  for (let s = 0; s < 6; s++) sum = (sum + Math.imul(counts[s]!, 2 * s + 1)) | 0;
  return sum;
}

/** state.s: the recognizer over n characters, reps times; the weighted counts. */
export function state(n: number, reps: number): number {
  const t = text(n, 12345).text;
  const counts = new Int32Array(6);
  for (let r = 0; r < reps; r++) recognize(t, counts);
  return weigh(counts);
}

/** smc.s: the sum over i = n .. 1 of (i mod 256) that the rewritten instruction adds. */
export function smc(n: number): number {
  let r2 = 0;
  for (let i = n; i > 0; i--) r2 = (r2 + (i & 255)) | 0;
  return r2;
}

/** coremark.s's crc32: the CRC-16 (0xA001) of a value's four bytes, low first. */
function crc32(value: number, crc: number): number {
  for (let b = 0; b < 4; b++) {
    crc ^= value & 255;
    value >>>= 8;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** coremark.s: list, matrix, state machine and CRC, iter times; the final CRC. */
export function coremark(iter: number, ln: number, mn: number, sn: number): number {
  let x = 12345;
  // the list: node indices, -1 ends it
  const next = new Int32Array(ln);
  const value = new Int32Array(ln);
  for (let k = 0; k < ln; k++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    next[k] = k + 1;
    value[k] = (x >>> 16) & 255;
  }
  next[ln - 1] = -1;
  let head = 0;
  const a = new Int32Array(mn * mn);
  const b = new Int32Array(mn * mn);
  const c = new Int32Array(mn * mn);
  for (let i = 0; i < mn * mn; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    a[i] = ((x >>> 16) & 15) - 8;
    b[i] = (x >>> 20) & 15;
  }
  const t = text(sn, x).text;
  const counts = new Int32Array(6);
  let crc = 0;
  for (let it = 0; it < iter; it++) {
    // list_work
    const key = crc & 255;
    let p = head;
    let steps = 0;
    while (p !== -1 && value[p] !== key) {
      p = next[p]!;
      steps++;
    }
    let prev = -1;
    p = head;
    while (p !== -1) {
      const n = next[p]!;
      next[p] = prev;
      prev = p;
      p = n;
    }
    head = prev;
    let hash = 0;
    for (p = head; p !== -1; p = next[p]!) hash = (Math.imul(hash, 31) + value[p]!) | 0;
    crc = crc32((hash + steps) | 0, crc);
    // matrix_work
    let sum = 0;
    for (let i = 0; i < mn; i++) {
      for (let j = 0; j < mn; j++) {
        let dot = 0;
        for (let k = 0; k < mn; k++) dot = (dot + Math.imul(a[i * mn + k]!, b[k * mn + j]!)) | 0;
        c[i * mn + j] = dot;
        sum = (sum + dot) | 0;
      }
    }
    for (let i = 0; i < mn * mn; i++) a[i] = (a[i]! + 1) | 0;
    crc = crc32(sum, crc);
    // state_work
    counts.fill(0);
    recognize(t, counts);
    crc = crc32(weigh(counts), crc);
  }
  return crc;
}

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

/** sieve.s: the number of primes below `limit`, one element per number. */
export function sieve(limit: number): number {
  const crossed = new Int32Array(limit);
  for (let i = 2; i * i < limit; i++) {
    if (crossed[i] !== 0) continue;
    for (let j = i * i; j < limit; j += i) crossed[j] = 1;
  }
  let primes = 0;
  for (let i = 2; i < limit; i++) if (crossed[i] === 0) primes++;
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

/** matmul.s: C = A x B, A[i][j] = i - j, B[i][j] = i + 2j, row-major; returns C and the sum of C. */
export function matmul(n: number): Arrays {
  const a = new Int32Array(n * n);
  const b = new Int32Array(n * n);
  const c = new Int32Array(n * n);
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
  return { value: sum, words: c };
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

/**
 * Choosing the states an instruction is tried in: systematically (the edges
 * of base and bound, operand extremes, both modes, IE on and off, the timer
 * off, about to expire or running, a pending interrupt or not) and at random
 * with a fixed seed, so that a sensitivity hidden behind one operand value —
 * a flag bit, an address just inside the bound — is found, and found again
 * on every run.
 */
import { FORMATS, getField, MIN_PARTITION, setField, VMCB, type Spec } from '../isa/table.js';
import { PROBE_MEM, type State } from './probe.js';

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Largest shift the location pairs use; states leave room for it. */
export const MAX_SHIFT = 8;
const BASES = [0, 1, 8, 20] as const;
/** 40: room for a 32-word `vmrun` control block */
const BOUNDS = [1, 2, 12, 24, 40] as const;

/** One encoding of `spec` with operands chosen from the interesting values of each operand kind. */
export function instructionWord(spec: Spec, r: Rand, bound: number): number {
  let w = setField(0, 'op', spec.opcode);
  for (const o of FORMATS[spec.format]) {
    switch (o.kind) {
      case 'reg':
        w = setField(w, o.field, r() < 0.1 ? 0 : int(r, 1, 15));
        break;
      case 'simm16':
        w = setField(w, o.field, pick(r, [0, 1, -1, 2, 3, -32768, 32767, int(r, -bound, bound), int(r, -32768, 32767)]));
        break;
      case 'uimm16':
        w = setField(w, o.field, pick(r, [0, 1, 2, 3, 4, 0xffff, int(r, 0, 0xffff)]));
        break;
      case 'shamt':
        w = setField(w, o.field, pick(r, [0, 1, 31, int(r, 0, 31)]));
        break;
      case 'mem':
        w = setField(w, o.field, pick(r, [0, 1, -1, int(r, -bound, bound)]));
        w = setField(w, o.baseField!, r() < 0.1 ? 0 : int(r, 1, 15));
        break;
      case 'target':
        w = setField(w, o.field, pick(r, [-1, 0, 1, int(r, -bound, bound)]));
        break;
    }
  }
  return w;
}

/** A register value: mostly ones that matter to addresses and flags, sometimes anything. */
function regValue(r: Rand, bound: number): number {
  return pick(r, [0, 1, 2, 3, -1, bound - 1, bound, bound - 4, int(r, 0, bound), -2147483648, 2147483647, int(r, -2147483648, 2147483647)]) | 0;
}

/** A storage word: often something that reads as a plausible PSW field. */
function memValue(r: Rand): number {
  // 16..32 also reads as a plausible partition size or bound (a `vmrun` control block)
  return pick(r, [0, 1, 2, 3, int(r, 0, 24), int(r, 16, 32), int(r, 0, PROBE_MEM), int(r, -2147483648, 2147483647)]) | 0;
}

/**
 * Sometimes storage holds a plausible `vt` control block (layout VMCB, from
 * isa/) at an address one of the registers points to, with a partition that
 * fits in storage, so that a `vmrun` is seen entering a guest and not only
 * refusing a random block. The probed instruction's own word is kept.
 */
function plantControlBlock(r: Rand, mem: Int32Array, regs: Int32Array, base: number, bound: number, keep: number, spec: Spec, code: readonly Spec[]): void {
  if (bound < VMCB.SIZE) return;
  const at = int(r, 0, bound - VMCB.SIZE);
  // the instruction's own register operands point at it
  const w = mem[keep]!;
  for (const o of FORMATS[spec.format]) if (o.kind === 'reg' && getField(w, o.field) !== 0) regs[getField(w, o.field)] = at;
  const size = int(r, MIN_PARTITION, PROBE_MEM - MIN_PARTITION);
  const block = new Int32Array(VMCB.SIZE);
  block[VMCB.PSW] = int(r, 0, 3);
  block[VMCB.PSW + 1] = int(r, 0, size - 1);
  block[VMCB.PSW + 2] = pick(r, [0, int(r, 0, size)]);
  block[VMCB.PSW + 3] = pick(r, [size, int(r, 0, size)]);
  block[VMCB.TIMER] = pick(r, [0, 1, 3]);
  block[VMCB.PENDING] = pick(r, [0, 1]);
  block[VMCB.PART_BASE] = int(r, 0, PROBE_MEM - size);
  block[VMCB.PART_SIZE] = size;
  block[VMCB.INTERCEPTS] = pick(r, [0, int(r, 0, 127)]);
  block[VMCB.INJECT] = pick(r, [0, 0, int(r, 1, 6)]);
  for (let k = VMCB.REGS; k < VMCB.SIZE; k++) block[k] = regValue(r, bound);
  // the guest's entry holds a few instructions, so the guest runs before it exits
  const entry = block[VMCB.PART_BASE]! + block[VMCB.PSW + 2]! + block[VMCB.PSW + 1]!;
  for (let k = 0; k < 4 && code.length; k++) if (entry + k < PROBE_MEM && entry + k !== keep) mem[entry + k] = instructionWord(pick(r, code), r, bound);
  for (let k = 0; k < VMCB.SIZE; k++) if (base + at + k !== keep) mem[base + at + k] = block[k]!;
}

/**
 * `count` states for `spec`, the first ones walking the systematic grid, the
 * rest random. The mode in each is arbitrary: the classifier tries both.
 */
export function* statesFor(spec: Spec, count: number, seed: number, code: readonly Spec[] = []): Generator<State> {
  const r = rng(seed ^ Math.imul(spec.opcode, 0x9e3779b1));
  let k = 0;
  for (let i = 0; i < count; i++) {
    // systematic: cycle the grid of base × bound × IE × timer × pending
    const g = k++;
    const base = BASES[g % BASES.length]!;
    // leave room for the largest base shift: base + bound + MAX_SHIFT ≤ PROBE_MEM
    const bound = Math.min(BOUNDS[Math.floor(g / BASES.length) % BOUNDS.length]!, PROBE_MEM - MAX_SHIFT - base);
    const ie = Math.floor(g / 16) % 2 === 1;
    const timer = [0, 1, 5][Math.floor(g / 32) % 3]!;
    const pending = !ie && Math.floor(g / 96) % 2 === 1; // with IE on, a pending interrupt would be taken instead
    const pc = pick(r, [0, bound - 1, int(r, 0, bound - 1)]);
    const regs = new Int32Array(16);
    for (let j = 1; j < 16; j++) regs[j] = regValue(r, bound);
    const mem = new Int32Array(PROBE_MEM);
    // Storage holds code too (a `vmrun` guest runs it): some words are instructions of the ISA.
    for (let j = 0; j < PROBE_MEM; j++) mem[j] = code.length && r() < 0.25 ? instructionWord(pick(r, code), r, bound) : memValue(r);
    mem[base + pc] = instructionWord(spec, r, bound);
    if (r() < 0.3) plantControlBlock(r, mem, regs, base, bound, base + pc, spec, code);
    yield {
      s: r() < 0.5,
      ie,
      pc,
      base,
      bound,
      timer,
      pending,
      regs,
      mem,
      input: r() < 0.8 ? Uint8Array.of(int(r, 0, 255), 65) : new Uint8Array(0),
    };
  }
}

/** The same state in the other (or a given) mode. */
export function withMode(st: State, s: boolean): State {
  return { ...st, s };
}

/** The state with base moved by x and all of storage moved with it (a rotation, so nothing is lost). */
export function shifted(st: State, x: number): State {
  const mem = new Int32Array(PROBE_MEM);
  for (let j = 0; j < PROBE_MEM; j++) mem[(j + x) % PROBE_MEM] = st.mem[j]!;
  return { ...st, base: st.base + x, mem };
}

/** The state with a different running timer (and nothing else changed). */
export function withTimer(st: State, timer: number): State {
  return { ...st, timer };
}

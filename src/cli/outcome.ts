/**
 * How `run`, `vmm` and `equiv` say why a machine stopped: the one line for a
 * person (cause, pc, the source line, and a hint where the cause is a
 * beginner's slip), and the JSON for a script (README "JSON output").
 */
import type { CheckStop, StopReason } from '../cpu/cpu.js';
import { describeAddress, type Image } from '../image.js';
import { CAUSES, LOW, causeName } from '../isa/table.js';
import type { Paint } from './paint.js';

export const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** What a stopped machine shows: enough for the messages and the JSON. */
export interface Stopped {
  readonly regs: Int32Array;
  readonly flags: number;
  readonly pc: number;
  readonly base: number;
  readonly bound: number;
  readonly timer: number;
  readonly mem: Int32Array;
  readonly memWords: number;
  readonly checkStop: CheckStop | null;
  readonly instret: number;
}

/** Stop reasons as the JSON and the messages name them ("step limit", not the CPU's word "budget"). */
export type StopName = 'halt' | 'checkstop' | 'step-limit';
export function stopName(reason: StopReason): StopName {
  return reason === 'halt' ? 'halt' : reason === 'checkstop' ? 'checkstop' : 'step-limit';
}

/**
 * The physical address of a check-stop's pc: the trap sequence saved the
 * old PSW (and so the old base) in low storage before it found no handler.
 */
export function checkStopAddress(m: Stopped, c: CheckStop): number {
  return (m.mem[LOW.OLD_PSW + 2]! >>> 0) + c.pc;
}

/** ` (file:line: text)` for a physical address, or nothing. */
function place(image: Image, phys: number): string {
  const d = describeAddress(image, phys);
  return d ? ` (${d})` : '';
}

const segmentEndingAt = (image: Image, phys: number) => image.segments.find((s) => s.origin + s.words.length === phys);
const inImage = (image: Image, phys: number) => image.segments.some((s) => phys >= s.origin && phys < s.origin + s.words.length);
const DATA = /^\s*(?:[A-Za-z_][A-Za-z0-9_]*:\s*)?\.(?:word|string|space)\b/i;

/**
 * What a student most likely did, when an ILLEGAL trap has a plain cause:
 * the program ran past its last word into zeroed storage (no `halt`), jumped
 * out of the program, or ran into its own data.
 */
export function hint(image: Image, phys: number, c: CheckStop): string | undefined {
  if (c.cause !== CAUSES.ILLEGAL) return undefined;
  if (inImage(image, phys)) {
    const loc = image.sourceMap.get(phys);
    const text = loc && image.sources?.get(loc.file)?.[loc.line - 1];
    return text !== undefined && DATA.test(text) ? `ran into data (line ${loc!.line}): a missing halt or jump before it?` : undefined;
  }
  if (c.info !== 0) return undefined;
  const seg = segmentEndingAt(image, phys);
  if (seg) {
    const loc = image.sourceMap.get(phys - 1);
    return loc ? `fell off the end of the program after line ${loc.line}? (end it with halt)` : 'fell off the end of the program? (end it with halt)';
  }
  return 'zeroed storage outside the program: a jump or return to a wrong address?';
}

/** `check-stop: CAUSE trap at pc … (file:line: text), info …: why; hint` */
export function checkStopText(image: Image, m: Stopped, c: CheckStop, paint: Paint): string {
  const phys = checkStopAddress(m, c);
  const h = hint(image, phys, c);
  return `${paint.error('check-stop:')} ${causeName(c.cause)} trap at pc ${hex(c.pc)}${place(image, phys)}, info ${hex(c.info)}: ${c.why}${h ? `; ${h}` : ''}`;
}

/** `stopped at the step limit (N steps; …) at pc … (file:line: text)`; `at` names the place instead (a guest's pc, in guest mode) */
export function stepLimitText(image: Image, m: Stopped, maxSteps: number, paint: Paint, at?: string): string {
  return `stopped at the ${paint.warn('step limit')} (${maxSteps} steps; raise it with --max-steps) at ${at ?? `pc ${hex(m.pc)}${place(image, m.base + m.pc)}`}`;
}

/** The line a command prints when a machine stops other than by `halt` (without the `trapeze CMD: ` prefix), or undefined. */
export function stopText(image: Image, m: Stopped, reason: StopReason, maxSteps: number, paint: Paint, at?: string): string | undefined {
  if (reason === 'halt') return undefined;
  if (reason === 'checkstop' && m.checkStop) return checkStopText(image, m, m.checkStop, paint);
  return stepLimitText(image, m, maxSteps, paint, at);
}

// ---------- JSON ----------

/** Console output as exact bytes (base64) and as text (UTF-8, malformed bytes as U+FFFD). */
export function outputJson(bytes: Uint8Array): { text: string; base64: string; bytes: number } {
  return { text: new TextDecoder().decode(bytes), base64: Buffer.from(bytes).toString('base64'), bytes: bytes.length };
}

/** Trap counts by cause name, every cause of the manual in order (0 included, so the shape is fixed). */
export function trapsByName(counts: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, c] of Object.entries(CAUSES)) out[name] = counts[c] ?? 0;
  return out;
}

export function checkStopJson(image: Image, m: Stopped, c: CheckStop) {
  const phys = checkStopAddress(m, c);
  const source = describeAddress(image, phys);
  const h = hint(image, phys, c);
  return { cause: causeName(c.cause), pc: c.pc >>> 0, info: c.info | 0, why: c.why, ...(source ? { source } : {}), ...(h ? { hint: h } : {}) };
}

/** Registers, PSW, TIMER, instructions and (if stopped so) the check-stop: the state every JSON result shows. */
export function stateJson(image: Image, m: Stopped, reason: StopReason) {
  return {
    stop: stopName(reason),
    ...(reason === 'checkstop' && m.checkStop ? { checkStop: checkStopJson(image, m, m.checkStop) } : {}),
    registers: [...m.regs],
    psw: { flags: m.flags, mode: m.flags & 1 ? 'supervisor' : 'user', ie: (m.flags & 2) !== 0, pc: m.pc >>> 0, base: m.base >>> 0, bound: m.bound >>> 0 },
    timer: m.timer >>> 0,
    instructions: m.instret,
  };
}

// ---------- --dump ADDR:LEN ----------

export interface Dump {
  readonly address: number;
  readonly length: number;
}

export const DUMP_USAGE = '  --dump ADDR:LEN   also show LEN storage words from ADDR (a number or a label; several: a:n,b:m)';

/** Parse `--dump` (`16:4`, `msg:14`, `0x100:8,buf:3`) against the program's labels and the storage size. */
export function parseDumps(spec: string | undefined, image: Image, memWords: number, file = 'the program'): Dump[] | { error: string } {
  if (spec === undefined) return [];
  const dumps: Dump[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*([^:\s]+)\s*:\s*([^:\s]+)\s*$/.exec(part);
    if (!m) return { error: `--dump takes ADDR:LEN (e.g. 16:4 or msg:14), not '${part}'` };
    const num = (s: string) => (/^(0x[0-9a-f]+|\d+)$/i.test(s.replace(/_/g, '')) ? Number(s.replace(/_/g, '')) : NaN);
    let address = num(m[1]!);
    if (Number.isNaN(address)) {
      const v = image.symbols.get(m[1]!);
      if (v === undefined) return { error: `--dump: '${m[1]}' is neither a number nor a label of ${file}` };
      address = v;
    }
    const length = num(m[2]!);
    if (!Number.isSafeInteger(length) || length < 1 || length > 1 << 20) return { error: `--dump: the length must be a whole number from 1 to ${1 << 20}, not '${m[2]}'` };
    if (!Number.isSafeInteger(address) || address < 0 || address + length > memWords) return { error: `--dump ${part.trim()}: outside storage (0..${memWords - 1})` };
    dumps.push({ address, length });
  }
  return dumps;
}

export function dumpJson(mem: Int32Array, dumps: readonly Dump[]) {
  return dumps.map((d) => ({ address: d.address, words: [...mem.subarray(d.address, d.address + d.length)] }));
}

/** Eight words a line: `0x00000010: 0x00000048 …` */
export function dumpText(mem: Int32Array, dumps: readonly Dump[]): string {
  const lines: string[] = [];
  for (const d of dumps) {
    for (let a = d.address; a < d.address + d.length; a += 8) {
      const words = [...mem.subarray(a, Math.min(a + 8, d.address + d.length))].map(hex);
      lines.push(`${hex(a)}: ${words.join(' ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** JSON with two-space indentation, but arrays of numbers (registers, storage words) on one line. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]/g, (_, nums: string) => `[${nums.split(/,\s+/).join(', ')}]`) + '\n';
}

/**
 * Hostile inputs: what a student (or a fuzzer) can throw at trapeze. Shared
 * by the vitest suite and `npm run fuzz`. Every property checks that the
 * input is answered with a clean result or clean one-line errors — never an
 * exception, a TypeError or RangeError, a stack trace or "internal error" —
 * and records how long each input took (`timings`).
 */
import fc from 'fast-check';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { disassembleWord } from '../../src/asm/disassemble.js';
import { crc32, decodeImage, encodeImage } from '../../src/asm/imagefile.js';
import { loadProgram } from '../../src/asm/index.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { ALL, CAUSES, FLAGS, LOW, PG32, fieldMask, isaOrThrow, opcodeOf, reservedMask, type Isa } from '../../src/isa/table.js';
import { checkEquivalence } from '../../src/vmm/equiv.js';
import { isHypercall } from '../../src/vmm/hypercalls.js';
import { programs } from '../library.js';
import { Mismatch } from './differential.js';
import { build, program, source } from './generator.js';

/**
 * Milliseconds of this process's CPU time per input, by property: CPU time,
 * not wall-clock time, so that a machine busy with other work does not make
 * a fast input look slow (a hang still shows).
 */
export const timings: Record<string, number[]> = { asm: [], image: [], words: [], cli: [] };
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const timed = <T>(kind: string, f: () => T): T => {
  const t = cpuMs();
  try {
    return f();
  } finally {
    timings[kind]!.push(cpuMs() - t);
  }
};

const BAD = /TypeError|RangeError|ReferenceError|SyntaxError|internal error|^\s+at /m;

// ----------------------------------------------------------------- assembly

const library = programs();
const ALPHABET = ['add', 'li', 'la', 'ld', 'st', 'lpsw', 'spsw', 'halt', 'push', 'pop', 'call', 'b', 'beqz', 'svc', 'r1', 'r15', 'r16', 'sp', 'lr', 'x', 'L1', 'start',
  '.org', '.word', '.string', '.space', '.equ', '.entry', ':', ',', '(', ')', '+', '-', '*', '/', '0', '1', '-1', '0x', '0xffffffff', '4294967296', '99999999999999999999', '0b2',
  "'a'", "'\\q'", "'", '"', '"\\', '"abc"', ';', ' ', '\t', '\n', '\r\n', '\u00e9', '\u{1F600}', '\u2028', '\0', '\\', '@', '#', '$', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];

const tokenSoup = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }).map((xs) => xs.join(''));
/** a library program with random edits: lines dropped, duplicated or swapped, characters replaced, inserted or deleted */
const mutatedSource = fc
  .tuple(fc.constantFrom(...library.map((p) => p.source)), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...ALPHABET), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 6 }))
  .map(([text, edits]) => {
    let s = text;
    for (const [pos, pos2, tok, kind] of edits) {
      const lines = s.split('\n');
      const i = pos % Math.max(1, s.length);
      const l = pos % lines.length;
      const l2 = pos2 % lines.length;
      switch (kind) {
        case 0: s = s.slice(0, i) + tok + s.slice(i); break;
        case 1: s = s.slice(0, i) + s.slice(i + 1 + (pos2 % 8)); break;
        case 2: s = s.slice(0, i) + tok + s.slice(i + tok.length); break;
        case 3: lines.splice(l, 1); s = lines.join('\n'); break;
        case 4: lines.splice(l, 0, lines[l2]!); s = lines.join('\n'); break;
        default: [lines[l], lines[l2]] = [lines[l2]!, lines[l]!]; s = lines.join('\n');
      }
    }
    return s;
  });

const ERROR_LINE = /^[^\n]+:\d+:\d+: error: [^\n]+$/;

export function checkAssembly(text: string): string[] {
  return timed('asm', () => {
    let r;
    try {
      r = assemble(text, 'fuzz.s', { isa: ALL });
    } catch (e) {
      return [`assemble threw: ${(e as Error)?.stack ?? e}`];
    }
    const p: string[] = [];
    if (!r.image && r.errors.length === 0) p.push('no image and no error');
    for (const e of r.errors) {
      const line = formatError(e);
      if (!ERROR_LINE.test(line) || BAD.test(line)) p.push(`not a clean error line: ${JSON.stringify(line)}`);
    }
    return p;
  });
}

export const assemblyProperty = () =>
  fc.property(fc.oneof(tokenSoup, mutatedSource, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
    const p = checkAssembly(text);
    if (p.length) throw new Mismatch(p.join('\n') + '\n--- source:\n' + text);
  });

// -------------------------------------------------------------------- images

const goodImage = encodeImage(build(source(fc.sample(program, { seed: 11, numRuns: 1 })[0]!)));
const libraryImages = library.slice(0, 6).map((p) => {
  const r = assemble(p.source, p.name, { isa: ALL });
  return r.image ? encodeImage(r.image) : goodImage;
});

/** random, truncated and mutated image files; half of the mutations fix the CRC so the decoder's structure checks are reached */
const imageBytes = fc.oneof(
  fc.tuple(fc.constantFrom(goodImage, ...libraryImages), fc.nat()).map(([b, n]) => b.slice(0, n % (b.length + 1))),
  fc
    .tuple(fc.constantFrom(goodImage, ...libraryImages), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.boolean())
    .map(([b, flips, fix]) => {
      const m = b.slice();
      for (const [i, v] of flips) m[8 + (i % (m.length - 8))] = v;
      if (fix && m.length >= 20) new DataView(m.buffer).setUint32(16, crc32(m, 20, Math.min(m.length, new DataView(m.buffer).getUint32(12, true))), true);
      return m;
    }),
  fc.uint8Array({ maxLength: 120 }).map((b) => {
    const m = new Uint8Array(b.length + 8);
    m.set(goodImage.subarray(0, 8));
    m.set(b, 8);
    return m;
  }),
  fc.uint8Array({ maxLength: 64 }),
);

export function checkImage(bytes: Uint8Array): string[] {
  return timed('image', () => {
    const p: string[] = [];
    try {
      const d = decodeImage(bytes, 'x.img');
      if ('error' in d && (d.error.includes('\n') || BAD.test(d.error))) p.push(`not a clean error: ${JSON.stringify(d.error)}`);
      const l = loadProgram(bytes, 'x.img', PG32);
      if ('errors' in l) for (const e of l.errors) if (e.includes('\n') || BAD.test(e)) p.push(`not a clean error: ${JSON.stringify(e)}`);
    } catch (e) {
      p.push(`decoding threw: ${(e as Error)?.stack ?? e}`);
    }
    return p;
  });
}

export const imageProperty = () =>
  fc.asyncProperty(imageBytes, async (bytes) => {
    const p = checkImage(bytes);
    // and through the CLI: run it with a step limit, disassemble it
    p.push(...(await checkCli(['run', 'x.img', '--max-steps', '5000', '--mem', '4096'], { 'x.img': bytes })));
    p.push(...(await checkCli(['disasm', 'x.img'], { 'x.img': bytes })));
    if (p.length) throw new Mismatch(p.join('\n') + '\n--- bytes: ' + Buffer.from(bytes).toString('hex'));
  });

// ---------------------------------------------------------- instruction words

const ISAS: Isa[] = [PG32, isaOrThrow('pg32-pdp10'), isaOrThrow('pg32-x86'), ALL];

/** a word of every class: every opcode, with random fields and reserved bits either clear or random */
export const wordOfAnyClass = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.boolean())
  .map(([op, bits, clean]) => {
    const spec = ALL.byOpcode[op];
    let w = (bits & ~fieldMask('op')) | (op << 24);
    if (clean && spec) w &= ~reservedMask(spec) | fieldMask('op');
    return w | 0;
  });

/**
 * One word, run as the first instruction in supervisor and in user mode on
 * every ISA, bare and under the monitor: an undefined word traps ILLEGAL with
 * the word as info; a defined one never does; nothing throws.
 */
export function checkWord(word: number): string[] {
  return timed('words', () => {
    const p: string[] = [];
    try {
      disassembleWord(word, 16);
      for (const isa of ISAS) {
        const spec = isa.byOpcode[opcodeOf(word)];
        const illegal = !spec || (word & reservedMask(spec)) !== 0;
        for (const mode of [FLAGS.S, 0]) {
          const src = `.org 8\n.word 1, handler, 0, 512\n.org 16\nstart: la r1, psw\n lpsw r1\nw: .word ${word >>> 0}\n halt\nhandler: halt\npsw: .word ${mode}, w, 0, 512\n`;
          const img = build(src);
          const cpu = new Cpu({ isa, memWords: 512, devices: new Console() });
          cpu.load(img);
          const w = img.symbols.get('w')!;
          for (let k = 0; k < 5 && !(cpu.pc === w && cpu.flags === mode); k++) cpu.run(1); // la, lpsw
          if (cpu.pc !== w || cpu.flags !== mode) p.push(`${isa.name}: the test did not reach the word`);
          const r1 = cpu.run(1); // the word, or its trap
          const trapped = cpu.pc === img.symbols.get('handler') && cpu.mem[LOW.OLD_PSW + 1] === w;
          if (r1 === 'checkstop') p.push(`${isa.name}: check-stop`);
          if (illegal && !(trapped && cpu.mem[LOW.CAUSE] === CAUSES.ILLEGAL && cpu.mem[LOW.INFO] === word)) p.push(`${isa.name}, mode ${mode}: undefined word did not trap ILLEGAL`);
          if (!illegal && trapped && cpu.mem[LOW.CAUSE] === CAUSES.ILLEGAL) p.push(`${isa.name}, mode ${mode}: defined word trapped ILLEGAL`);
          // A hypercall (svc 0xFF00-0xFFFF in supervisor mode) is the one word a monitor performs itself instead of
          // the bare machine's SVC trap (ISA.md "Hypercalls"): test/vmm's hypercall suites check what it does.
          if (mode === FLAGS.S && cpu.pc === img.symbols.get('handler') && cpu.mem[LOW.CAUSE] === CAUSES.SVC && isHypercall(cpu.mem[LOW.INFO]! >>> 0)) continue;
          // and the same under the monitor (where it applies: pg32 and its hybrid-virtualizable extension)
          if (isa === PG32 || (isa.name === 'pg32-pdp10' && mode === 0)) {
            const eq = checkEquivalence(img, { isa, monitor: 'hybrid', depth: 1, vms: 1, quantum: 1, memWords: 512, maxSteps: 50 });
            if (!eq.equivalent) p.push(`${isa.name}, mode ${mode}: not equivalent under the hybrid monitor: ${eq.differences.join('; ')}`);
          }
          if (isa === PG32) {
            const eq = checkEquivalence(img, { isa, monitor: 'trap-emulate', depth: 2, vms: 1, quantum: 7, memWords: 512, maxSteps: 50 });
            if (!eq.equivalent) p.push(`${isa.name}, mode ${mode}: not equivalent under trap-and-emulate: ${eq.differences.join('; ')}`);
          }
        }
      }
    } catch (e) {
      p.push(`threw: ${(e as Error)?.stack ?? e}`);
    }
    return p;
  });
}

export const wordProperty = () =>
  fc.property(wordOfAnyClass, (w) => {
    const p = checkWord(w);
    if (p.length) throw new Mismatch(`word 0x${(w >>> 0).toString(16)}:\n` + p.join('\n'));
  });

// ----------------------------------------------------------------------- CLI

export const CLI_FILES: Record<string, string | Uint8Array> = {
  'hello.s': 'start: li r1, 72\n  out r1, 0\n  li r1, 10\n  out r1, 0\n  halt\n',
  'bad.s': 'frob r1\n addi r1, r0, 99999\n .org -1\n la r1, nowhere\n',
  'user.s': '.org 8\n.word 1, h, 0, 4096\n.org 16\nstart: la r1, u\n lpsw r1\nx: halt\nh: halt\nu: .word 0, x, 0, 4096\n',
  'crash.s': 'start: ld r1, -1(r0)\n',
  'in.s': 'start: in r1, 1\n out r1, 0\n halt\n',
  'empty.s': '',
  'good.img': goodImage,
  'trunc.img': goodImage.slice(0, 30),
  'junk.img': new Uint8Array([1, 2, 3, 0, 255]),
  'big.img': encodeImage({ entry: 0, segments: [{ origin: 5000, words: new Int32Array(4) }], symbols: new Map(), labels: new Set(), sourceMap: new Map() }),
  'latin1.s': new Uint8Array([0x68, 0x61, 0x6c, 0x74, 0xe9, 0x0a]),
  'input.txt': 'abc',
  'proto.s': '__proto__\nconstructor r1\ntoString\nhasOwnProperty\n',
  'dir/': '',
};

const CLI_WORDS = [
  'asm', 'disasm', 'run', 'vmm', 'equiv', 'classify', 'help', '--help', '-h', '--version', '-V', 'frob', '',
  ...Object.keys(CLI_FILES), 'missing.s', 'missing.img', '/', '-', '--',
  '--isa', 'pg32', 'pg32-pdp10', 'pg32-x86', 'pg32+getr+jrstu', 'pg32+', 'PG32+GETR', 'x86', '+', 'constructor', '__proto__', 'pg32+__proto__',
  '--mem', '16', '17', '4096', '65536', '0', '-1', '1e3', '0x1000', '1_000', '1073741825', '99999999999999999999',
  '--max-steps', '1', '100', '5000', '9007199254740993',
  '--quantum', '--depth', '--vms', '2', '3', '17', '65', 'abc',
  '--monitor', 'hybrid', 'trap-emulate', 'both',
  '--input', '--trace', '--stats', '--format', 'json', 'text', 'xml', '--listing', '-o', 'out.img', '--separate', 'outdir', '--states', '--only', 'lpsw',
  '--max-steps=', '--isa=pg32', '--mem=', '--trace=1', '-x', '---', '--constructor', '--__proto__', 'toString', '\u0000', 'é',
];

/** A random command line, mostly well-formed enough to reach the commands' own checks. */
export const cliArgs = fc
  .oneof(
    fc.tuple(fc.constantFrom('asm', 'disasm', 'run', 'vmm', 'equiv', 'classify'), fc.array(fc.constantFrom(...CLI_WORDS), { maxLength: 7 })).map(([c, xs]) => [c, ...xs]),
    fc.array(fc.constantFrom(...CLI_WORDS), { maxLength: 6 }),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
  )
  // `classify` decides three theorems from 600 states per instruction by default (about a second of honest
  // work, not a reaction to bad input): the fuzzer gives it few states, so every input stays in the time budget.
  .map((a) => (a[0] === 'classify' ? [...a.filter((x) => x !== '--states'), '--states', '8'] : a));

/** Run the CLI in process; a promise of its problems. `main` is async only for its lazy imports. */
export async function checkCli(args: string[], files: Record<string, string | Uint8Array> = CLI_FILES): Promise<string[]> {
  const io = memoryIo(files, 'stdin text');
  const t = cpuMs();
  let status: number;
  try {
    status = await main(args, io);
  } catch (e) {
    timings.cli!.push(cpuMs() - t);
    return [`main threw: ${(e as Error)?.stack ?? e}`];
  }
  timings.cli!.push(cpuMs() - t);
  const p: string[] = [];
  if (![0, 1, 2, 3, 4].includes(status)) p.push(`exit status ${status}`);
  if (BAD.test(io.stderr())) p.push(`stderr: ${io.stderr().slice(0, 600)}`);
  // a failure says why: its result on stdout (equiv, classify: exit 1), or a line of its own on stderr (after any --stats or --trace)
  if (status !== 0 && io.stdout() === '' && !io.stderr().split('\n').some((l) => /^(trapeze[ :]|[^ ]+:\d+:\d+: error: |[^ ]+: )/.test(l))) p.push(`exit ${status} without a trapeze message: ${JSON.stringify(io.stderr().slice(-300))}`);
  return p;
}

export const cliProperty = () =>
  fc.asyncProperty(cliArgs, async (args) => {
    const p = await checkCli(args);
    if (p.length) throw new Mismatch(`trapeze ${JSON.stringify(args)}:\n` + p.join('\n'));
  });

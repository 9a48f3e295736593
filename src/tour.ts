/**
 * npm start: a short tour of trapeze, using the same code as the CLI.
 *   1. the checker's verdicts for the three shipped variants
 *   2. the mini kernel on the bare machine
 *   3. two copies of the kernel at once under the trap-and-emulate VMM
 *   4. an x86-like guest diverging under the VMM, and why
 *   5. the same guest under hardware assist (the vt guest mode)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble, formatError } from './asm/assemble.js';
import { classifyIsa } from './checker/classify.js';
import { Console } from './cpu/devices.js';
import type { Image } from './image.js';
import { CAUSES, EXITS, isaOrThrow, type Isa } from './isa/table.js';
import { checkEquivalence, runBare } from './vmm/equiv.js';
import { roundRobin } from './vmm/scheduler.js';
import { buildStack, loadGuest } from './vmm/stack.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (s = '') => process.stdout.write(s + '\n');
const heading = (s: string) => say(`\n\x1b[1m== ${s}\x1b[0m`);
const indent = (text: string, prefix = '   ') => text.trimEnd().split('\n').map((l) => prefix + l).join('\n');

function load(rel: string, isa: Isa): Image {
  const r = assemble(readFileSync(join(ROOT, rel), 'utf8'), rel, { isa });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

say('trapeze — Popek & Goldberg (1974), executable. Every step below is one `trapeze` command away.');

heading('1. Which PG32 variants can be virtualized?   (trapeze classify --isa NAME)');
say('   The checker runs every instruction in generated states and state pairs, derives its class,');
say('   and decides the theorems from what it saw:');
say();
for (const name of ['pg32', 'pg32-pdp10', 'pg32-x86']) {
  const r = classifyIsa(isaOrThrow(name));
  const t = (n: '1' | '2' | '3') => (r.theorems[n].holds ? 'holds' : `FAILS (${r.theorems[n].violators.join(', ')})`);
  say(`   ${name.padEnd(11)} Theorem 1 (trap-and-emulate): ${t('1')}`);
  say(`   ${''.padEnd(11)} Theorem 3 (hybrid VMM):       ${t('3')}`);
}

const pg32 = isaOrThrow('pg32');
const kernel = load('programs/os/kernel.s', pg32);
const input = new Uint8Array(readFileSync(join(ROOT, 'programs/os/kernel.input')));

heading('2. A mini kernel on the bare machine   (trapeze run programs/os/kernel.s --input programs/os/kernel.input)');
say('   Three user tasks in relocated partitions, preempted by the timer, served by SVCs;');
say('   task B runs a privileged instruction and task C stores outside its partition:');
const bare = runBare(kernel, { isa: pg32, memWords: 65536, maxSteps: 10_000_000, input });
say(indent(bare.console.text()));
say(`   (${bare.reason} after ${bare.cpu.instret} instructions, ${bare.cpu.trapCount} traps)`);

heading('3. Two copies of that kernel at once under the VMM   (trapeze vmm --input …kernel.input kernel.s kernel.s --stats)');
const stack = buildStack({ isa: pg32, monitor: 'trap-emulate', depth: 1, count: 2, guestWords: 65536 });
stack.guests.forEach((vm) => loadGuest(vm, kernel, new Console(input)));
const outcomes = roundRobin(stack.guests, { quantum: 1000, maxSteps: 10_000_000 });
for (const { vm, reason } of outcomes) {
  const lines = vm.console.text().trimEnd().split('\n');
  say(indent(lines.slice(0, 3).join('\n'), `   [${vm.name}] `));
  say(`   [${vm.name}] ... ${lines.length - 3} more lines; ${reason}`);
}
for (const vm of stack.guests) {
  const s = vm.stats;
  say(`   ${vm.name}: ${vm.instret} instructions, ${s.direct} run directly (${((100 * s.direct) / vm.instret).toFixed(1)}%), ${s.emulations} emulated; same output as bare: ${vm.console.text() === bare.console.text() ? 'yes' : 'NO'}`);
}
const eq = checkEquivalence(kernel, { isa: pg32, monitor: 'trap-emulate', depth: 3, vms: 2, quantum: 7, memWords: 65536, maxSteps: 10_000_000, input });
say(`   Three monitors deep, quantum 7: ${eq.equivalent ? 'equivalent to the bare run (output, registers, storage, instruction count)' : 'NOT equivalent: ' + eq.differences[0]}`);

heading('4. An x86-like guest under the VMM   (trapeze equiv programs/variants/x86.s --isa pg32-x86)');
const x86isa = isaOrThrow('pg32-x86');
const x86 = load('programs/variants/x86.s', x86isa);
const r = checkEquivalence(x86, { isa: x86isa, monitor: 'trap-emulate', depth: 1, vms: 1, quantum: 1000, memWords: 65536, maxSteps: 1_000_000 });
say('   bare:');
say(indent(r.bare.output, '     '));
say('   under trap-and-emulate:');
say(indent(r.virtual.output, '     '));
if (r.divergence) {
  say(`   first divergence: \`${r.divergence.instruction}\` at pc ${r.divergence.pc} (${r.divergence.differences.join('; ')})`);
  say('   gpsw and getr are sensitive but not privileged: they run directly and report the real machine.');
}

heading('5. The same guest with hardware assist   (trapeze equiv programs/variants/x86.s --isa pg32-x86 --monitor hw)');
say('   With a guest mode (the vt extension, like VT-x or SVM), gpsw and getr act on the guest\'s own');
say('   state in the hardware; the monitor only sees the exits it asked for:');
const hw = checkEquivalence(x86, { isa: x86isa, monitor: 'hw', depth: 1, vms: 1, quantum: 1000, memWords: 65536, maxSteps: 1_000_000 });
const hs = hw.stats[0]!;
say(`   ${hw.equivalent ? 'EQUIVALENT to the bare run' : 'NOT equivalent: ' + hw.differences[0]}: ${hs.direct} instructions ran in guest mode, ${hs.entries} VM entries,`);
say(`   exits: ${[...hs.exits].map((n, c) => (n ? `${c === EXITS.INSTR ? 'INSTR (out, halt)' : c === EXITS.HTIMER ? 'HTIMER' : c === CAUSES.SVC ? 'SVC' : `code ${c}`} ${n}` : '')).filter(Boolean).join(', ')}; gpsw and getr caused none.`);
const hwVerdict = classifyIsa(x86isa, { states: 100 }).monitors.find((m) => m.monitor === 'hw')!;
say(`   The checker agrees, by execution: ${hwVerdict.why}.`);

say('\nNext: trapeze --help, programs/README.md, and `npm test`.');

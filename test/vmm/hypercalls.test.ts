// Hypercalls (ISA.md "Hypercalls"): every call, bad buffers, the multicall stop rule, yield, time, and who
// handles them — the innermost monitor, only from virtual supervisor mode — under every monitor.
import { describe, expect, it } from 'vitest';
import { Console, textInput } from '../../src/cpu/devices.js';
import { CAUSES, isaOrThrow } from '../../src/isa/table.js';
import { runBare } from '../../src/vmm/equiv.js';
import { HC, HYPERCALL_BASE } from '../../src/vmm/hypercalls.js';
import { roundRobin } from '../../src/vmm/scheduler.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import { MONITORS, type MonitorKind } from '../../src/vmm/monitor.js';
import type { VirtualMachine } from '../../src/vmm/vm.js';
import { asm, HANDLER_PSW } from '../harness.js';

const WORDS = 4096;
const svc = (name: keyof typeof HC) => `svc ${HYPERCALL_BASE + HC[name]}`;

/** A guest kernel: `body`, then halt; a trap handler that records the cause and info in r12/r13 and halts. */
const kernel = (body: string, data = '') => `${HANDLER_PSW(WORDS)}
${body}
        halt
handler: ld r12, 4(r0)
        ld   r13, 5(r0)
        halt
${data}`;

interface Run {
  readonly vm: VirtualMachine;
  readonly out: string;
  readonly reason: string;
  readonly levels: VirtualMachine[];
  readonly symbols: ReadonlyMap<string, number>;
}

function runGuest(src: string, monitor: MonitorKind, opts: { depth?: number; input?: string; isa?: string } = {}): Run {
  const isa = isaOrThrow(opts.isa ?? 'pg32');
  const stack = buildStack({ isa, monitor, depth: opts.depth ?? 1, count: 1, guestWords: WORDS });
  const vm = stack.guests[0]!;
  const console = new Console(textInput(opts.input ?? ''));
  const image = asm(src, isa.name);
  loadGuest(vm, image, console);
  const reason = vm.run(100_000);
  return { vm, out: console.text(), reason, levels: stack.levels.slice(0, -1).flatMap((l) => l.vms), symbols: image.symbols };
}

describe.each(MONITORS.map((m) => [m]))('hypercalls under %s', (monitor) => {
  it('probe answers 0x5047 and counts as one completed instruction', () => {
    const r = runGuest(kernel(`li r1, 7\n ${svc('probe')}`), monitor);
    expect(r.reason).toBe('halt');
    expect(r.vm.regs[1]).toBe(0x5047);
    expect(r.vm.instret).toBe(3); // li, the hypercall, halt
    expect(r.vm.stats.hypercallsByName).toEqual(new Map([['probe', 1]]));
  });

  it('write sends the low 8 bits of each word of the buffer and returns the count', () => {
    const r = runGuest(kernel(`la r1, msg\n li r2, 3\n ${svc('write')}\n mov r4, r1\n li r2, 0\n ${svc('write')}`, 'msg: .word 0x148, 0x69, 0x0A'), monitor);
    expect(r.out).toBe('Hi\n');
    expect(r.vm.regs[4]).toBe(3);
    expect(r.vm.regs[1]).toBe(0); // an empty buffer writes nothing
  });

  it('read fills up to r2 words, one byte each, and returns 0 at end of input', () => {
    const r = runGuest(kernel(`la r1, buf\n li r2, 2\n ${svc('read')}\n mov r4, r1\n la r1, buf+2\n li r2, 5\n ${svc('read')}\n mov r5, r1\n la r1, buf+9\n li r2, 1\n ${svc('read')}`, 'buf: .space 10'), monitor, { input: 'abc' });
    expect([r.vm.regs[4], r.vm.regs[5], r.vm.regs[1]]).toEqual([2, 1, 0]);
    const at = r.symbols.get('buf')!;
    const buf = r.vm.mem.slice(at, at + 4);
    expect([...buf]).toEqual([97, 98, 99, 0]);
  });

  it('flags, setie and reloc show and set the virtual PSW, not the real one', () => {
    const src = kernel(`${svc('flags')}\n mov r4, r1\n li r1, 1\n ${svc('setie')}\n ${svc('flags')}\n mov r5, r1\n li r1, 0\n ${svc('setie')}\n ${svc('reloc')}`);
    const r = runGuest(src, monitor);
    expect(r.vm.regs[4]).toBe(1); // S, IE off
    expect(r.vm.regs[5]).toBe(3); // S, IE on
    expect([r.vm.regs[1], r.vm.regs[2]]).toEqual([0, WORDS]);
    expect(r.vm.flags).toBe(1);
  });

  it('setie with a pending timer interrupt takes it before the next instruction', () => {
    const src = kernel(`li r1, 2\n stimer r1\n nop\n nop\n nop\n li r1, 1\n ${svc('setie')}\n li r6, 99`);
    const r = runGuest(src, monitor);
    expect(r.vm.regs[12]).toBe(CAUSES.TIMER);
    expect(r.vm.regs[6]).toBe(0); // the interrupt came first
  });

  it('timer acts as stimer: not itself counted, then the interrupt after exactly that many instructions', () => {
    const src = kernel(`la r1, psw\n lpsw r1\nie: li r1, 3\n ${svc('timer')}\n addi r6, r6, 1\n addi r6, r6, 1\n addi r6, r6, 1\n addi r6, r6, 1`, 'psw: .word 3, ie, 0, 4096');
    const r = runGuest(src, monitor);
    expect(r.vm.regs[12]).toBe(CAUSES.TIMER);
    expect(r.vm.regs[6]).toBe(3);
    expect(r.vm.regs[1]).toBe(0);
  });

  it('every other hypercall is counted by the virtual TIMER like one instruction', () => {
    const src = kernel(`la r1, psw\n lpsw r1\nie: li r1, 3\n stimer r1\n ${svc('probe')}\n addi r6, r6, 1\n addi r6, r6, 1\n addi r6, r6, 1`, 'psw: .word 3, ie, 0, 4096');
    const r = runGuest(src, monitor);
    expect(r.vm.regs[12]).toBe(CAUSES.TIMER);
    expect(r.vm.regs[6]).toBe(2);
  });

  it('multicall does each entry in order and returns how many were done', () => {
    const src = kernel(`la r1, table\n li r2, 3\n ${svc('multicall')}`, `
table:  .word ${HC.write}, m1, 2, 0
        .word ${HC.probe}, 0, 0, 0
        .word ${HC.write}, m2, 1, 0
m1:     .word 'o', 'k'
m2:     .word '!'`);
    const r = runGuest(src, monitor);
    expect(r.out).toBe('ok!');
    expect(r.vm.regs[1]).toBe(3);
    expect(r.vm.regs[2]).toBe(3); // the caller's r2 and r3 are not the entries' scratch registers
    expect(r.vm.stats.hypercallsByName).toEqual(new Map([['multicall', 1]]));
    const one = runGuest(src.replace(svc('multicall'), 'nop'), monitor);
    expect(r.vm.instret).toBe(one.vm.instret); // the whole batch is one instruction
  });

  it('multicall stops at the first entry with a negative result (unknown call, bad buffer, nested multicall)', () => {
    for (const [bad, expected] of [[`200, 0, 0, 0`, 1], [`${HC.write}, 5000, 1, 0`, 1], [`${HC.multicall}, table, 1, 0`, 1]] as const) {
      const src = kernel(`la r1, table\n li r2, 3\n ${svc('multicall')}`, `
table:  .word ${HC.write}, m1, 1, 0
        .word ${bad}
        .word ${HC.write}, m1, 1, 0
m1:     .word 'x'`);
      const r = runGuest(src, monitor);
      expect(r.vm.regs[1], bad).toBe(expected);
      expect(r.out, bad).toBe('x');
    }
  });

  it('a buffer that fails the relocation returns -2 with nothing done', () => {
    // bound 64: the buffers end past it (or, with r2 = -1, are 2^32 - 1 words long)
    const src = kernel(`la r3, psw\n lpsw r3\nsmall: li r1, 60\n li r2, 5\n ${svc('write')}\n mov r4, r1\n li r1, 60\n li r2, 5\n ${svc('read')}\n mov r5, r1\n li r1, 63\n li r2, 1\n ${svc('multicall')}\n mov r6, r1\n li r1, 25\n li r2, -1\n ${svc('write')}`, 'psw: .word 1, small, 0, 64');
    const r = runGuest(src, monitor, { input: 'zz' });
    expect(r.reason).toBe('halt');
    expect([r.vm.regs[4], r.vm.regs[5], r.vm.regs[6], r.vm.regs[1]]).toEqual([-2, -2, -2, -2]);
    expect(r.out).toBe('');
  });

  it('an unknown call returns -1', () => {
    const r = runGuest(kernel(`svc 0xFFFF\n mov r4, r1\n svc ${HYPERCALL_BASE + 10}`), monitor);
    expect([r.vm.regs[4], r.vm.regs[1]]).toEqual([-1, -1]);
    expect(r.vm.stats.hypercallsByName).toEqual(new Map([['unknown', 2]]));
  });

  it('halt stops the VM as halt does', () => {
    const r = runGuest(kernel(`${svc('halt')}\n li r4, 1`), monitor);
    expect(r.reason).toBe('halt');
    expect(r.vm.regs[4]).toBe(0);
    expect(r.vm.instret).toBe(1);
  });

  it('from virtual user mode the svc is an ordinary SVC, delivered to the guest kernel', () => {
    const src = kernel(`la r1, upsw\n lpsw r1\nuser: ${svc('probe')}`, 'upsw: .word 0, user, 0, 4096');
    const r = runGuest(src, monitor);
    expect([r.vm.regs[12], r.vm.regs[13]]).toEqual([CAUSES.SVC, HYPERCALL_BASE]);
    expect(r.vm.stats.hypercallCount).toBe(0);
  });

  it('yield ends the time slice: the next VM runs', () => {
    const isa = isaOrThrow('pg32');
    const stack = buildStack({ isa, monitor, depth: 1, count: 2, guestWords: WORDS });
    const [a, b] = stack.guests as [VirtualMachine, VirtualMachine];
    const ca = new Console();
    const cb = new Console();
    loadGuest(a, asm(kernel(`li r1, 'a'\n out r1, 0\n ${svc('yield')}\n li r1, 'A'\n out r1, 0`)), ca);
    loadGuest(b, asm(kernel(`li r1, 'b'\n out r1, 0\n li r1, 'B'\n out r1, 0`)), cb);
    const order: string[] = [];
    roundRobin(stack.guests, { quantum: 1000, maxSteps: 10_000, afterSlice: (vm) => order.push(`${vm.name}:${vm.console.text()}`) });
    expect(order[0]).toBe('vm1:a'); // vm1 gave up its slice after 'a'
    expect(order[1]).toBe('vm2:bB');
    expect(ca.text()).toBe('aA');
  });

  it('at depth 2 the innermost monitor handles the hypercall; the level below only passes the trap up', () => {
    const r = runGuest(kernel(`${svc('probe')}\n mov r4, r1\n la r1, m\n li r2, 2\n ${svc('write')}`, "m: .word 'o', 'k'"), monitor, { depth: 2 });
    expect(r.vm.regs[4]).toBe(0x5047);
    expect(r.out).toBe('ok');
    expect(r.vm.stats.hypercallCount).toBe(2);
    expect(r.levels.reduce((n, l) => n + l.stats.hypercallCount, 0)).toBe(0);
  });
});

describe('on the bare machine', () => {
  it('svc 0xFF00 is an ordinary SVC', () => {
    const bare = runBare(asm(kernel(svc('probe'))), { isa: isaOrThrow('pg32'), memWords: WORDS, maxSteps: 1000 });
    expect(bare.reason).toBe('halt');
    expect([bare.cpu.regs[12], bare.cpu.regs[13]]).toEqual([CAUSES.SVC, HYPERCALL_BASE]);
  });
});

// The debugger as a user scripts it: `trapeze debug … --batch FILE` transcripts, run in process. The three
// stories the issue asks for (a recursive program stepped into, a breakpoint hit and a reverse-step back over a
// `ret`; a watchpoint catching a store; a trap caught under the VMM with its emulation), and hostile input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const read = (p: string) => readFileSync(new URL(`../../programs/${p}`, import.meta.url), 'utf8');
const FACTORIAL = read('factorial.s');
const SORT = read('sort.s');
const HELLO = read('hello.s');
const KERNEL = read('os/kernel.s');
const KERNEL_INPUT = read('os/kernel.input');

async function debug(args: string[], script: string, files: Record<string, string | Uint8Array> = {}) {
  const io = memoryIo({ ...files, 'cmds.gdb': script });
  const status = await main(['debug', ...args, '--batch', 'cmds.gdb'], io);
  const out = io.stdout();
  /** the output of the n-th command (1-based), without its prompt line */
  const reply = (n: number) => {
    const parts = out.split(/^\(trapeze\) .*$/m);
    return parts[n]!.trim();
  };
  return { status, out, err: io.stderr(), reply, files: io.files };
}

describe('transcript 1: a recursive program stepped into, a breakpoint hit, a reverse-step back over a ret', () => {
  const script = [
    'break fact', // 1
    'continue', // 2: the first call, n = 0
    'delete 1', // 3
    'break fact_rec', // 4
    'continue', // 5: fact(2) recurses (0! and 1! are base cases)
    'step 4', // 6: push lr (2 parts), push r1 (2 parts)
    'step 2', // 7: addi r1, r1, -1; call fact: stepped into the recursive call
    'print r1', // 8: n - 1 = 1
    'finish', // 9: the inner fact returns through its ret
    'print lr', // 10
    'reverse-step', // 11: back over the ret, into the callee
    'print r1', // 12
    'info registers', // 13
    'next', // 14: the ret again
    'reverse-next', // 15: back over the whole inner call, to the call
    'next', // 16: over it again
    'print r1', // 17
  ].join('\n');

  it('reads like a gdb session, and every stop shows the source line, the instruction and what it changed', async () => {
    const r = await debug(['factorial.s'], script, { 'factorial.s': FACTORIAL });
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.reply(1)).toBe('Breakpoint 1 at 0x00000025: fact (factorial.s:40)');
    expect(r.reply(2)).toMatch(/^Breakpoint 1, fact \(factorial\.s:40\)\n {2}step 5: S 0x00000014 factorial\.s:20 {2}jal lr, fact {2}lr ← 0x00000015 \(21\); → 0x00000025 \(fact\)\n=> 0x00000025 factorial\.s:40 {2}slti +r2, r1, 2/);
    expect(r.reply(5)).toMatch(/^0! = 1\n1! = 1\nBreakpoint 2, fact_rec \(factorial\.s:45\)\n {2}step 49: S 0x00000026 factorial\.s:41 {2}beq r2, r0, fact_rec {2}taken → 0x00000029 \(fact_rec\)\n=> 0x00000029 factorial\.s:45 {2}push +lr +; the recursive call overwrites lr {3}\[part 1 of 2: addi sp, sp, -1\]$/);
    // the parts of push: each against its source line
    expect(r.reply(6)).toBe('step 53: S 0x0000002c factorial.s:46  st r1, 0(sp)  (push r1, 2/2)  mem[0x00000073] ← 0x00000002 (2)\n=> 0x0000002d factorial.s:47  addi    r1, r1, -1');
    expect(r.reply(7)).toMatch(/step 55: S 0x0000002e factorial\.s:48 {2}jal lr, fact {2}lr ← 0x0000002f \(47\); → 0x00000025 \(fact\)\n=> 0x00000025 factorial\.s:40/);
    expect(r.reply(8)).toBe('r1 = 0x00000001 (1)');
    expect(r.reply(9)).toMatch(/^Returned \(r1 = 0x00000001 \(1\)\)\.\n {2}step 59: S 0x00000028 factorial\.s:43 {2}jr lr {2}→ 0x0000002f\n=> 0x0000002f factorial\.s:49 {2}pop +r2/);
    expect(r.reply(10)).toBe('lr = 0x0000002f (47)');
    // back over the ret: at the ret again, inside the inner call, with its registers
    expect(r.reply(11)).toBe('undid step 59: S 0x00000028 factorial.s:43  jr lr  → 0x0000002f\n=> 0x00000028 factorial.s:43  ret');
    expect(r.reply(12)).toBe('r1 = 0x00000001 (1)');
    expect(r.reply(13)).toMatch(/^r0 +0x00000000 {2}0\nr1 +0x00000001 {2}1\nr2 +0x00000001 {2}1\n[^]*\nlr +0x0000002f {2}47\nsp +0x00000073 {2}115\npc +0x00000028 {2}factorial\.s:43\npsw +S -- pc=0x00000028/);
    expect(r.reply(14)).toMatch(/^ ?step 59: S 0x00000028 factorial\.s:43 {2}jr lr/);
    // back over the whole inner call, to the call itself
    expect(r.reply(15)).toMatch(/^undid step 55: S 0x0000002e factorial\.s:48 {2}jal lr, fact {2}lr ← 0x0000002f \(47\); → 0x00000025 \(fact\)\n=> 0x0000002e factorial\.s:48 {2}call +fact/);
    expect(r.reply(16)).toMatch(/^step 59: S 0x00000028 factorial\.s:43 {2}jr lr {2}→ 0x0000002f\n=> 0x0000002f factorial\.s:49 {2}pop/);
    expect(r.reply(17)).toBe('r1 = 0x00000001 (1)');
  });

  it('on a stdin that is not a terminal, the same commands print the same transcript', async () => {
    const a = await debug(['factorial.s'], script, { 'factorial.s': FACTORIAL });
    const io = memoryIo({ 'factorial.s': FACTORIAL }, script + '\n');
    const status = await main(['debug', 'factorial.s'], io);
    expect(status).toBe(0);
    expect(io.stdout()).toBe(a.out);
  });

  it('reverse-continue goes back to the previous hit of a breakpoint; restart and goto travel exactly', async () => {
    const r = await debug(['factorial.s'], ['break fact', 'continue', 'continue', 'print $time', 'continue', 'print $time', 'reverse-continue', 'print $time', 'goto 5', 'print lr', 'restart', 'print $time'].join('\n'), { 'factorial.s': FACTORIAL });
    const first = Number(/step (\d+)/.exec(r.reply(4))![1]);
    const second = Number(/step (\d+)/.exec(r.reply(6))![1]);
    expect(second).toBeGreaterThan(first);
    expect(r.reply(7)).toMatch(/^Breakpoint 1, fact/);
    expect(r.reply(8)).toBe(`step ${first}`);
    expect(r.reply(10)).toBe('lr = 0x00000015 (21)');
    expect(r.reply(12)).toBe('step 0');
  });
});

describe('transcript 2: a watchpoint catching a store', () => {
  it('stops after the step that writes the word, with its address, the old and the new value', async () => {
    const r = await debug(['sort.s'], ['watch array', 'continue', 'x/4d array', 'continue', 'info breakpoints', 'reverse-continue'].join('\n'), { 'sort.s': SORT });
    expect(r.status).toBe(0);
    expect(r.reply(1)).toBe('Watchpoint 1: array (storage word 0x00000058, now 0x0000002a (42); stops when it is written)');
    expect(r.reply(2)).toMatch(/^before: 42 -7 19 0 3 100 -7 55 8 -1000 23 1\nWatchpoint 1: array written: 0x0000002a \(42\) → 0xfffffff9 \(-7\)\n {2}step 156: S 0x00000029 sort\.s:41 {2}st r4, 1\(r3\) {2}mem\[0x00000058\] ← 0xfffffff9 \(-7\)\n=> 0x0000002a sort\.s:42/);
    expect(r.reply(3)).toMatch(/^0x00000058 <array>: +-7 +42 +19 +0$/);
    expect(r.reply(4)).toMatch(/Watchpoint 1: array written: 0xfffffff9 \(-7\) → 0xfffffc18 \(-1000\)\n {2}step 417:/);
    expect(r.reply(5)).toMatch(/1 +watchpoint +y +0x00000058 array +\(hit 2 times\)/);
    // backwards, a watchpoint stops before the step that writes
    expect(r.reply(6)).toBe('Watchpoint 1: array is written by the next step: 0xfffffff9 (-7) → 0xfffffc18 (-1000)\n  undid step 417: S 0x00000029 sort.s:41  st r4, 1(r3)  mem[0x00000058] ← 0xfffffc18 (-1000)\n=> 0x00000029 sort.s:41  st      r4, 1(r3)       ; a[j+1] = key');
  });

  it('watches a register (a step that writes it, even with the same value) and a read', async () => {
    const src = 'start: li r1, 7\n addi r1, r1, 0\n ld r2, w(r0)\n halt\nw: .word 9\n';
    const r = await debug(['w.s'], ['watch r1', 'continue', 'continue', 'delete', 'rwatch w', 'continue'].join('\n'), { 'w.s': src });
    expect(r.reply(2)).toMatch(/Watchpoint 1: r1 written: 0x00000000 \(0\) → 0x00000007 \(7\)/);
    expect(r.reply(3)).toMatch(/Watchpoint 1: r1 written: 0x00000007 \(7\) → 0x00000007 \(7\)\n {2}step 2: S 0x00000011 w\.s:2 {2}addi r1, r1, 0 {2}r1 ← 0x00000007 \(7\)/);
    expect(r.reply(6)).toMatch(/Watchpoint 2: w read: 0x00000009 \(9\)/);
  });
});

describe('transcript 3: a trap caught under the VMM, with the emulation shown', () => {
  it('catch trap PRIV: trap → dispatch → emulate, with the routine', async () => {
    const r = await debug(['--vmm', 'hello.s', 'kernel.s', '--input', 'k.in'], ['info vms', 'catch trap PRIV', 'continue', 'info vms'].join('\n'), {
      'hello.s': HELLO,
      'kernel.s': KERNEL,
      'k.in': KERNEL_INPUT,
    });
    expect(r.status).toBe(0);
    expect(r.reply(1)).toMatch(/\* 1 +hello +running +0 +S +0x00000010/);
    expect(r.reply(2)).toBe('Catchpoint 1 (trap PRIV)');
    expect(r.reply(3)).toMatch(
      /\[hello\] H\n\[hello\] Catchpoint 1 \(trap PRIV\)\n {2}\[hello\] step 5: S 0x00000014 hello\.s:18 {2}out r2, 0 {2}out 0x48 'H'\n {4}monitor: trap PRIV \(out r2, 0\) at 0x00000014 → dispatch → emulate out \(ROUTINES\.out, src\/vmm\/routines\.ts\)\n\[hello\] => 0x00000015 hello\.s:19/,
    );
    expect(r.reply(4)).toMatch(/hello +running +5 .* 1 +0/);
  });

  it("catch reflect SVC in a kernel's user task: the trap goes to the guest's own handler; other VMs stopping keep the focus", async () => {
    const r = await debug(['--vmm', 'hello.s', 'kernel.s', '--input', 'k.in', '--quantum', '50'], ['vm kernel', 'catch reflect SVC', 'continue', 'continue', 'reverse-step', 'x/4x phys 0', 'info psw'].join('\n'), {
      'hello.s': HELLO,
      'kernel.s': KERNEL,
      'k.in': KERNEL_INPUT,
    });
    expect(r.reply(3)).toMatch(/\[hello\] The program halted \(step \d+\)\.[^]*\[hello\] {4}\(halted at 0x00000018\)\n\[kernel\] => /);
    expect(r.reply(4)).toMatch(/\[kernel\] Catchpoint 1 \(reflect SVC\)\n {2}\[kernel\] step \d+: U 0x[0-9a-f]{8} kernel\.s:\d+ {2}svc \d {2}trap SVC info=0x0000000\d → PSW S -- pc=0x[0-9a-f]{8} base=0x00000000[^\n]*\n {4}monitor: trap SVC \d at 0x[0-9a-f]{8} → dispatch → reflect SVC to the guest's own handler\n\[kernel\] => /);
    expect(r.reply(5)).toMatch(/^\[kernel\] undid step \d+: U 0x[0-9a-f]{8} kernel\.s:\d+ {2}svc \d/);
    expect(r.reply(7)).toMatch(/^\[kernel\] flags {2}0x00000002 {2}U \(user mode\), IE \(interrupts enabled\)/);
  });

  it('catch emulate ROUTINE, per-VM breakpoints and vm N', async () => {
    const r = await debug(['--vmm', 'hello.s', 'hello.s', '--quantum', '3'], ['catch emulate halt', 'break done vm 2', 'continue', 'continue', 'info breakpoints', 'vm 3'].join('\n'), { 'hello.s': HELLO });
    expect(r.reply(2)).toBe('Breakpoint 2 at 0x00000017: done (hello.s:22) in VM 2 (hello-2)');
    expect(r.reply(3)).toMatch(/^(\[hello(-2)?\] [^\n]*\n)*\[hello\] Catchpoint 1 \(emulate halt\)/m);
    expect(r.reply(4)).toMatch(/\[hello-2\] Breakpoint 2, done \(hello\.s:22\)/);
    expect(r.reply(5)).toMatch(/catchpoint +y +all +emulate halt/);
    expect(r.reply(6)).toBe("no VM '3': the VMs are 1 (hello), 2 (hello-2)");
    expect(r.status).toBe(5);
  });
});

describe('hostile input: one clear line each, never a stack trace', () => {
  const cases: [string, RegExp][] = [
    ['bogus', /^unknown command 'bogus'; "help" lists the commands$/],
    ['contnue', /^unknown command 'contnue' \(did you mean 'continue'\?\)/],
    ['d', /^There are no breakpoints\.$/], // delete (all): nothing to delete
    ['break nosuch', /^no label 'nosuch' in f\.s$/],
    ['break fcat', /^no label 'fcat' in f\.s \(did you mean 'fact'\?\)$/],
    ['break 999', /^line 999 is outside f\.s \(it has \d+ lines\)$/],
    ['break *0x7fffffff', /^address 0x7fffffff is past the end of f\.s's storage \(1048576 words\)$/],
    ['break LAST', /^'LAST' is a constant \(\.equ 12\), not a label; use \*LAST for that address$/],
    ['break other.s:3', /^no source file 'other\.s' in f\.s \(it has f\.s\)$/],
    ['x/4x 0xfffffff0', /^address 0xfffffff0 is outside the relocation bounds/],
    ['x/4x phys 0x7fffffff', /^address 0x7fffffff is past the end of storage \(1048576 words\)$/],
    ['x/0 0', /^x shows 1 to 4096 words, not 0$/],
    ['print r1 +', /^the expression ends too soon$/],
    ['print 1/0', /^division by zero$/],
    ['print nosuch', /^no symbol 'nosuch' in the program$/],
    ['step -1', /^count must be at least 1, not -1$/],
    ['step abc', /^count: no symbol 'abc' in the program$/],
    ['delete 42', /^no breakpoint number 42 to delete/],
    ['catch', /^catch what\? catch trap \| exit/],
    ['catch emulate', /^catch emulate watches a monitor: start trapeze debug --vmm/],
    ['catch trap NOPE', /^'NOPE' is not a trap cause; PRIV ILLEGAL MEMORY SVC TIMER ARITH$/],
    ['info', /^info what\?/],
    ['info nonsense', /^'info nonsense' is not something I can show/],
    ['vm 2', /^there are no VMs: this is the bare machine/],
    ['watch r0', /^r0 is always 0: there is nothing to watch$/],
    ['snapshot', /^snapshot save FILE \| snapshot load FILE$/],
    ['snapshot load missing.snap', /^cannot read 'missing\.snap': no such file$/],
    ['snapshot load f.s', /^f\.s: not a trapeze snapshot \(bad magic number\)$/],
    ['quit 999', /^quit takes an exit status from 0 to 255, not '999'$/],
    ['list 99999', /^line 99999 is outside f\.s/],
    ['reverse-step', /^No more reverse-execution history: this is the start \(step 0\)\./],
    ['goto -5', /^step -5 is before the start of the history \(step 0\)$/],
  ];
  it.each(cases)('%s', async (cmd, expected) => {
    const r = await debug(['f.s'], cmd, { 'f.s': FACTORIAL });
    expect(r.err).toBe('');
    const reply = r.reply(1);
    expect(reply.split('\n')[0]).toMatch(expected);
    expect(r.out).not.toMatch(/at .*\.ts:\d+|Error:|TypeError|RangeError/);
  });

  it('a failed command makes the batch exit 5 and the transcript goes on; quit N sets the status', async () => {
    const r = await debug(['f.s'], 'bogus\nstep\nquit 3\nstep', { 'f.s': FACTORIAL });
    expect(r.status).toBe(3);
    expect(r.out.match(/^\(trapeze\) /gm)).toHaveLength(3);
    const s = await debug(['f.s'], 'bogus\nstep', { 'f.s': FACTORIAL });
    expect(s.status).toBe(5);
    expect(s.reply(2)).toMatch(/step 1:/);
  });

  it('an empty line repeats step, next and x; a runaway program stops at the step limit with a message', async () => {
    const r = await debug(['f.s', '--max-steps', '100'], 'step\n\n\nx/2x sp\n\ncontinue', { 'f.s': FACTORIAL });
    expect(r.reply(3)).toMatch(/step 3:/);
    expect(r.reply(5)).toMatch(/^0x00000077 <stack_top\+2>:/);
    expect(r.reply(6)).toMatch(/Stopped at the step limit \(100 steps; raise it with --max-steps\)\./);
  });

  it('usage mistakes are one line with status 2; a program that does not assemble is status 1', async () => {
    const io = memoryIo({ 'a.s': 'nop\n', 'b.s': 'bogus r1\n' });
    expect(await main(['debug'], io)).toBe(2);
    expect(await main(['debug', 'a.s', 'a.s'], io)).toBe(2);
    expect(await main(['debug', 'a.s', '--depth', '2'], io)).toBe(2);
    expect(await main(['debug', 'b.s'], io)).toBe(1);
    expect(io.stderr()).toMatch(/b\.s:1:1: error:/);
    expect(io.stderr()).not.toMatch(/internal error/);
  });
});

// --trace tells the whole story: a store's address and value, out's byte, the PSW lpsw loaded or a trap
// delivered, each part of a pseudo-instruction against its source, registers named lr/sp everywhere, and
// "written" meaning written. --trace=traps shows only traps and interrupts; vmm --trace shows the monitor's events.
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

async function trace(src: string, extra: string[] = [], cmd = 'run') {
  const io = memoryIo({ 't.s': src });
  const status = await main([cmd, 't.s', ...extra], io);
  return { status, lines: io.stderr().trimEnd().split('\n'), out: io.stdout() };
}

const PROGRAM = [
  'start:  la sp, top', // 1: a pseudo of 2 parts
  '        li r1, 72', // 2
  '        addi r1, r1, 0', // 3: written, unchanged
  '        push r1', // 4: two parts, a store
  '        out r1, 0', // 5: out's byte
  '        out r1, 2', // 6: decimal
  '        call f', // 7: jal lr
  '        la r2, user', // 8
  '        lpsw r2', // 9: the PSW it loads
  'f:      ret', // 10
  'u:      svc 3', // 11: a trap, delivered
  'h:      halt', // 12
  'user:   .word 0, u, 0, 100', // user mode, pc u, base 0, bound 100
  '        .space 4',
  'top:    .word 0',
  '.org 8',
  '.word 1, h, 0, 1000', // the new PSW
].join('\n');

describe('--trace', () => {
  it('one line per step with the instruction and everything it did', async () => {
    const { lines, status } = await trace(PROGRAM, ['--trace']);
    expect(status).toBe(0);
    const at = (re: RegExp) => lines.find((l) => re.test(l)) ?? `(no line matches ${re})`;
    expect(at(/lui sp/)).toMatch(/^S 0x00000010 t\.s:1 +lui sp, 0 {2}\(la sp, top, 1\/2\) +sp ← 0x00000000 \(0\)$/);
    expect(at(/ori sp/)).toMatch(/^S 0x00000011 t\.s:1 +ori sp, sp, \d+ {2}\(la sp, top, 2\/2\) +sp ← 0x000000\w\w \(\d+\)$/);
    expect(at(/addi r1, r1, 0/)).toMatch(/r1 ← 0x00000048 \(72\)$/); // written, though unchanged
    expect(at(/st r1, 0\(sp\)/)).toMatch(/^S 0x00000015 t\.s:4 +st r1, 0\(sp\) {2}\(push r1, 2\/2\) +mem\[0x000000\w\w\] ← 0x00000048 \(72\)$/);
    expect(at(/out r1, 0/)).toMatch(/out 0x48 'H'$/);
    expect(at(/out r1, 2/)).toMatch(/out "72"$/);
    expect(at(/jal lr, f/)).toMatch(/lr ← 0x00000019 \(25\); → 0x0000001c \(f\)$/);
    expect(at(/jr lr/)).toMatch(/→ 0x00000019$/);
    expect(at(/lpsw r2/)).toMatch(/PSW ← U -- pc=0x0000001d base=0x00000000 bound=0x00000064$/);
    expect(at(/svc 3/)).toMatch(/^U 0x0000001d t\.s:11 +svc 3 +trap SVC info=0x00000003 → PSW S -- pc=0x0000001e base=0x00000000 bound=0x000003e8$/);
    expect(lines[lines.length - 1]).toMatch(/halt +halted$/);
    // one naming of registers: lr and sp, never r14/r15
    expect(lines.join('\n')).not.toMatch(/\br1[45]\b/);
  });

  it('--trace=traps: only the steps that take a trap or an interrupt', async () => {
    const { lines } = await trace(PROGRAM, ['--trace=traps']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/svc 3 +trap SVC/);
    const timer = await trace('start: li r1, 3\n stimer r1\n li r1, 2\n lpsw r1\nloop: b loop\nh: halt\n.org 2\n.word 3, loop, 0, 1000\n.org 8\n.word 1, h, 0, 1000\n', ['--trace=traps']);
    expect(timer.lines).toEqual([expect.stringMatching(/^S 0x00000014 +\(timer interrupt\) +interrupt TIMER → PSW S -- pc=0x00000015/)]);
    expect((await trace(PROGRAM, ['--trace=all'])).lines.length).toBeGreaterThan(10);
    const bad = await trace(PROGRAM, ['--trace=bogus']);
    expect([bad.status, bad.lines]).toEqual([2, ["trapeze run: --trace takes no value, or =traps (only traps and interrupts); not 'bogus'"]]);
  });

  it('vmm --trace: the monitor at work, per VM', async () => {
    const io = memoryIo({ 'a.s': 'start: li r1, 65\n out r1, 0\n halt\n', 'b.s': 'start: la r1, p\n lpsw r1\nu: svc 2\np: .word 0, u, 0, 100\n.org 8\n.word 1, h, 0, 100\nh: halt\n' });
    const status = await main(['vmm', 'a.s', 'b.s', '--trace'], io);
    expect(status).toBe(0);
    expect(io.stdout()).toBe('[a] A\n');
    expect(io.stderr().trimEnd().split('\n')).toEqual([
      '[a] trap PRIV (out r1, 0) at 0x00000011 → dispatch → emulate out (ROUTINES.out, src/vmm/routines.ts)',
      '[a] trap PRIV (halt) at 0x00000012 → dispatch → emulate halt (ROUTINES.halt, src/vmm/routines.ts)',
      '[b] trap PRIV (lpsw r1) at 0x00000012 → dispatch → emulate lpsw (ROUTINES.lpsw, src/vmm/routines.ts)',
      "[b] trap SVC 2 at 0x00000013 → dispatch → reflect SVC to the guest's own handler",
      '[b] trap PRIV (halt) at 0x0000000c → dispatch → emulate halt (ROUTINES.halt, src/vmm/routines.ts)',
    ]);
  });
});

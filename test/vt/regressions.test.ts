// Bugs the vt stories found, each kept as a named regression.
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { isaOrThrow } from '../../src/isa/table.js';
import { runBare } from '../../src/vmm/equiv.js';
import { asm } from '../harness.js';
import { EXITS, source, story } from './story.js';

/** a guest whose handler is an svc: only trap deliveries, no instruction ever completes */
const onlyTraps = source({ handler: '        svc 0', guest: '        svc 0' });

describe('regressions', () => {
  it('reset (load) in guest mode leaves guest mode (was: the stale guest ran on after a reload)', () => {
    const m = story({ intercepts: ['HALT'], guest: 'loop:   addi r1, r1, 1\n        jmp loop' });
    m.cpu.run(100);
    expect(m.cpu.guest).not.toBeNull();
    m.cpu.load(m.m.image);
    expect(m.cpu.guest).toBeNull();
    expect(m.cpu.pc).toBe(m.sym('start'));
    m.cpu.reset();
    expect(m.cpu.guest).toBeNull();
  });

  it('trapeze run stops a guest that only traps at the step limit, naming the guest pc (was: a hang, steps counted only host traps)', async () => {
    const io = memoryIo({ 'g.s': onlyTraps }, '');
    const status = await main(['run', 'g.s', '--isa', 'pg32+vt', '--max-steps', '1000'], io);
    expect(status).toBe(4);
    expect(io.stderr()).toMatch(/step limit \(1000 steps.*at guest pc 0x00000011 \(g\.s:\d+: svc 0\), in guest mode/);
  });

  it('equiv\'s bare run stops a guest that only traps at the step limit (was: a hang)', () => {
    const isa = isaOrThrow('pg32+vt');
    const r = runBare(asm(onlyTraps, 'pg32+vt'), { isa, memWords: 4096, maxSteps: 1000 });
    expect(r.reason).toBe('budget');
    expect(r.cpu.instret + r.cpu.delivered).toBeLessThanOrEqual(1000);
  });

  it('the guest processor follows the host\'s translate option (was: always translated)', () => {
    const src = source({ intercepts: ['HALT'], guest: '        li r1, 100\nloop:   addi r1, r1, -1\n        bnez r1, loop\n        halt' });
    const img = asm(src, 'pg32+vt');
    const cb = img.symbols.get('cb')!;
    const translated = (c: Cpu) => (c.code?.translations ?? 0) > 0;
    for (const translate of [true, false]) {
      const cpu = new Cpu({ isa: isaOrThrow('pg32+vt'), memWords: 4096, translate });
      cpu.load(img);
      expect(cpu.run(10_000)).toBe('halt');
      expect(cpu.mem[cb + 9]).toBe(EXITS.INSTR);
      cpu.halted = false;
      expect(cpu.enterGuest(cb)).toBe(0); // the same partition: the same guest processor
      expect(cpu.guest!.cpu.translating).toBe(translate);
      expect(translated(cpu.guest!.cpu)).toBe(translate); // its hot loop was translated, or not

    }
  });
});

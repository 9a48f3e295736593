// The debugger's engine against simple references, on the fuzz corpus (test/fuzz/generator.ts), bare and under
// the monitors: going back to any step gives exactly the state a fresh run reaches there; breakpoints stop
// forwards at the first hit and backwards at the last one, as a one-step-at-a-time scan finds them; the history
// stays within its memory budget. Small checkpoint intervals make every run cross many checkpoints. Fixed seeds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/assemble.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import { Engine, type Breakpoint } from '../../src/debug/engine.js';
import { BareTarget, VmmTarget, type Target } from '../../src/debug/target.js';
import { EXITS, isaOrThrow, OPCODE, PG32 } from '../../src/isa/table.js';
import { programs } from '../library.js';
import { bareSteps, startVmm } from '../../src/snapshot/machine.js';
import { captureCpu, captureVm } from '../../src/snapshot/state.js';
import type { MonitorKind } from '../../src/vmm/vmm.js';
import { build, MAX_STEPS, MEM, program, source, type Program } from '../fuzz/generator.js';

const ISA = isaOrThrow('pg32');

function bare(p: Program): BareTarget {
  const img = build(source(p));
  const con = new Console(p.input);
  const cpu = new Cpu({ isa: PG32, memWords: MEM, devices: con });
  cpu.load(img);
  return new BareTarget(cpu, con, { name: 'fuzz.s', image: img }, MAX_STEPS);
}

function vmm(p: Program, cfg: { monitor: MonitorKind; vms: number; quantum: number; depth: number }): VmmTarget {
  const images = Array.from({ length: cfg.vms }, () => build(source(p)));
  const run = startVmm(images, p.input, { isa: ISA, ...cfg, guestWords: MEM, maxSteps: MAX_STEPS });
  return new VmmTarget(run, images.map((image, i) => ({ name: `g${i}`, image })));
}

/**
 * Everything that decides the future, and the console. Under hw a replay may cut a time slice where the first run
 * did not: the monitor's own counts (entries, HTIMER exits), the real CPU's timer and the control blocks differ,
 * none of it visible to a guest; for hw those are left out and storage is compared VM by VM.
 */
function state(t: Target) {
  if (t instanceof BareTarget) return { cpu: captureCpu(t.cpu), mem: [...t.cpu.mem], out: [...t.console.output()], inPos: t.console.inputPosition() };
  const v = t as VmmTarget;
  const hw = v.run_.monitor === 'hw';
  const vms = v.allVms().map((vm) => {
    const s = captureVm(vm);
    if (!hw) return s;
    const exits = s.stats.exits.slice();
    exits[EXITS.HTIMER] = 0;
    return { ...s, stats: { ...s.stats, entries: 0, exits } };
  });
  return {
    cpu: hw ? undefined : captureCpu(v.stack.cpu),
    vms,
    mem: hw ? v.allVms().map((vm) => [...vm.mem]) : [...v.stack.cpu.mem],
    slices: v.run_.slices.state(),
    outs: v.run_.consoles.map((c) => [...c.output()]),
  };
}

const cfg = fc.record({
  monitor: fc.constantFrom<MonitorKind>('trap-emulate', 'hybrid', 'bt', 'hw'),
  vms: fc.constantFrom(1, 3),
  quantum: fc.constantFrom(1, 7, 100),
  depth: fc.constantFrom(1, 2),
});

describe('going back is exact', () => {
  it('bare machine: after running to the end, every sampled earlier step equals a fresh run to it (40 programs, seed 2001)', () => {
    fc.assert(
      fc.property(program, fc.array(fc.nat(10000), { minLength: 3, maxLength: 6 }), (p, picks) => {
        const e = new Engine(bare(p), { maxSteps: MAX_STEPS, interval: 37 });
        Engine.drive(e.continue());
        const end = e.time;
        for (const k of picks) {
          const t = k % (end + 1);
          e.goTo(t);
          const fresh = bare(p);
          fresh.run(t);
          expect(e.time).toBe(t);
          expect(state(e.target)).toEqual(state(fresh));
        }
        // and reverse-step is one step back
        e.goTo(end);
        if (end > 0) {
          Engine.drive(e.reverseStep());
          const fresh = bare(p);
          fresh.run(end - 1);
          expect(state(e.target)).toEqual(state(fresh));
        }
      }),
      { seed: 2001, numRuns: 40 },
    );
  });

  it('under the monitors: reverse-step undoes exactly the focus VM’s last step, every VM and the scheduler included (40 programs, seed 2002)', () => {
    fc.assert(
      fc.property(program, cfg, fc.nat(2000), (p, c, k) => {
        const t = vmm(p, c);
        const e = new Engine(t, { maxSteps: MAX_STEPS, interval: 53 });
        const stop = Math.min(k, 600);
        e.goTo(stop);
        const at = e.time;
        const own = t.machines[e.focus]!.steps();
        if (own === 0) return;
        const before = state(t);
        Engine.drive(e.reverseStep());
        expect(t.machines[e.focus]!.steps()).toBe(own - 1);
        expect(t.next()).toBe(e.focus);
        // a fresh run to the same moment
        const fresh = vmm(p, c);
        fresh.run(e.time);
        expect(state(t)).toEqual(state(fresh));
        // forward again to where we were
        e.goTo(at);
        expect(state(t)).toEqual(before);
      }),
      { seed: 2002, numRuns: 40 },
    );
  });
});

describe('breakpoints forwards and backwards match a step-by-step scan', () => {
  it('continue stops at the first hit after now, reverse-continue at the last before now (60 programs, seed 2003)', () => {
    fc.assert(
      fc.property(program, fc.nat(60), fc.nat(3000), (p, which, from) => {
        const t = bare(p);
        const img = t.program.image;
        const addr = img.symbols.get(`L${Math.min(which, [...img.symbols.keys()].filter((n) => /^L\d+$/.test(n)).length - 1)}`)!;
        // reference: every moment the next instruction is at addr
        const ref = bare(p);
        const hits: number[] = [];
        while (!ref.finished && ref.time < MAX_STEPS) {
          if (ref.cpu.base + ref.cpu.pc === addr) hits.push(ref.time);
          ref.stepQuick();
        }
        const e = new Engine(t, { maxSteps: MAX_STEPS, interval: 29 });
        e.add({ kind: 'break', machine: 0, addr, where: 'x' });
        const start = Math.min(from, ref.time);
        e.goTo(start);
        const fwd = Engine.drive(e.continue());
        const nextHit = hits.find((h) => h > start);
        if (nextHit !== undefined) {
          expect(fwd.kind).toBe('breakpoint');
          expect(e.time).toBe(nextHit);
        } else expect(fwd.kind).not.toBe('breakpoint');
        e.goTo(start);
        const back = Engine.drive(e.reverseContinue());
        const prevHit = [...hits].reverse().find((h) => h < start);
        if (prevHit !== undefined) {
          expect(back.kind).toBe('breakpoint');
          expect(e.time).toBe(prevHit);
        } else {
          expect(back.kind).toBe('origin');
          expect(e.time).toBe(0);
        }
      }),
      { seed: 2003, numRuns: 60 },
    );
  });

  it('a watchpoint stops after the step that writes, forwards, and before it, backwards', () => {
    const img = assemble('start: li r2, 3\nloop: st r2, w(r0)\n addi r2, r2, -1\n bnez r2, loop\n st r0, w(r0)\n halt\nw: .word 0\n', 'w.s').image!;
    const con = new Console();
    const cpu = new Cpu({ devices: con });
    cpu.load(img);
    const e = new Engine(new BareTarget(cpu, con, { name: 'w.s', image: img }, 1e6), { maxSteps: 1e6, interval: 2 });
    const w = img.symbols.get('w')!;
    e.add({ kind: 'watch', machine: 0, addr: w, where: 'w' });
    const writes: number[] = [];
    for (;;) {
      const s = Engine.drive(e.continue());
      if (s.kind !== 'watchpoint') break;
      writes.push(e.time);
      expect(s.last?.effect.stores[0]?.phys).toBe(w);
    }
    expect(writes).toEqual([2, 5, 8, 11]); // after li, the st of each of the 3 loop passes, and the final st r0
    const back: number[] = [];
    for (;;) {
      const s = Engine.drive(e.reverseContinue());
      if (s.kind !== 'watchpoint') break;
      back.push(e.time);
    }
    expect(back).toEqual([10, 7, 4, 1]); // just before each of those stores
  });
});

describe('the history stays bounded', () => {
  it('a run that writes all over storage keeps its checkpoints within the budget, and going back stays exact', () => {
    // writes a different word of every page, round after round
    const src = 'start: li r3, 40\nround: li r1, 16\nloop: st r3, 0(r1)\n addi r1, r1, 1024\n slti r2, r1, 32767\n bnez r2, loop\n addi r3, r3, -1\n bnez r3, round\n halt\n';
    const img = assemble(src, 'b.s').image!;
    const make = () => {
      const con = new Console();
      const cpu = new Cpu({ memWords: 32768, devices: con });
      cpu.load(img);
      return new BareTarget(cpu, con, { name: 'b.s', image: img }, 1e7);
    };
    const budget = 1024 * 1024;
    const e = new Engine(make(), { maxSteps: 1e7, interval: 40, historyBytes: budget });
    Engine.drive(e.continue());
    expect(e.target.finished).toBe(true);
    expect(e.history.heldBytes).toBeLessThanOrEqual(budget);
    expect(e.history.size).toBeGreaterThan(4);
    for (const t of [1, 777, Math.floor(e.time / 2), e.time - 1]) {
      e.goTo(t);
      const fresh = make();
      fresh.run(t);
      expect(captureCpu((e.target as BareTarget).cpu)).toEqual(captureCpu(fresh.cpu));
      const mem = (e.target as BareTarget).cpu.mem;
      expect(mem.findIndex((w, i) => w !== fresh.cpu.mem[i])).toBe(-1);
    }
  });
});

describe('stepping', () => {
  it('step N is N steps, next steps over a call and a system call, finish returns, until leaves a loop', () => {
    const src = [
      'start: li sp, 100',
      '  call f', // 2 words? li sp,100 is 1 word
      '  svc 7',
      '  li r3, 3',
      'loop: addi r3, r3, -1',
      '  bnez r3, loop',
      '  halt',
      'f: addi r1, r1, 1',
      '  ret',
      'h: lpsw r0', // the trap handler returns
      '.org 8',
      '.word 1, h, 0, 1000',
    ].join('\n');
    const img = assemble(src, 's.s').image!;
    const con = new Console();
    const cpu = new Cpu({ memWords: 1000, devices: con });
    cpu.load(img);
    const e = new Engine(new BareTarget(cpu, con, { name: 's.s', image: img }, 1e6), { maxSteps: 1e6 });
    const at = (label: string, plus = 0) => img.symbols.get(label)! + plus;
    Engine.drive(e.step());
    expect(cpu.pc).toBe(at('start', 1));
    Engine.drive(e.next()); // over the call
    expect([cpu.pc, cpu.regs[1], e.time]).toEqual([at('start', 2), 1, 4]);
    Engine.drive(e.next()); // over the svc and its handler
    expect([cpu.pc, e.time]).toEqual([at('start', 3), 6]);
    Engine.drive(e.step(2));
    expect(cpu.pc).toBe(at('loop', 1));
    const u = Engine.drive(e.until()); // out of the loop
    expect(u.kind).toBe('until');
    expect(cpu.pc).toBe(at('loop', 2));
    expect(cpu.regs[3]).toBe(0);
    e.goTo(2); // inside f
    expect(cpu.pc).toBe(at('f'));
    const f = Engine.drive(e.finish());
    expect([f.kind, cpu.pc]).toEqual(['finish', at('start', 2)]);
    expect(Engine.drive(e.reverseFinish()).kind).toBe('origin'); // main has no caller
    e.goTo(3); // at f's ret
    const rf = Engine.drive(e.reverseFinish());
    expect([rf.kind, e.time, cpu.pc]).toEqual(['step', 1, at('start', 1)]); // back at the call
    const c = Engine.drive(e.continue());
    expect(c.kind).toBe('halt');
    expect(bareSteps(cpu)).toBe(e.time);
  });

  it('catch trap stops after the step that delivers the trap (its cause filter too)', () => {
    // the handler resumes after an SVC and skips a faulting div
    const img = assemble('start: svc 1\n div r1, r1, r0\n halt\nh: ld r2, 4(r0)\n li r3, 6\n bne r2, r3, back\n ld r2, 1(r0)\n addi r2, r2, 1\n st r2, 1(r0)\nback: lpsw r0\n.org 8\n.word 1, h, 0, 1000\n', 'c.s').image!;
    const con = new Console();
    const cpu = new Cpu({ memWords: 1000, devices: con });
    cpu.load(img);
    const e = new Engine(new BareTarget(cpu, con, { name: 'c.s', image: img }, 1e6), { maxSteps: 1e6 });
    const bp: Breakpoint = e.add({ kind: 'catch', machine: 0, addr: -1, what: 'trap', code: 6, where: 'trap' });
    const s = Engine.drive(e.continue());
    expect(s.kind).toBe('catchpoint');
    expect(s.breakpoint).toBe(bp);
    expect(s.last?.effect.trap?.cause).toBe(6);
    expect(e.time).toBe(6); // the svc trap, 4 handler steps, then the div traps
    expect(Engine.drive(e.continue()).kind).toBe('halt');
  });
});

describe('stepping over vmrun (vt)', () => {
  it('next over vmrun runs the guest to its exit; step enters guest mode; finish in the guest returns to the host; reverse-next goes back over it all', () => {
    const p = programs().find((x) => x.name === 'vt/hypervisor.s')!;
    const isa = isaOrThrow(p.isa);
    const img = assemble(p.source, p.name, { isa }).image!;
    const make = () => {
      const con = new Console(p.input);
      const cpu = new Cpu({ isa, memWords: 65536, devices: con });
      cpu.load(img);
      return new BareTarget(cpu, con, { name: p.name, image: img }, 1e7);
    };
    const seg = img.segments.find((s) => s.words.some((w) => w >>> 24 === OPCODE.vmrun))!;
    const at = seg.origin + seg.words.findIndex((w) => w >>> 24 === OPCODE.vmrun);
    const e = new Engine(make(), { maxSteps: 1e7 });
    const cpu = (e.target as BareTarget).cpu;
    e.add({ kind: 'tbreak', machine: 0, addr: at, where: 'vmrun' });
    expect(Engine.drive(e.continue()).kind).toBe('breakpoint');
    const before = e.time;
    const n = Engine.drive(e.next());
    expect(n.kind).toBe('step');
    // an exit is not a step: the step that exits also runs the host's instruction after the vmrun
    expect([cpu.guest, cpu.pc]).toEqual([null, at + 2]);
    expect(n.last?.effect.exit).toBeDefined();
    expect(n.last?.effect.then?.pc).toBe(at + 1);
    expect(e.time).toBeGreaterThan(before + 1); // the guest ran
    e.goTo(before);
    const s = Engine.drive(e.step());
    expect(s.last?.effect.entered).toBeDefined();
    expect(cpu.guest).not.toBeNull();
    Engine.drive(e.step(3));
    const f = Engine.drive(e.finish());
    expect(f.kind).toBe('finish');
    expect([cpu.guest, cpu.pc]).toEqual([null, at + 2]);
    expect(f.last?.effect.exit).toBeDefined();
    // and back over the guest's whole run: reverse-next returns to the vmrun
    const rn = Engine.drive(e.reverseNext());
    expect([rn.kind, e.time, cpu.pc, cpu.guest]).toEqual(['step', before, at, null]);
  });
});

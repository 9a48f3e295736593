// The binary translation monitor (--monitor bt): every program equivalent bare and under bt on pg32, pg32-pdp10
// and pg32-x86 at depth 1 and 2 with 1 and 4 VMs; what it translates and rewrites comes from the checker; chaining,
// invalidation and exact virtual time, told as stories.
import { describe, expect, it } from 'vitest';
import { assemble, formatError } from '../../src/asm/assemble.js';
import { Cpu } from '../../src/cpu/cpu.js';
import { Console } from '../../src/cpu/devices.js';
import type { Image } from '../../src/image.js';
import { CAUSES, isaOrThrow } from '../../src/isa/table.js';
import { fromClassifications, translationClasses } from '../../src/vmm/bt/classes.js';
import { checkEquivalence, findDivergence, runBare, type EquivOptions } from '../../src/vmm/equiv.js';
import { buildStack, loadGuest } from '../../src/vmm/stack.js';
import { Vmm } from '../../src/vmm/vmm.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { programs, type Program } from '../library.js';
import { asm, HANDLER_PSW } from '../harness.js';

const ISAS = ['pg32', 'pg32-pdp10', 'pg32-x86'] as const;

function image(p: Program, isa: string): Image {
  const r = assemble(p.source, p.name, { isa: isaOrThrow(isa) });
  if (!r.image) throw new Error(r.errors.map(formatError).join('\n'));
  return r.image;
}

const opts = (isa: string, input?: Uint8Array): EquivOptions => ({
  isa: isaOrThrow(isa),
  monitor: 'bt',
  depth: 1,
  vms: 1,
  quantum: 100,
  memWords: 65536,
  maxSteps: 10_000_000,
  ...(input ? { input } : {}),
});

// Every program with an expected output, on every ISA it assembles for (the pg32 ones on all three).
const library = programs().filter((p) => p.expected !== undefined && p.twin === undefined);
const cases = library.flatMap((p) => ISAS.filter((isa) => p.isa === 'pg32' || p.isa === isa).map((isa) => [`${p.name} on ${isa}`, p, isa] as const));
const CONFIGS = [
  { depth: 1, vms: 1, quantum: 1 },
  { depth: 1, vms: 4, quantum: 100 },
  { depth: 2, vms: 1, quantum: 7 },
  { depth: 2, vms: 4, quantum: 1000 },
];

describe.each(cases)('%s under bt', (_name, p, isa) => {
  const img = image(p, isa);
  it.each(CONFIGS)('depth $depth, $vms VMs, quantum $quantum: equivalent', (cfg) => {
    const r = checkEquivalence(img, { ...opts(isa, p.input), ...cfg });
    expect(r.differences).toEqual([]);
    expect(r.bare.reason).toBe('halt');
    if (p.isa === isa) expect(r.bare.output).toBe(p.expected);
  });
});

describe('the demos trap-and-emulate cannot run', () => {
  const byName = new Map(programs().map((p) => [p.name, p]));
  for (const [name, isa] of [['variants/x86.s', 'pg32-x86'], ['variants/pdp10.s', 'pg32-pdp10']] as const) {
    it(`${name}: bt agrees with the bare machine at every step (lockstep), at depth 1 and 2`, () => {
      const p = byName.get(name)!;
      for (const depth of [1, 2]) expect(findDivergence(image(p, isa), { ...opts(isa), depth })).toBeUndefined();
      expect(checkEquivalence(image(p, isa), { ...opts(isa), monitor: 'trap-emulate' }).equivalent).toBe(false);
    });
  }

  it('the mini kernel agrees at every step under bt on pg32-x86, at depth 2', () => {
    const p = byName.get('os/kernel.s')!;
    expect(findDivergence(image(p, 'pg32-x86'), { ...opts('pg32-x86', p.input), depth: 2 })).toBeUndefined();
  });
});

describe('what is translated and rewritten comes from the checker', () => {
  it("the rewrite tables are the checker's classes: sensitive in supervisor code, user-sensitive in user code", () => {
    for (const name of ISAS) {
      const t = translationClasses(isaOrThrow(name));
      expect([...t.rewritten.supervisor].sort()).toEqual(t.instructions.filter((c) => !c.innocuous).map((c) => c.mnemonic).sort());
      expect(t.rewritten.user).toEqual(t.instructions.filter((c) => c.userSensitive).map((c) => c.mnemonic));
    }
    const x86 = translationClasses(isaOrThrow('pg32-x86'));
    expect(x86.rewritten.user).toEqual(['getr']);
    expect(x86.translateUser).toBe(true);
    expect(translationClasses(isaOrThrow('pg32-pdp10')).translateUser).toBe(false);
    expect(translationClasses(isaOrThrow('pg32')).rewritten.supervisor).toEqual(['lpsw', 'spsw', 'stimer', 'in', 'out', 'halt']);
  });

  it('a planted wrong classification (gpsw innocuous) makes bt run gpsw ident, and the kernel sees the real mode', () => {
    const isa = isaOrThrow('pg32-x86');
    const planted = fromClassifications(
      isa.name,
      translationClasses(isa).instructions.map((c) => (c.mnemonic === 'gpsw' ? { ...c, innocuous: true, modeSensitive: false } : c)),
    );
    const x86 = programs().find((p) => p.name === 'variants/x86.s')!;
    const cpu = new Cpu({ isa, memWords: 70000 });
    const vmm = new Vmm(cpu, { isa, monitor: 'bt', translationClasses: planted });
    const vm = vmm.createVm('vm1', 65536);
    const console = new Console();
    loadGuest(vm, image(x86, 'pg32-x86'), console);
    expect(vm.run(100_000)).toBe('halt');
    expect(console.text()).toMatch(/gpsw says flags = 0\n/); // deprivileged: user mode
    expect(x86.expected).toMatch(/gpsw says flags = 1\n/);
  });

  it('on pg32 the kernel never traps: its privileged instructions are rewritten; user tasks run directly', () => {
    const p = programs().find((q) => q.name === 'os/kernel.s')!;
    const r = checkEquivalence(image(p, 'pg32'), opts('pg32', p.input));
    const s = r.stats[0]!;
    expect(r.equivalent).toBe(true);
    expect(s.emulations).toBe(0);
    expect(s.traps[CAUSES.PRIV]).toBe(1); // task B's halt in user mode, reflected
    expect(s.bt.rewrittenExecuted).toBeGreaterThan(600);
    expect(s.direct).toBeGreaterThan(1000);
    expect(s.direct + s.bt.identExecuted + s.bt.rewrittenExecuted).toBe(r.virtual.instructions);
  });

  it('on pg32-x86 user code is translated too (getr is user-sensitive and not privileged): nothing runs directly', () => {
    const p = programs().find((q) => q.name === 'variants/x86.s')!;
    const s = checkEquivalence(image(p, 'pg32-x86'), opts('pg32-x86')).stats[0]!;
    expect(s.direct).toBe(0);
    expect(s.bt.callouts[CAUSES.SVC]).toBe(1); // the task's svc, from translated user code
    expect(s.monitorEntries).toBe(0);
  });
});

/** Run `src` bare and under bt (depth 1 and 2); both must agree; returns the bt VM of depth 1. */
function bareAndBt(src: string, isa = 'pg32') {
  const img = asm(src, isa);
  const o = { ...opts(isa), memWords: 4096 };
  for (const depth of [1, 2]) {
    const r = checkEquivalence(img, { ...o, depth });
    expect(r.differences, `depth ${depth}`).toEqual([]);
  }
  const stack = buildStack({ isa: isaOrThrow(isa), monitor: 'bt', depth: 1, count: 1, guestWords: 4096 });
  const vm = stack.guests[0]!;
  const console = new Console();
  loadGuest(vm, img, console);
  vm.run(1_000_000);
  const bare = runBare(img, { isa: isaOrThrow(isa), memWords: 4096, maxSteps: 1_000_000 });
  return { vm, out: console.text(), bare };
}

describe('the translation cache', () => {
  it('a loop over two blocks is chained: after the first round no lookups', () => {
    const { vm } = bareAndBt(`${HANDLER_PSW()}
        li   r1, 1000
loop:   addi r2, r2, 3
        beqz r0, next       ; always taken: the loop is two blocks
next:   addi r1, r1, -1
        bnez r1, loop
        halt
handler: halt`);
    const b = vm.stats.bt;
    expect(vm.regs[2]).toBe(3000);
    expect(b.chained).toBeGreaterThan(1900);
    expect(b.hits).toBeLessThan(5);
    expect(b.chains).toBeGreaterThanOrEqual(2);
  });

  it('code the guest rewrites is invalidated and translated again', () => {
    const { vm, out, bare } = bareAndBt(`${HANDLER_PSW()}
        li   r6, 10
loop:   addi r5, r5, 1        ; after three rounds: addi r5, r5, 2
        addi r6, r6, -1
        li   r7, 7
        bne  r6, r7, skip
        la   r8, loop
        la   r9, patch
        ld   r9, 0(r9)
        st   r9, 0(r8)
skip:   bnez r6, loop
        out  r5, 2
        halt
patch:  addi r5, r5, 2
handler: halt`);
    expect(out).toBe('17');
    expect(bare.console.text()).toBe('17');
    expect(vm.stats.bt.invalidations).toBe(1);
  });

  it('a store into the running block leaves right after it, and the new instruction runs', () => {
    const { vm } = bareAndBt(`${HANDLER_PSW()}
        la   r8, target
        la   r9, patch
        ld   r9, 0(r9)
        st   r9, 0(r8)
target: li   r4, 1            ; replaced by li r4, 2 before it runs
        halt
patch:  li   r4, 2
handler: halt`);
    expect(vm.regs[4]).toBe(2);
  });

  it('user code that writes over kernel code (running directly) invalidates the kernel translation', () => {
    const { vm, out } = bareAndBt(`${HANDLER_PSW()}
        b    kcode            ; first the kernel runs kcode twice (the second time, translated)
kcode:  li   r4, 'a'
        out  r4, 0
        addi r10, r10, 1
        li   r11, 2
        blt  r10, r11, kcode
        bne  r10, r11, stop   ; the third time, after the patch: stop
        la   r1, upsw
        lpsw r1               ; into user mode, base 0: the kernel's code is in reach
user:   la   r8, kcode
        la   r9, patch
        ld   r9, 0(r9)
        st   r9, 0(r8)        ; overwrite the kernel's first instruction
        svc  1
handler: ld  r2, 4(r0)
        li   r3, 4
        bne  r2, r3, stop
        b    kcode            ; the kernel runs kcode again: its words changed
stop:   halt
patch:  li   r4, 'b'
upsw:   .word 0, user, 0, 4096`);
    expect(out).toBe('aab');
    expect(vm.stats.bt.invalidations).toBe(1);
    expect(vm.stats.direct).toBeGreaterThan(0);
  });

  it('the guest timer interrupts at the exact instruction, inside a translated block', () => {
    const body = Array.from({ length: 20 }, () => '        addi r1, r1, 1').join('\n');
    const { vm, bare } = bareAndBt(`${HANDLER_PSW()}
        la   r2, ie_psw
        lpsw r2
ie:     li   r3, 5
        stimer r3
${body}
        halt
handler: halt
ie_psw: .word 3, ie, 0, 4096`);
    expect(bare.cpu.regs[1]).toBe(5);
    expect(vm.regs[1]).toBe(5);
    expect(vm.mem[4]).toBe(CAUSES.TIMER);
  });
});

describe('trapeze vmm --monitor bt --stats', () => {
  it('reports blocks, ident vs rewritten instructions, cache hits, chains and invalidations', async () => {
    const hello = programs().find((p) => p.name === 'hello.s')!;
    const io = memoryIo({ 'h.s': hello.source });
    expect(await main(['vmm', 'h.s', '--monitor', 'bt', '--stats'], io)).toBe(0);
    expect(io.stdout()).toBe('[h] Hello, world!\n');
    const err = io.stderr();
    expect(err).toMatch(/translated: \d+ blocks, \d+ instructions ident, \d+ rewritten/);
    expect(err).toMatch(/executed: \d+ ident \(\d+ of them stepped one at a time\), 15 rewritten \(no trap\)/);
    expect(err).toMatch(/cache: \d+ hits, \d+ chains made, \d+ chained transfers, 0 invalidations/);
    expect(err).toMatch(/monitor entries: 0; per byte of output: 0\.00/);
  });
});

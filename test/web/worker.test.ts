/**
 * The machine worker's protocol, in Node: what the page sees for each
 * action (load, run, step, reverse, breakpoints, input, Stop, the step
 * limit), with the worker's task queue pumped by hand.
 */
import { describe, expect, it } from 'vitest';
import type { FromMachine, MachineView, ToMachine } from '../../web/src/protocol.js';
import { MachineWorker } from '../../web/src/worker/machine.js';

function harness() {
  const sent: FromMachine[] = [];
  const queue: (() => void)[] = [];
  const w = new MachineWorker((m) => sent.push(m), (fn) => queue.push(fn));
  const send = (m: ToMachine) => w.handle(m);
  /** Run queued chunks until the worker posts a final view (or nothing is left to do). */
  const settle = (maxChunks = 10_000): MachineView => {
    for (let i = 0; i < maxChunks; i++) {
      const last = sent[sent.length - 1];
      if (last?.kind === 'view' && last.final) return last.view;
      if (last?.kind === 'loaded') return last.view;
      const next = queue.shift();
      if (!next) break;
      next();
    }
    const last = sent[sent.length - 1];
    if (last?.kind === 'view') return last.view;
    throw new Error(`no final view: last message ${JSON.stringify(last?.kind)}`);
  };
  const load = (source: string, extra: Partial<Extract<ToMachine, { kind: 'load' }>> = {}) => {
    send({ kind: 'load', source, file: 'p.s', isa: 'auto', memWords: 4096, input: '', endInput: false, breakpoints: [], ...extra });
    return sent[sent.length - 1]!;
  };
  /** The console as the page keeps it: each view's bytes replace what it had from `from` on. */
  const output = (): string => {
    let bytes = new Uint8Array(0);
    for (const m of sent) {
      if (m.kind !== 'view' && m.kind !== 'loaded') continue;
      const o = m.view.output;
      const next = new Uint8Array(o.from + o.bytes.length);
      next.set(bytes.subarray(0, o.from));
      next.set(o.bytes, o.from);
      bytes = next;
    }
    return new TextDecoder().decode(bytes);
  };
  return { sent, queue, send, settle, load, output };
}

const COUNT = ['start:  li r1, 3', 'loop:   addi r1, r1, -1', '        bne r1, r0, loop', "        li r2, 'K'", '        out r2, 0', '        halt'].join('\n');
const text = (v: MachineView) => new TextDecoder().decode(v.output.bytes);

describe('the machine worker', () => {
  it('loads, runs to halt, and reports the output and the counts', () => {
    const h = harness();
    const loaded = h.load(COUNT);
    expect(loaded.kind).toBe('loaded');
    if (loaded.kind === 'loaded') {
      expect(loaded.codeLines).toEqual([1, 2, 3, 4, 5, 6]);
      expect(loaded.view.status).toBe('ready');
    }
    h.send({ kind: 'action', action: 'run' });
    const v = h.settle();
    expect(v.status).toBe('halted');
    expect(text(v)).toBe('K');
    expect(v.message).toBe('halted after 10 steps (10 instructions, 0 traps)');
  });

  it('a source with errors is refused with every error', () => {
    const h = harness();
    const r = h.load('  addi r1\n  nope\n');
    expect(r.kind === 'load-failed' && r.errors.map((e) => e.line)).toEqual([1, 2]);
    h.send({ kind: 'action', action: 'step' });
    expect(h.sent[h.sent.length - 1]).toEqual({ kind: 'error', message: 'nothing is loaded: assemble a program first' });
  });

  it('steps, reverse-steps and resets, the output following', () => {
    const h = harness();
    h.load(COUNT);
    for (let i = 0; i < 9; i++) {
      h.send({ kind: 'action', action: 'step' });
      h.settle();
    }
    h.send({ kind: 'action', action: 'step' });
    let v = h.settle();
    expect([v.position, v.status, h.output()]).toEqual([10, 'halted', 'K']);
    h.send({ kind: 'action', action: 'reverse' });
    v = h.settle();
    expect([v.position, v.status, v.next]).toEqual([9, 'paused', 'halt']);
    h.send({ kind: 'action', action: 'reverse', count: 2 });
    v = h.settle();
    // The page drops the output from byte 0: the 'K' is not written yet.
    expect([v.position, v.output.from, h.output()]).toEqual([7, 0, '']);
    h.send({ kind: 'action', action: 'reset' });
    v = h.settle();
    expect([v.position, v.status, v.regs[1]]).toEqual([0, 'ready', 0]);
  });

  it('stops at breakpoints, placed on the next line with code', () => {
    const h = harness();
    h.load(COUNT);
    h.send({ kind: 'breakpoints', lines: [3] });
    expect(h.sent[h.sent.length - 1]).toEqual({ kind: 'breakpoints', lines: [3] });
    h.send({ kind: 'action', action: 'run' });
    let v = h.settle();
    expect([v.status, v.line, v.regs[1]]).toEqual(['breakpoint', 3, 2]);
    expect(v.message).toMatch(/^breakpoint at pc 0x[0-9a-f]{8} \(line 3\), step 2$/);
    h.send({ kind: 'action', action: 'continue' });
    v = h.settle();
    expect([v.status, v.regs[1]]).toEqual(['breakpoint', 1]);
  });

  it('an endless loop stops at the step limit with a message, and Stop stops it sooner', () => {
    const h = harness();
    h.send({ kind: 'settings', maxSteps: 50_000 });
    h.load('spin: b spin');
    h.send({ kind: 'action', action: 'run' });
    let v = h.settle();
    expect(v.status).toBe('limit');
    expect(v.message).toMatch(/^stopped at the step limit \(50,000 steps\)/);
    h.send({ kind: 'settings', maxSteps: 1e15 });
    h.send({ kind: 'action', action: 'continue' });
    h.queue.shift()?.(); // one chunk runs; then the page says Stop
    h.send({ kind: 'stop' });
    v = h.settle();
    expect(v.status).toBe('paused');
    expect(v.message).toMatch(/^stopped at step [\d,]+$/);
    // A chunk already queued does nothing once stopped.
    const said = h.sent.length;
    while (h.queue.length) h.queue.shift()!();
    expect(h.sent.length).toBe(said);
  });

  it('waits for input like a terminal, and resumes when a line comes', () => {
    const h = harness();
    h.load('start: li r2, -1\nloop: in r1, 1\n beq r1, r2, done\n out r1, 0\n b loop\ndone: halt\n');
    h.send({ kind: 'action', action: 'run' });
    let v = h.settle();
    expect(v.status).toBe('waiting');
    expect(v.next).toBe('in r1, 1');
    h.send({ kind: 'input', text: 'ok\n', end: false });
    v = h.settle();
    expect(v.status).toBe('waiting');
    expect(text(v)).toBe('ok\n');
    h.send({ kind: 'input', text: '', end: true });
    v = h.settle();
    expect(v.status).toBe('halted');
    expect(v.inputEnded).toBe(true);
  });

  it('a check-stop names the cause, the pc and why', () => {
    const h = harness();
    h.load('start: li r1, 1\n div r1, r1, r0\n halt\n');
    h.send({ kind: 'action', action: 'run' });
    const v = h.settle();
    expect(v.status).toBe('checkstop');
    expect(v.message).toBe('check-stop: ARITH trap at pc 0x00000011 (line 2), info 0x04110000: no trap handler installed (new PSW bound is 0)');
    expect(v.traps).toEqual([expect.objectContaining({ name: 'ARITH', pc: 17, line: 2, supervisor: true })]);
  });

  it('the memory view follows the pc, or an address', () => {
    const h = harness();
    h.load(COUNT);
    h.send({ kind: 'memory', follow: 0x100 });
    let v = h.settle();
    expect(v.memory.start).toBe(0x100);
    h.send({ kind: 'memory', follow: 'pc' });
    v = h.settle();
    expect(v.memory.start).toBeLessThanOrEqual(16);
    expect(v.memory.start + v.memory.words.length).toBeGreaterThan(16);
  });
});

/**
 * The machine worker's side of the debugger: it owns the DebugSession and
 * runs the page's actions in chunks of about CHUNK_MS, yielding between
 * chunks so that Stop, input and breakpoint changes are heard at once, and
 * posting a view of the machine as it goes (at most every POST_MS).
 */
import { causeName, DEFAULT_MEM_WORDS } from '../../../src/isa/table.js';
import type { IncludeReader } from '../../../src/asm/index.js';
import { DebugSession, type Stop } from '../machine/debugger.js';
import type { DebugAction, FromMachine, MachineView, Status, ToMachine } from '../protocol.js';

const CHUNK_MS = 25;
const POST_MS = 100;
/** the memory view: rows of 8 words */
export const MEMORY_ROWS = 12;
const ROW = 8;
/** trap log entries sent to the page */
const TRAP_ROWS = 200;
export const DEFAULT_MAX_STEPS = 1_000_000_000;

interface Running {
  readonly kind: 'continue' | 'step';
  /** the position the action started at (a breakpoint there does not stop it) */
  readonly from: number;
  /** stop here at the latest: the step count, or the step limit */
  readonly end: number;
  readonly t0: number;
  readonly i0: number;
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const fmt = (n: number) => n.toLocaleString('en-US');

export class MachineWorker {
  private session: DebugSession | null = null;
  private running: Running | null = null;
  /** an action interrupted by a read with no input yet: it resumes when input comes */
  private waiting: Running | null = null;
  private status: Status = 'ready';
  private message = '';
  private speed: MachineView['speed'];
  private chunk = 1 << 20;
  private follow: 'pc' | number = 'pc';
  private maxSteps = DEFAULT_MAX_STEPS;
  private sentOut = 0;
  private lastPost = 0;

  constructor(
    private readonly post: (m: FromMachine) => void,
    /** run `fn` as a new task, after any message already queued */
    private readonly schedule: (fn: () => void) => void,
    /** reads `.include`d files */
    private readonly include?: IncludeReader,
  ) {}

  handle(m: ToMachine): void {
    switch (m.kind) {
      case 'load':
        return this.load(m);
      case 'settings':
        this.maxSteps = m.maxSteps;
        return;
      case 'memory':
        this.follow = m.follow;
        return this.postView(true);
      case 'breakpoints':
        if (this.session) this.post({ kind: 'breakpoints', lines: this.session.setBreakpoints(m.lines) });
        return;
      case 'stop':
        if (!this.running && !this.waiting) return this.postView(true);
        this.running = null;
        this.waiting = null;
        this.pause('paused', `stopped at step ${fmt(this.position())}`);
        return;
      case 'input':
        return this.input(m.text, m.end);
      case 'action':
        return this.act(m.action, m.count ?? 1);
    }
  }

  private position(): number {
    return this.session?.position() ?? 0;
  }

  private load(m: Extract<ToMachine, { kind: 'load' }>): void {
    this.running = null;
    this.waiting = null;
    this.speed = undefined;
    const r = DebugSession.load({ source: m.source, file: m.file, isa: m.isa, memWords: m.memWords || DEFAULT_MEM_WORDS, ...(this.include ? { include: this.include } : {}), ...(m.loads?.length ? { loads: m.loads } : {}) });
    if ('errors' in r) {
      this.session = null;
      this.post({ kind: 'load-failed', errors: r.errors });
      return;
    }
    const s = r.session;
    this.session = s;
    this.sentOut = 0;
    if (m.input) s.console.feed(new TextEncoder().encode(m.input));
    if (m.endInput) s.console.end();
    const placed = s.setBreakpoints(m.breakpoints);
    this.status = 'ready';
    this.message = `loaded for ${s.isa.name}: entry ${hex(s.cpu.pc)}, ${fmt(s.cpu.memWords)} words of storage; ready at step 0`;
    const labels = [...s.image.labels].map((l) => [l, s.image.symbols.get(l)!] as const);
    this.post({ kind: 'loaded', isa: s.isa.name, codeLines: s.codeLines(), breakpoints: placed, labels, view: this.view() });
  }

  private act(action: DebugAction, count: number): void {
    const s = this.session;
    if (!s) return this.post({ kind: 'error', message: 'nothing is loaded: assemble a program first' });
    this.waiting = null;
    this.running = null;
    this.speed = undefined;
    const now = () => ({ t0: performance.now(), i0: s.cpu.instret });
    switch (action) {
      case 'reset':
        s.reset();
        return this.pause('ready', 'reset: back at step 0 (the input typed so far will be read again)');
      case 'reverse': {
        if (s.position() === 0) return this.pause('ready', 'at step 0: there is nothing before it');
        const t0 = performance.now();
        s.reverse(count);
        const ms = performance.now() - t0;
        return this.pause(s.position() === 0 ? 'ready' : 'paused', `stepped back to step ${fmt(s.position())} (${ms < 1 ? '<1' : ms.toFixed(0)} ms)`);
      }
      case 'run':
        s.reset();
        this.start({ kind: 'continue', from: 0, end: this.maxSteps, ...now() });
        return;
      case 'continue':
        this.start({ kind: 'continue', from: s.position(), end: s.position() + this.maxSteps, ...now() });
        return;
      case 'step':
        this.start({ kind: 'step', from: s.position(), end: s.position() + Math.max(1, count), ...now() });
        return;
    }
  }

  private start(r: Running): void {
    const s = this.session!;
    if (s.cpu.halted) return this.pause('halted', 'the machine has halted: Reset or Run to start again');
    if (s.cpu.checkStop) return this.pause('checkstop', 'the machine is check-stopped: Reset or Run to start again');
    this.running = r;
    this.status = 'running';
    this.message = r.kind === 'step' ? 'stepping…' : 'running…';
    this.lastPost = performance.now();
    this.tick();
  }

  private tick = (): void => {
    const r = this.running;
    const s = this.session;
    if (!r || !s) return;
    const n = Math.min(this.chunk, r.end - s.position());
    const t = performance.now();
    const stop = s.advance(n, r.kind === 'continue' ? r.from : null);
    const dt = performance.now() - t;
    // Aim at CHUNK_MS per chunk, so a Stop is heard within about that long.
    if (stop === 'budget' && n === this.chunk) this.chunk = Math.max(1e4, Math.min(5e8, Math.round((this.chunk * CHUNK_MS) / Math.max(dt, 0.5))));
    if (stop === 'budget' && s.position() < r.end) {
      if (performance.now() - this.lastPost >= POST_MS) {
        this.lastPost = performance.now();
        this.postView(false);
      }
      this.schedule(this.tick);
      return;
    }
    this.finish(r, stop);
  };

  private finish(r: Running, stop: Stop): void {
    const s = this.session!;
    this.running = null;
    const ms = performance.now() - r.t0;
    const instructions = s.cpu.instret - r.i0;
    if (ms >= 1 && instructions > 0) this.speed = { instructions, ms };
    const at = () => {
      const line = s.currentLine();
      return `pc ${hex(s.cpu.pc)}${line ? ` (line ${line})` : ''}`;
    };
    switch (stop) {
      case 'halt':
        return this.pause('halted', `halted after ${fmt(s.position())} steps (${fmt(s.cpu.instret)} instructions, ${fmt(s.cpu.trapCount)} traps)`);
      case 'checkstop': {
        const c = s.cpu.checkStop!;
        const line = s.lineOf(s.cpu.base + c.pc);
        return this.pause('checkstop', `check-stop: ${causeName(c.cause)} trap at pc ${hex(c.pc)}${line ? ` (line ${line})` : ''}, info ${hex(c.info)}: ${c.why}`);
      }
      case 'breakpoint':
        return this.pause('breakpoint', `breakpoint at ${at()}, step ${fmt(s.position())}`);
      case 'waiting':
        this.waiting = { ...r };
        return this.pause('waiting', `waiting for input at ${at()}: type a line and press Enter (Ctrl+D ends the input)`);
      default:
        if (r.kind === 'step') return this.pause('paused', `step ${fmt(s.position())} at ${at()}`);
        return this.pause('limit', `stopped at the step limit (${fmt(this.maxSteps)} steps) at ${at()}: Continue runs as many again; the limit is in Settings`);
    }
  }

  private input(text: string, end: boolean): void {
    const s = this.session;
    if (!s) return;
    if (text) s.console.feed(new TextEncoder().encode(text));
    if (end) s.console.end();
    const w = this.waiting;
    if (w && !this.running) {
      this.waiting = null;
      // Resume the interrupted action where it waited.
      this.start({ ...w, t0: performance.now(), i0: s.cpu.instret });
    } else this.postView(!this.running);
  }

  private pause(status: Status, message: string): void {
    this.status = status;
    this.message = message;
    this.postView(true);
  }

  private postView(final: boolean): void {
    if (!this.session) return;
    this.post({ kind: 'view', view: this.view(), final });
  }

  private view(): MachineView {
    const s = this.session!;
    const cpu = s.cpu;
    const out = s.console.output();
    const from = Math.min(this.sentOut, out.length);
    this.sentOut = out.length;
    const words = MEMORY_ROWS * ROW;
    let start = this.follow === 'pc' ? Math.floor((cpu.base + cpu.pc) / ROW) * ROW - 4 * ROW : Math.floor(this.follow / ROW) * ROW;
    start = Math.max(0, Math.min(start, cpu.memWords - words));
    const traps = s.traps(TRAP_ROWS);
    return {
      status: this.status,
      message: this.message,
      position: s.position(),
      instret: cpu.instret,
      regs: [...cpu.regs],
      flags: cpu.flags,
      pc: cpu.pc,
      base: cpu.base,
      bound: cpu.bound,
      timer: cpu.timer,
      pending: cpu.pending,
      memWords: cpu.memWords,
      line: s.currentLine(),
      next: s.nextInstruction(),
      memory: { start, words: [...cpu.mem.subarray(start, start + words)] },
      output: { from, bytes: out.slice(from) },
      unreadInput: s.console.unread,
      inputEnded: s.console.inputEnded,
      traps: traps.entries,
      trapTotal: traps.total,
      ...(this.speed ? { speed: this.speed } : {}),
    };
  }
}

/**
 * The lab worker: the checker, the monitors and the benchmarks, away from
 * the page. Long jobs (a VMM run, the benchmarks) go a slice at a time and
 * post progress; the checker runs in one go (about two seconds), and the
 * page's Stop ends this worker if it does not answer.
 */
import type { IncludeReader } from '../../../src/asm/index.js';
import { BenchRun } from '../lab/bench.js';
import { classifyView } from '../lab/classify.js';
import { equivView } from '../lab/equiv.js';
import { checkOptions, prepareGuests, VirtualizeRun } from '../lab/virtualize.js';
import type { ClassifyView, FromLab, ToLab } from '../protocol.js';

const SLICE_MS = 25;
const POST_MS = 100;

export class LabWorker {
  /** the job in progress; a new request or Stop replaces it */
  private job = 0;
  /** reports by ISA name: the checker is deterministic, so asking again is instant */
  private readonly classified = new Map<string, ClassifyView>();

  constructor(
    private readonly post: (m: FromLab) => void,
    private readonly schedule: (fn: () => void) => void,
    /** reads `.include`d files */
    private readonly include?: IncludeReader,
  ) {}

  handle(m: ToLab): void {
    const job = ++this.job;
    try {
      switch (m.kind) {
        case 'stop':
          return this.post({ kind: 'stopped' });
        case 'classify': {
          const r = this.classified.get(m.isa) ?? classifyView(m.isa);
          if (!('error' in r)) this.classified.set(m.isa, r);
          return this.post('error' in r ? { kind: 'error', message: r.error } : { kind: 'classified', report: r });
        }
        case 'virtualize': {
          if (m.guests.length === 0) return this.post({ kind: 'error', message: 'add at least one guest' });
          const bad = checkOptions(m, m.guests.length);
          if (bad) return this.post({ kind: 'error', message: bad });
          const g = prepareGuests(m.guests, m.isa, this.include);
          if ('errors' in g) return this.post({ kind: 'error', message: 'a guest does not assemble', errors: g.errors });
          const run = new VirtualizeRun(
            g.images,
            m.guests.map((x) => x.name),
            m.guests.map((x) => x.input),
            g.isa,
            { monitor: m.monitor, quantum: m.quantum, depth: m.depth, memWords: m.memWords, maxSteps: m.maxSteps },
          );
          let last = performance.now();
          const tick = () => {
            if (job !== this.job) return;
            try {
              run.runFor(SLICE_MS);
            } catch (e) {
              return this.post({ kind: 'error', message: `the monitor failed: ${(e as Error).message}` });
            }
            if (run.done) return this.post({ kind: 'vmm', run: run.view(), final: true });
            if (performance.now() - last >= POST_MS) {
              last = performance.now();
              this.post({ kind: 'vmm', run: run.view(), final: false });
            }
            this.schedule(tick);
          };
          return tick();
        }
        case 'equiv': {
          const bad = checkOptions({ monitor: 'trap-emulate', ...m }, m.vms);
          if (bad) return this.post({ kind: 'error', message: bad });
          const g = prepareGuests([m.guest], m.isa, this.include);
          if ('errors' in g) return this.post({ kind: 'error', message: 'the program does not assemble', errors: g.errors });
          return this.post({ kind: 'equiv', result: equivView(g.images[0]!, m.guest.name, m.guest.input, g.isa, m) });
        }
        case 'bench': {
          const run = new BenchRun(m.iterations);
          const tick = () => {
            if (job !== this.job) return;
            try {
              run.next();
            } catch (e) {
              return this.post({ kind: 'error', message: (e as Error).message });
            }
            this.post({ kind: 'bench', result: run.view(), final: run.done });
            if (!run.done) this.schedule(tick);
          };
          return tick();
        }
      }
    } catch (e) {
      this.post({ kind: 'error', message: `internal error (a bug in trapeze, please report it): ${(e as Error).message}` });
    }
  }
}

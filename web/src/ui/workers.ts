/**
 * A worker as the page talks to it. Stop always works: the page asks the
 * worker to stop; a worker that has not answered within STOP_MS (stuck in a
 * long step) is ended and a fresh one started, and the owner is told.
 */
const STOP_MS = 600;

/** What a view needs of its worker. */
export interface Port<In> {
  send(m: In): void;
  /** ask it to stop; a worker that does not answer is ended */
  stop(m: In): void;
}

/** A worker started only when first sent something (a page loads faster without the ones it does not use yet). */
export function lazyWorker<In>(start: () => Port<In>): Port<In> {
  let port: Port<In> | undefined;
  return {
    send: (m) => (port ??= start()).send(m),
    stop: (m) => port?.stop(m),
  };
}

export class WorkerClient<In extends { kind: string }, Out> implements Port<In> {
  private worker!: Worker;
  private stopTimer: number | undefined;
  /** a message is being waited for */
  busy = false;

  constructor(
    private readonly role: 'machine' | 'lab',
    private readonly onMessage: (m: Out) => void,
    /** the worker was ended (it did not answer Stop, or it failed): its state is gone */
    private readonly onRestart: (why: string) => void,
  ) {
    this.start();
  }

  private start(): void {
    this.worker = new Worker('worker.js', { name: `trapeze-${this.role}` });
    this.worker.postMessage({ kind: 'role', role: this.role });
    this.worker.onmessage = (e: MessageEvent<Out>) => {
      if (this.stopTimer !== undefined) {
        clearTimeout(this.stopTimer);
        this.stopTimer = undefined;
      }
      this.onMessage(e.data);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      const why = `the ${this.role} worker failed: ${e.message || 'an error'} (a bug in trapeze, please report it)`;
      console.error(`trapeze: ${why}`);
      this.restart(why);
    };
  }

  send(m: In): void {
    this.worker.postMessage(m);
  }

  /** Ask the worker to stop; end it if it does not answer in time. */
  stop(stopMessage: In): void {
    this.send(stopMessage);
    if (this.stopTimer !== undefined) return;
    this.stopTimer = window.setTimeout(() => {
      this.stopTimer = undefined;
      this.restart(`the ${this.role} worker did not answer Stop within ${STOP_MS} ms, so it was ended and started afresh`);
    }, STOP_MS);
  }

  private restart(why: string): void {
    this.worker.terminate();
    this.start();
    this.onRestart(why);
  }
}

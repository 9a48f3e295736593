/**
 * The playground's Web Worker. The page starts two: one for the debugger's
 * machine, one for the lab (checker, monitors, benchmarks); each answers
 * only its own messages. Work is done in chunks scheduled through a
 * MessageChannel (no timer clamping), so a message from the page (Stop) is
 * handled between any two chunks.
 */
import { includeProgramFile } from './files.js';
import type { FromLab, FromMachine, ToLab, ToMachine } from './protocol.js';
import { LabWorker } from './worker/lab.js';
import { MachineWorker } from './worker/machine.js';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
}
const scope = self as unknown as WorkerScope;

const channel = new MessageChannel();
const queue: (() => void)[] = [];
channel.port1.onmessage = () => queue.shift()?.();
function schedule(fn: () => void): void {
  queue.push(fn);
  channel.port2.postMessage(0);
}

const machine = new MachineWorker((m: FromMachine) => scope.postMessage(m), schedule, includeProgramFile);
const lab = new LabWorker((m: FromLab) => scope.postMessage(m), schedule, includeProgramFile);

const LAB_KINDS: ReadonlySet<string> = new Set(['classify', 'virtualize', 'equiv', 'bench']);
let role: 'machine' | 'lab' | null = null;

scope.onmessage = (e: MessageEvent<ToMachine | ToLab | { kind: 'role'; role: 'machine' | 'lab' }>) => {
  const m = e.data;
  if (m.kind === 'role') {
    role = m.role;
    return;
  }
  if (role === 'lab' || LAB_KINDS.has(m.kind)) lab.handle(m as ToLab);
  else machine.handle(m as ToMachine);
};

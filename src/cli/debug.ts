/**
 * trapeze debug: the debugger on the command line. The engine and the
 * command language are src/debug (no Node there); this file loads the
 * program(s), then reads commands from a terminal (readline: history, tab
 * completion, Ctrl-C stops a running program) or from a script (--batch
 * FILE, or any stdin that is not a terminal), which prints the same
 * transcript: each command after the prompt, then what it printed.
 */
import { createInterface } from 'node:readline';
import { Console } from '../cpu/devices.js';
import { Cpu } from '../cpu/cpu.js';
import { Session, type DebugHost } from '../debug/commands.js';
import { BareTarget, VmmTarget, type Target } from '../debug/target.js';
import { resolveIsa } from '../isa/table.js';
import { decodeSnapshot, isSnapshotFile, type Snapshot } from '../snapshot/format.js';
import { resumeBare, resumeVmm, startVmm } from '../snapshot/machine.js';
import { intFlag, parseArgs, stringFlag } from './args.js';
import { commonIsa, LOAD_FLAGS, LOAD_USAGE, loadMain, MACHINE_FLAGS, MACHINE_USAGE, machineOptions } from './common.js';
import type { LoadedProgram } from '../asm/program.js';
import { readInput, UsageError, type Io } from './io.js';
import { checkStackSize, DEFAULT_QUANTUM, monitorFlag, names } from './vmm.js';

const DEFAULT_VM_WORDS = 65536;
const PROMPT = '(trapeze) ';

const USAGE = [
  'usage: trapeze debug FILE.s|FILE.img|FILE.snap [options]',
  '       trapeze debug --vmm FILE... [--monitor M] [--depth N] [--quantum N] [options]',
  '',
  "A debugger with gdb's commands: break, watch, catch, step, next, finish, until, continue,",
  'reverse-step, reverse-next, reverse-continue, info, x, print, list, disassemble, snapshot, quit',
  '("help" inside lists them). Reverse execution is exact: the machine goes back to where it was.',
  'On a terminal: readline with history and tab completion; Ctrl-C stops a running program.',
  '',
  '  --batch FILE       read the commands from FILE (also: any stdin that is not a terminal) and',
  '                     print the transcript: each command after the prompt, then its output',
  '  --input FILE       the guest console input (default: none; stdin carries the commands)',
  '  --vmm              run the programs as VMs under a monitor: vm N focuses on one, catch emulate',
  '                     and catch monitor watch the monitor work',
  '  --monitor M        with --vmm: trap-emulate (default), hybrid or hw (catch exit sees its VM exits)',
  '  --depth N          with --vmm: monitors stacked (default 1)',
  `  --quantum N        with --vmm: guest steps per time slice (default ${DEFAULT_QUANTUM})`,
  '  --history MIB      storage pages the reverse-execution history may hold (default 256)',
  ...LOAD_USAGE,
  ...MACHINE_USAGE,
  '',
  'exit status: 0 the commands ran (quit N: N), 1 a program or snapshot could not be loaded,',
  '2 usage, 5 a command failed (batch: the transcript goes on; the status says so)',
].join('\n');

export async function debugCommand(args: string[], io: Io): Promise<number> {
  const p = parseArgs(
    'debug',
    args,
    { ...MACHINE_FLAGS, ...LOAD_FLAGS, input: { value: true }, batch: { value: true }, vmm: {}, monitor: { value: true }, depth: { value: true }, quantum: { value: true }, history: { value: true }, help: { short: 'h' } },
    USAGE,
  );
  if (p.flags.has('help')) {
    io.out(USAGE + '\n');
    return 0;
  }
  const vmm = p.flags.has('vmm');
  if (p.positional.length === 0) throw new UsageError(`trapeze debug: expected a program file${vmm ? ' (or several)' : ''}\n${USAGE}`);
  if (!vmm && p.positional.length > 1) throw new UsageError(`trapeze debug: one program at a time on the bare machine (--vmm runs several as VMs), got ${p.positional.length}`);
  for (const f of ['monitor', 'depth', 'quantum'])
    if (!vmm && p.flags.has(f)) throw new UsageError(`trapeze debug: --${f} goes with --vmm`);
  if (vmm && !p.flags.has('mem')) p.flags.set('mem', String(DEFAULT_VM_WORDS));
  const opts = machineOptions('debug', p);
  const isaGiven = opts.isaFlag;
  const historyBytes = intFlag('debug', p, 'history', 256, 1, 65536) * 1024 * 1024;
  const inputFile = stringFlag(p, 'input');
  const input = inputFile !== undefined ? readInput(io, inputFile) : new Uint8Array(0);

  const fromSnapshot = (s: Snapshot, name: string): Target | { error: string } => {
    const isa = resolveIsa(s.isa);
    if ('error' in isa) return { error: `${name}: made for an ISA this trapeze does not know (${s.isa})` };
    if (isaGiven && isa.name !== isaGiven.name) return { error: `${name}: a snapshot of a ${isa.name} machine, not ${isaGiven.name}` };
    try {
      if (s.kind === 'bare') {
        const { cpu, console } = resumeBare(s, isa);
        return new BareTarget(cpu, console, s.programs[0]!, opts.maxSteps);
      }
      return new VmmTarget(resumeVmm(s, isa, new Uint8Array(0), { maxSteps: opts.maxSteps }), s.programs);
    } catch (e) {
      if (e instanceof RangeError) return { error: `${name}: ${e.message}` };
      throw e;
    }
  };

  let target: Target;
  let title: string;
  const first = p.positional[0]!;
  const firstBytes = readInput(io, first);
  if (isSnapshotFile(firstBytes)) {
    if (p.positional.length > 1) throw new UsageError('trapeze debug: a snapshot holds every program of its run: give it alone');
    const s = decodeSnapshot(firstBytes, first);
    if ('error' in s) throw new UsageError(`trapeze debug: ${s.error}`, 1);
    const t = fromSnapshot(s, first);
    if ('error' in t) throw new UsageError(`trapeze debug: ${t.error}`, 1);
    target = t;
    title = `${first} (${s.programs.map((x) => x.name).join(', ')})`;
  } else if (!vmm) {
    const { image, isa } = await loadMain('debug', io, p, first, opts.isaFlag, opts.memWords);
    const console = new Console(input);
    const cpu = new Cpu({ isa, memWords: opts.memWords, devices: console });
    try {
      cpu.load(image);
    } catch (e) {
      throw new UsageError(`trapeze debug: ${first}: ${(e as Error).message} (try a larger --mem)`, 1);
    }
    target = new BareTarget(cpu, console, { name: first, image }, opts.maxSteps);
    title = first;
  } else {
    const monitor = monitorFlag('debug', p);
    const depth = intFlag('debug', p, 'depth', 1, 1, 16);
    const quantum = intFlag('debug', p, 'quantum', DEFAULT_QUANTUM, 1, 1e9);
    const programs: LoadedProgram[] = [];
    for (const f of p.positional) programs.push(await loadMain('debug', io, p, f, opts.isaFlag, opts.memWords));
    const isa = commonIsa('debug', p.positional, programs, opts.isaFlag);
    const images = programs.map((x) => x.image);
    checkStackSize('debug', images.length, depth, opts.memWords, monitor);
    let run;
    try {
      run = startVmm(images, input, { isa, monitor, depth, quantum, guestWords: opts.memWords, maxSteps: opts.maxSteps });
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(`trapeze debug: ${e.message} (try a larger --mem)`, 1);
      throw e;
    }
    const vmNames = names(p.positional);
    target = new VmmTarget(run, images.map((image, i) => ({ name: vmNames[i]!, image })));
    title = `${p.positional.join(', ')} under the ${monitor} monitor${depth > 1 ? ` (depth ${depth})` : ''}`;
  }

  const host: DebugHost = {
    print: (t) => io.out(t),
    readFile: (path) => {
      try {
        return io.readFile(path);
      } catch (e) {
        return { error: fileError(path, e, 'read') };
      }
    },
    writeFile: (path, data) => {
      try {
        io.writeFile(path, data);
        return undefined;
      } catch (e) {
        return { error: fileError(path, e, 'write') };
      }
    },
  };
  const session = new Session(target, { maxSteps: opts.maxSteps, historyBytes }, host, { fromSnapshot, title });

  const script = stringFlag(p, 'batch');
  if (script !== undefined || !io.terminal) {
    const text = new TextDecoder().decode(script !== undefined ? readInput(io, script) : io.stdin());
    return batch(session, io, text);
  }
  return interactive(session, io, io.terminal);
}

/** Commands from a script: each is echoed after the prompt, as a terminal would show it. */
async function batch(session: Session, io: Io, text: string): Promise<number> {
  session.printBanner();
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    io.out(`${PROMPT}${line}\n`);
    const r = await session.execute(line);
    if (r.quit !== undefined) return r.quit;
  }
  return session.errors > 0 ? 5 : 0;
}

async function interactive(session: Session, io: Io, term: NonNullable<Io['terminal']>): Promise<number> {
  let running = false;
  const host = session.host as DebugHost & { breathe?: () => Promise<void> };
  host.breathe = () => new Promise((resolve) => setImmediate(resolve));
  const rl = createInterface({
    input: term.input,
    output: term.output,
    prompt: PROMPT,
    // a person types, the output may go to a file (trapeze debug x.s | tee log): line editing only on a terminal
    terminal: term.tty,
    historySize: 1000,
    completer: (line: string) => session.complete(line),
  });
  rl.on('SIGINT', () => {
    if (running) session.engine.interrupt();
    else {
      io.out('^C (quit ends the session)\n');
      rl.prompt();
    }
  });
  session.printBanner();
  rl.prompt();
  let status = 0;
  for await (const line of rl) {
    running = true;
    const r = await session.execute(line);
    running = false;
    if (r.quit !== undefined) {
      status = r.quit;
      break;
    }
    rl.prompt();
  }
  rl.close();
  return status;
}

function fileError(path: string, e: unknown, verb: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? (verb === 'read' ? 'no such file' : 'no such directory') : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  return `cannot ${verb} '${path}': ${why}`;
}



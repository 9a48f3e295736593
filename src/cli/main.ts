/**
 * trapeze: the command line. Each command lives in its own file and returns
 * an exit status; this file only dispatches and turns user mistakes
 * (UsageError) into one line on stderr. Anything else is a bug in trapeze and
 * is reported as such.
 */
import { createRequire } from 'node:module';
import { UsageError, type Io } from './io.js';

export type Command = (args: string[], io: Io) => number | Promise<number>;

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

const COMMANDS: Record<string, Entry> = {
  asm: { summary: 'assemble FILE.s into an image', load: async () => (await import('./asm.js')).asmCommand },
  disasm: { summary: 'disassemble an image (or FILE.s)', load: async () => (await import('./disasm.js')).disasmCommand },
  run: { summary: 'run a program on the bare machine', load: async () => (await import('./run.js')).runCommand },
  vmm: { summary: 'run programs as VMs under a monitor: trap-and-emulate, hybrid, bt or hw', load: async () => (await import('./vmm.js')).vmmCommand },
  debug: { summary: 'a debugger that steps backwards (gdb commands, snapshots, the monitor at work)', load: async () => (await import('./debug.js')).debugCommand },
  equiv: { summary: 'run a program bare and virtualized and compare the results', load: async () => (await import('./equiv.js')).equivCommand },
  classify: { summary: 'derive Popek-Goldberg classes by execution; decide Theorems 1-3', load: async () => (await import('./classify.js')).classifyCommand },
  web: { summary: 'serve the browser playground on 127.0.0.1 and print its address', load: async () => (await import('./web.js')).webCommand },
};

/** Set by the build (bin/build.js) from package.json; absent when the sources run directly (tests). */
declare const __TRAPEZE_VERSION__: string | undefined;

export function version(): string {
  if (typeof __TRAPEZE_VERSION__ === 'string') return __TRAPEZE_VERSION__;
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

export function help(): string {
  const lines = [
    'trapeze — assemble, run, classify and virtualize PG32 (Popek & Goldberg, 1974)',
    '',
    'usage: trapeze COMMAND [options]   (trapeze COMMAND --help for its options)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, e]) => `  ${name.padEnd(10)}${e.summary}`),
    '',
    'options:',
    '  --help, -h    this text',
    '  --version     print the version',
    '',
  ];
  return lines.join('\n');
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.out(help());
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === '-V') {
      io.out(`trapeze ${version()}\n`);
      return 0;
    }
    const entry = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (!entry) throw new UsageError(`trapeze: unknown command '${cmd}' (commands: ${Object.keys(COMMANDS).join(', ')}; see trapeze --help)`);
    return await (await entry.load())(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) io.err(e.message.endsWith('\n') ? e.message : e.message + '\n');
      return e.status;
    }
    io.err(`trapeze: internal error (a bug in trapeze, please report it): ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}

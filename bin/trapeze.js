#!/usr/bin/env node
// The trapeze command: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

// A reader that stops early (`trapeze classify | head`) closes the pipe:
// stop quietly, as Unix tools do, instead of dying with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

register();
const { main } = await import('../src/cli/main.ts');
const { processIo } = await import('../src/cli/io.ts');
process.exitCode = await main(process.argv.slice(2), processIo());

/**
 * The `trapeze` executable's entry point: bundled by esbuild into
 * dist/cli.js (npm run build), which bin/trapeze.js starts. Each command is a
 * chunk of its own, loaded when named, and the assembler (with Chevrotain)
 * only when a source file is assembled, so `trapeze run prog.img` and
 * `trapeze --version` load neither.
 */
import { processIo } from './io.js';
import { main } from './main.js';

// A reader that stops early (`trapeze classify | head`) closes the pipe:
// stop quietly, as Unix tools do, instead of dying with a stack trace.
// (stdout is written synchronously and handles EPIPE itself: see io.ts.)
process.stderr.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2), processIo());

/**
 * The `trapeze` executable's entry point: bundled by esbuild into
 * dist/cli.js (npm run build), which bin/trapeze.js starts. Each command is a
 * chunk of its own, loaded when named, and the assembler (with Chevrotain)
 * only when a source file is assembled, so `trapeze run prog.img` and
 * `trapeze --version` load neither.
 */
import { processIo } from './io.js';
import { main } from './main.js';

// stdout and stderr are written synchronously by processIo, which also ends
// quietly when a reader closes the pipe early (`trapeze classify | head`).
process.exitCode = await main(process.argv.slice(2), processIo());

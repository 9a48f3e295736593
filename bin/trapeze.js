#!/usr/bin/env node
// The trapeze command: the compiled bundle in dist/ (built by `npm run build`,
// which `npm install` runs as its `prepare` step). No TypeScript at run time.
try {
  await import('../dist/cli.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    process.stderr.write('trapeze: not built yet: run `npm run build` (npm install does it) in the trapeze directory\n');
    process.exit(70);
  }
  throw e;
}

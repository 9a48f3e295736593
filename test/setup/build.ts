/**
 * Before any test: bundle the command (dist/, esbuild, well under a second),
 * so tests that start the real `trapeze` binary never run a stale build.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const build = fileURLToPath(new URL('../../bin/build.js', import.meta.url));
  const r = spawnSync(process.execPath, [build, '--js'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

/**
 * trapeze as a user gets it from npm: the packed tarball, installed into a
 * fresh project outside the repository (offline: it has no dependencies to
 * fetch), its types checked by a consumer's strict TypeScript with no Node
 * types, its API run, and its `trapeze` binary run from there.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: NPM_ENV, ...opts });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
function ok(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = sh(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r;
}

/** A consumer's code: every name the README's "The library" section promises, typed. */
const CONSUMER = `
import { assemble, loadProgram, Cpu, Console, Vmm, type Monitor, buildStack, loadGuest, roundRobin, classify, checkEquivalence, isa, encodeImage, decodeImage, disassembleImage, causeName, CAUSES, type Image, type StopReason, type Report, type EquivResult } from 'trapeze';

const src = 'start: li r1, 42\\n out r1, 2\\n halt\\n';
const asm = assemble(src, 'p.s');
if (!asm.image) throw new Error(asm.errors.map((e) => e.message).join('; '));
const image: Image = asm.image;

// the bare machine
const out = new Console();
const cpu = new Cpu({ isa: isa('pg32'), devices: out });
cpu.load(image);
const reason: StopReason = cpu.run(1000);

// an image file round trip, then loadProgram tells it from source
const file: Uint8Array = encodeImage(image);
const back = decodeImage(file, 'p.img');
if ('error' in back) throw new Error(back.error);
const loaded = loadProgram(file, 'p.img');
if ('errors' in loaded) throw new Error(loaded.errors.join('; '));

// under a trap-and-emulate monitor
const stack = buildStack({ isa: loaded.isa, monitor: 'trap-emulate', depth: 1, count: 1, guestWords: 4096 });
const guest = stack.guests[0]!;
loadGuest(guest, image, new Console());
const [outcome] = roundRobin(stack.guests, { quantum: 100, maxSteps: 10_000 });
const monitor: Monitor = stack.innermost;
if (!(monitor instanceof Vmm)) throw new Error('trap-and-emulate is the Vmm');

// hardware assist: the same guest in the vt guest mode
const hw = buildStack({ isa: loaded.isa, monitor: 'hw', depth: 1, count: 1, guestWords: 4096 });
loadGuest(hw.guests[0]!, image, new Console());
const [hwOutcome] = roundRobin(hw.guests, { quantum: 100, maxSteps: 10_000 });

const report: Report = classify('pg32-x86', { states: 60 });
const eq: EquivResult = checkEquivalence(image, { isa: isa('pg32'), monitor: 'trap-emulate', depth: 2, vms: 1, quantum: 7, memWords: 4096, maxSteps: 10_000 });

console.log(JSON.stringify({
  reason,
  bare: out.text(),
  virtual: guest.console.text(),
  vmReason: outcome!.reason,
  hw: [hwOutcome!.reason, hw.guests[0]!.console.text()],
  emulated: monitor.vms.length,
  theorem1: report.theorems['1'].holds,
  violators: report.theorems['1'].violators,
  equivalent: eq.equivalent,
  disasm: disassembleImage(image).includes('halt'),
  priv: causeName(CAUSES.PRIV),
}));
`;

let dir: string;
let tarball: string;
let packed: string[];

describe('the npm package', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trapeze-pkg-'));
    // the types (the bundles were built by the test setup); --ignore-scripts: prepare would rebuild the bundles other tests are running
    ok(process.execPath, [join(ROOT, 'bin/build.js'), '--types']);
    const pack = ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
    const info = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, info[0]!.filename);
    packed = info[0]!.files.map((f) => f.path);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the compiled code, its types, programs/, the manual and the built playground, and nothing else', () => {
    for (const f of ['package.json', 'README.md', 'bin/trapeze.js', 'dist/cli.js', 'dist/index.js', 'dist/types/src/index.d.ts', 'programs/hello.s', 'programs/hello.expected', 'programs/README.md', 'docs/MANUAL.md'])
      expect(packed).toContain(f);
    const stray = packed.filter((f) => !/^(package\.json|README\.md|bin\/trapeze\.js|dist\/[^/]+\.js|dist\/chunks\/[^/]+\.js|dist\/types\/.+\.d\.ts|programs\/.+\.(s|expected|input|md)|docs\/MANUAL\.md|web\/dist\/(index\.html|app\.js|app\.css|worker\.js))$/.test(f));
    expect(stray).toEqual([]);
    // no TypeScript sources, no tests, no build products of the README's commands
    expect(packed.filter((f) => /^(src|test|bench)\/|\.img$|\.lst$/.test(f))).toEqual([]);
  });

  it('has no runtime dependencies: tsx (and the bundled Chevrotain) are for development only', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; exports: unknown };
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.exports).toMatchObject({ '.': { types: expect.stringMatching(/\.d\.ts$/), default: './dist/index.js' } });
  });

  it('installs offline into a fresh project; a consumer type-checks against its types and runs its API; its binary runs there', () => {
    const app = join(dir, 'app');
    ok('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    ok('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app });
    // nothing but trapeze itself: it has no dependencies
    expect(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['trapeze']);

    // strict, and without Node's types or the DOM: the library's types stand alone
    // (console.log is all the consumer needs from its host)
    writeFileSync(join(app, 'consumer.ts'), CONSUMER);
    writeFileSync(join(app, 'host.d.ts'), 'declare const console: { log(s: string): void };\n');
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: [], strict: true, noUncheckedIndexedAccess: true, skipLibCheck: false, outDir: 'out' },
        files: ['consumer.ts', 'host.d.ts'],
      }),
    );
    const tsc = sh(process.execPath, [TSC, '-p', app], { cwd: app });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    const run = ok(process.execPath, [join(app, 'out', 'consumer.js')], { cwd: app });
    expect(JSON.parse(run.stdout)).toEqual({
      reason: 'halt',
      bare: '42',
      virtual: '42',
      vmReason: 'halt',
      hw: ['halt', '42'],
      emulated: 1,
      theorem1: false,
      violators: ['gpsw', 'sflags', 'getr'],
      equivalent: true,
      disasm: true,
      priv: 'PRIV',
    });

    // the binary, from the project (npx finds the installed one; nothing is fetched)
    const hello = ok('npx', ['--offline', 'trapeze', 'run', 'node_modules/trapeze/programs/hello.s'], { cwd: app });
    expect(hello.stdout).toBe('Hello, world!\n');
    const version = ok(join(app, 'node_modules', '.bin', 'trapeze'), ['--version'], { cwd: app });
    expect(version.stdout).toBe(`trapeze ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    const x86 = ok(join(app, 'node_modules', '.bin', 'trapeze'), ['run', 'node_modules/trapeze/programs/variants/x86.s', '--format', 'json'], { cwd: app });
    expect(JSON.parse(x86.stdout)).toMatchObject({ isa: 'pg32-x86', stop: 'halt', exitStatus: 0 });
  }, 60_000);
});

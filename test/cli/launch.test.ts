/**
 * The executables compile their bundle with the V8 code cache the build made (src/cli/launch.ts),
 * checked on a real build: this Node accepts the cache, and a run whose cache is damaged, foreign,
 * missing or refused by V8 behaves exactly like a run with the good one (same output, same exit).
 * Lazy parts still load (status goes through the lazy yargs CLI).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { codeCachePath } from '../../src/cli/code-cache-file.ts';
import { makeChain, tempDir, writeFile } from '../helpers/fixtures.ts';
import { buildCli } from '../helpers/systemd/build-cli.ts';

const { dir, cleanup } = tempDir();
after(cleanup);
const probe = join(dir, 'probe.cjs');
// How V8 took the cache: "false" accepted, "true" refused, "none" not handed over (launch.ts read
// none). Read from the script launch.ts publishes (SCRIPT_KEY in src/cli/code-cache-file.ts).
writeFileSync(
  probe,
  `process.on('exit', () => {
  const s = globalThis[Symbol.for('certguard.bundle-script')];
  require('node:fs').writeFileSync(process.env.CG_PROBE, s ? String(s.cachedDataRejected ?? 'none') : 'no script');
});
`,
);

let build = '';
let checkArgs: string[] = [];
before(async () => {
  build = await buildCli();
  const { leaf, intermediate } = await makeChain({ sans: ['example.com'] });
  const fullchain = writeFile(dir, 'fullchain.pem', leaf.certPem + intermediate.certPem);
  checkArgs = [
    '--cert',
    fullchain,
    '--key',
    writeFile(dir, 'key.pem', leaf.keyPem),
    '--domain',
    'example.com',
  ];
});

const RUNS: [string, () => string[], number][] = [
  ['certguard-preflight.cjs', () => checkArgs, 0],
  ['certguard.cjs', () => ['check', ...checkArgs], 0],
  ['certguard.cjs', () => ['status', '--bogus'], 2],
  ['certguard.cjs', () => ['--version'], 0],
];

let n = 0;
function run(exe: string, args: string[], nodeFlags: string[] = []) {
  const out = join(dir, `probe-${n++}`);
  const r = spawnSync(process.execPath, [...nodeFlags, '--require', probe, exe, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, CG_PROBE: out },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cache: readFileSync(out, 'utf8') };
}

/** A copy of the build whose `name` cache is replaced by `damage` of it (null: no cache at all). */
function copyWith(label: string, name: string, damage: ((cache: Buffer) => Buffer) | null): string {
  const copy = join(dir, label);
  cpSync(build, copy, { recursive: true });
  const cache = codeCachePath(join(copy, name));
  if (damage) writeFileSync(cache, damage(readFileSync(cache)));
  else rmSync(cache);
  return copy;
}

test('the build made a cache for each executable, and this Node accepts it', () => {
  for (const [name, args, status] of RUNS) {
    const r = run(join(build, name), args());
    assert.equal(r.status, status, `${name} ${args().join(' ')}: ${r.stderr}`);
    assert.equal(r.cache, 'false', `${name} ${args().join(' ')}: V8 refused or was not given the cache`);
  }
});

const flipByte = (c: Buffer) => {
  const d = Buffer.from(c);
  d[Math.floor(d.length / 2)]! ^= 0x5a;
  return d;
};
const DAMAGE: [string, ((cache: Buffer) => Buffer) | null][] = [
  // Handed to V8, a changed byte can crash node (by hand: a V8 fatal error, exit 133): never let it.
  ['one byte changed', flipByte],
  ['cut off in the middle', (c) => c.subarray(0, c.length >> 1)],
  ['garbage of the same size', (c) => Buffer.alloc(c.length, 0x41)],
  ['missing', null],
];

for (const name of ['certguard-preflight.cjs', 'certguard.cjs']) {
  test(`${name}: a damaged or missing cache is not used, and nothing else changes`, () => {
    for (const [label, damage] of DAMAGE) {
      const copy = copyWith(`${name}-${label.replaceAll(' ', '-')}`, name, damage);
      for (const [exe, args, status] of RUNS.filter(([e]) => e === name)) {
        const good = run(join(build, exe), args());
        const r = run(join(copy, exe), args());
        assert.equal(r.cache, 'none', `${label}: the cache was handed to V8`);
        assert.deepEqual(
          { status: r.status, stdout: r.stdout, stderr: r.stderr },
          { status, stdout: good.stdout, stderr: good.stderr },
          `${label}: ${exe} ${args().join(' ')}`,
        );
      }
    }
  });
}

test("another executable's cache is not taken for this one's", () => {
  const copy = join(dir, 'swapped');
  cpSync(build, copy, { recursive: true });
  copyFileSync(
    codeCachePath(join(build, 'certguard.cjs')),
    codeCachePath(join(copy, 'certguard-preflight.cjs')),
  );
  const r = run(join(copy, 'certguard-preflight.cjs'), checkArgs);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.cache, 'none');
});

test('other V8 flags: V8 refuses the cache itself, and the run is the same', () => {
  const exe = join(build, 'certguard-preflight.cjs');
  const good = run(exe, checkArgs);
  const r = run(exe, checkArgs, ['--no-opt']);
  assert.equal(r.cache, 'true', 'V8 should refuse a cache made under other flags');
  assert.deepEqual([r.status, r.stdout, r.stderr], [good.status, good.stdout, good.stderr]);
});

/**
 * An executable copied away from the lazy/ and chunks/ folders it was built with says in one line
 * which file is missing and where it looked, instead of Node's ERR_MODULE_NOT_FOUND stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { missingPartLine } from '../../src/cli/missing-part.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { buildCli } from '../helpers/systemd/build-cli.ts';
import { makeSite } from '../unit/unit-test-kit.ts';

const { dir: tmp, cleanup } = tempDir();
after(cleanup);

test('missingPartLine names the missing file, the folder looked in and who needed it', () => {
  const err = Object.assign(
    new Error("Cannot find module '/opt/cg/lazy/cli/yargs-cli.mjs' imported from /opt/cg/certguard.cjs"),
    { code: 'ERR_MODULE_NOT_FOUND' },
  );
  assert.equal(
    missingPartLine(err),
    'missing file /opt/cg/lazy/cli/yargs-cli.mjs (looked in /opt/cg/lazy/cli/, as /opt/cg/certguard.cjs ' +
      'needs it): install certguard together with the lazy/ and chunks/ folders it was built with',
  );
  // Anything else is not this problem.
  assert.equal(missingPartLine(new Error("Cannot find module '/x' imported from /y")), undefined);
  assert.equal(
    missingPartLine(Object.assign(new Error('other'), { code: 'ERR_MODULE_NOT_FOUND' })),
    undefined,
  );
  assert.equal(missingPartLine(null), undefined);
  assert.equal(missingPartLine('ERR_MODULE_NOT_FOUND'), undefined);
});

/** A copy of the build's `files` (relative to the build directory) alone in a new directory. */
async function copyOf(name: string, files: string[]): Promise<string> {
  const build = await buildCli();
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of files) cpSync(join(build, f), join(dir, f), { recursive: true });
  return dir;
}

function run(file: string, args: string[]) {
  const r = spawnSync(process.execPath, [file, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The one line a copied-away executable prints: exactly one line, no stack trace. */
function assertOneLine(stderr: string, missing: RegExp, looked: string): void {
  const lines = stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /^certguard: missing file /);
  assert.match(lines[0]!, missing);
  assert.ok(lines[0]!.includes(`(looked in ${looked}`), lines[0]);
  assert.doesNotMatch(stderr, /ERR_MODULE_NOT_FOUND|\n\s+at /);
}

test('certguard.cjs alone: status, --version and --help say lazy/cli/yargs-cli.mjs is missing', async () => {
  const dir = await copyOf('alone', ['certguard.cjs']);
  for (const args of [['status'], ['--version'], ['--help']]) {
    const r = run(join(dir, 'certguard.cjs'), args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stdout, '');
    assertOneLine(r.stderr, /missing file .*\/alone\/lazy\/cli\/yargs-cli\.mjs /, `${dir}/lazy/cli/`);
  }
});

test('certguard.cjs with lazy/ but without chunks/: the missing chunk is named', async () => {
  const dir = await copyOf('no-chunks', ['certguard.cjs', 'lazy']);
  const r = run(join(dir, 'certguard.cjs'), ['status']);
  assert.equal(r.code, 1);
  assertOneLine(
    r.stderr,
    /missing file .*\/no-chunks\/chunks\/[\w-]+\.mjs .*lazy\/cli\/yargs-cli\.mjs needs it/,
    `${dir}/chunks/`,
  );
});

test('certguard-preflight.cjs alone still checks; only the placeholder (a lazy part) is missing', async (t) => {
  const dir = await copyOf('preflight-alone', ['certguard-preflight.cjs']);
  const s = makeSite({ onUnusable: 'placeholder' });
  t.after(s.cleanup);
  // No certificate yet: unusable, and in unit mode the policy wants a placeholder.
  const r = spawnSync(
    process.execPath,
    [join(dir, 'certguard-preflight.cjs'), 'site', '--config', s.configPath],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, INVOCATION_ID: 'test' },
    },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout + r.stderr, /site: /, 'the check itself ran and reported');
  const missing = r.stderr.split('\n').filter((l) => l.includes('missing file'));
  assert.equal(missing.length, 1, r.stderr);
  assert.match(missing[0]!, /lazy\/unit\/install-placeholder\.mjs \(looked in /);
  assert.doesNotMatch(r.stderr, /ERR_MODULE_NOT_FOUND|\n\s+at /);
});

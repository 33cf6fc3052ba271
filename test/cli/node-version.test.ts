/**
 * Every executable refuses a Node.js older than 20.19 with one line and exit 2, before it loads
 * anything an older Node cannot run (under Node 18, `certguard status` used to end in a yargs
 * stack trace). Runs the built CommonJS bundles under a simulated old version (a preload that
 * overrides process.versions) and, when CERTGUARD_OLD_NODE names a real one (e.g. Debian 12's
 * Node 18, see scripts/old-node.sh), under that.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { nodeTooOld } from '../../src/cli/node-version.ts';
import { tempDir, writeFile } from '../helpers/fixtures.ts';
import { buildCli } from '../helpers/systemd/build-cli.ts';

test('nodeTooOld: 20.19 and later pass, anything older or unreadable is refused in one line', () => {
  for (const ok of ['20.19.0', '20.20.2', '21.7.3', '22.12.0', '24.1.0'])
    assert.equal(nodeTooOld(ok), undefined, ok);
  for (const old of ['18.20.4', '20.18.3', '19.9.0', '16.20.2', '20', 'x.y.z', '']) {
    assert.equal(nodeTooOld(old), `certguard needs Node.js >= 20.19; this is ${old}`, old);
  }
});

/** One argv per way into the executables, including the ones that go straight to a lazy entry. */
const ENTRY_ARGVS: [string, string[]][] = [
  ['certguard-preflight.cjs', ['--help']],
  ['certguard-preflight.cjs', ['--cert', '/nonexistent/fullchain.pem']],
  ['certguard.cjs', ['--version']],
  ['certguard.cjs', ['status']],
  ['certguard.cjs', ['check', '--help']],
  ['certguard.cjs', ['renew', '--help']],
];

function runWith(node: string[], dir: string, file: string, args: string[]) {
  const [exe, ...pre] = node;
  const r = spawnSync(exe!, [...pre, join(dir, file), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('in both executables the version check runs before any require() but builtins the launcher needs', async () => {
  const dir = await buildCli();
  for (const file of ['certguard-preflight.cjs', 'certguard.cjs']) {
    const text = readFileSync(join(dir, file), 'utf8');
    // The launcher (src/cli/launch.ts) comes first, then the bundle it compiles, held as a string.
    const bundle = text.indexOf(
      '(function (exports, require, module, __filename, __dirname, __certguardImport) {',
    );
    assert.ok(bundle > 0, `${file}: no bundle found`);
    const launcherRequires = text.slice(0, bundle).match(/\brequire\([^)]*\)/g) ?? [];
    assert.ok(launcherRequires.length > 0, `${file}: the launcher requires nothing?`);
    for (const r of launcherRequires) {
      // Builtins every Node since 16 has: the launcher itself runs under an older Node too.
      assert.match(r, /^require\("node:(vm|fs|crypto)"\)$/, `${file}: the launcher requires ${r}`);
    }
    const guard = text.indexOf('nodeTooOld(process.versions.node)', bundle);
    assert.ok(guard > 0, `${file}: no version check found`);
    const firstRequire = text.slice(bundle).search(/\brequire\(/) + bundle;
    assert.ok(
      firstRequire > guard,
      `${file}: a require() at ${firstRequire} comes before the check at ${guard}`,
    );
  }
});

describe('under a simulated Node 18.20.4 (process.versions overridden by a preload)', () => {
  const { dir: tmp, cleanup } = tempDir();
  const preload = writeFile(
    tmp,
    'old-node.cjs',
    "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '18.20.4' } });\n",
  );
  after(cleanup);
  for (const [file, args] of ENTRY_ARGVS) {
    test(`${file} ${args.join(' ')}: one line, exit 2`, async () => {
      const r = runWith([process.execPath, '--require', preload], await buildCli(), file, args);
      assert.deepEqual(r, {
        code: 2,
        stdout: '',
        stderr: 'certguard needs Node.js >= 20.19; this is 18.20.4\n',
      });
    });
  }
  test('control: without the preload the same executables run', async () => {
    const r = runWith([process.execPath], await buildCli(), 'certguard.cjs', ['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

const OLD = process.env.CERTGUARD_OLD_NODE;
describe('under a real old Node.js (CERTGUARD_OLD_NODE)', {
  skip:
    !OLD && 'SKIPPED: set CERTGUARD_OLD_NODE to a Node.js older than 20.19 (scripts/old-node.sh makes one)',
}, () => {
  if (!OLD) {
    console.warn('SKIPPED: real old Node.js: set CERTGUARD_OLD_NODE (scripts/old-node.sh makes one)');
    return;
  }
  const version = spawnSync(OLD, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  test(`${OLD} is older than 20.19 (${version})`, () => {
    assert.notEqual(nodeTooOld(version), undefined, `CERTGUARD_OLD_NODE runs Node ${version}`);
  });
  for (const [file, args] of ENTRY_ARGVS) {
    test(`${file} ${args.join(' ')}: one line, exit 2`, async () => {
      const r = runWith([OLD], await buildCli(), file, args);
      assert.deepEqual(r, {
        code: 2,
        stdout: '',
        stderr: `certguard needs Node.js >= 20.19; this is ${version}\n`,
      });
    });
  }
});

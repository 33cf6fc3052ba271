/**
 * scripts/ensure-node.sh, which both README commands (scripts/demo.sh, .ci/run) source before
 * they use node or npm: with a too-old node first on PATH, the script must install a Node.js new
 * enough for package.json's "engines" and put it first on PATH, and the calling script goes on.
 *
 * The too-old node is a real Debian 12 Node.js 18 where possible: its packages are fetched with
 * `apt-get download` and unpacked with `dpkg-deb -x`, never installed, and laid over /usr in a
 * private mount namespace (overlayfs), so that inside it /usr/bin/node is Debian's 18.20 with its
 * libraries and externalised builtins where it expects them, as on a fresh Debian 12, while the
 * machine's own /usr/bin/node is untouched. That needs root and the Debian archive; without them
 * that case is skipped loudly, and the other case still runs: a stand-in `node` first on PATH
 * that reports v18.20.4 for --version and hands everything else to the real node.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/fixtures.ts';
import { skipLoudly } from '../nix/nix-eval.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const SCRIPT = join(REPO, 'scripts/ensure-node.sh');
const { dir, cleanup } = tempDir('certguard-ensure-node-');
after(cleanup);
// Shared by the cases: the first that needs Node 20 installs it, the next finds it there.
const CACHE = join(dir, 'node-cache');
const WANTED = /"node":\s*">=\s*(\d+)\.(\d+)"/.exec(readFileSync(join(REPO, 'package.json'), 'utf8'))!;

/** Sources the script the way the README commands do, then reports which node the caller got. */
const PROBE = [
  'set -euo pipefail',
  `. ${JSON.stringify(SCRIPT)}`,
  'echo "after: $(command -v node) $(node -p process.versions.node) $(command -v npm) $(npm --version)"',
].join('\n');

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, CERTGUARD_NODE_CACHE: CACHE, ...env },
    timeout: 300_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function atLeastWanted(version: string): boolean {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  const [wMajor, wMinor] = [Number(WANTED[1]), Number(WANTED[2])];
  return major > wMajor || (major === wMajor && minor >= wMinor);
}

/** `after: NODE VERSION NPM VERSION` from PROBE: the node and npm the rest of the script uses. */
function after_(out: string): { path: string; version: string; npm: string } {
  const m = /^after: (\S+) (\S+) (\S+) \d+\.\d+\.\d+$/m.exec(out);
  assert.ok(m, `the calling script did not go on after ensure-node.sh:\n${out}`);
  return { path: m[1]!, version: m[2]!, npm: m[3]! };
}

/** Node and npm both from the install: Debian's npm would not find its modules under this node. */
function assertInstalled(out: string): void {
  const got = after_(out);
  assert.ok(got.path.startsWith(`${CACHE}/`), `node on PATH is ${got.path}, not the installed one`);
  assert.ok(got.npm.startsWith(`${CACHE}/`), `npm on PATH is ${got.npm}, not the installed one`);
  assert.ok(atLeastWanted(got.version), `got Node ${got.version}`);
}

/** Debian's Node.js 18 and whatever of its dependencies this machine lacks, unpacked into a tree. */
function debianNode18(t: import('node:test').TestContext): string | undefined {
  if (process.getuid?.() !== 0) return void skipLoudly(t, 'real Node 18 case needs root (mount namespace)');
  const madison = sh('apt-cache', ['madison', 'nodejs']);
  const version = /\|\s*(18\.[^\s|]+)\s*\|/.exec(madison.out)?.[1];
  if (!version) return void skipLoudly(t, 'no Node.js 18 in the Debian archive (apt-get update?)');
  const debs = join(dir, 'debs');
  mkdirSync(debs, { recursive: true });
  const wanted = new Set([`nodejs=${version}`, `libnode108=${version}`]);
  // Dependencies not installed here (libc-ares2, node-cjs-module-lexer, ...), a few levels deep.
  let frontier = [...wanted];
  for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
    const deps = sh('apt-cache', ['depends', '--no-recommends', '--no-suggests', ...frontier]).out;
    const names = [...deps.matchAll(/^\s*\|?Depends: ([a-z0-9][a-z0-9.+-]*)$/gm)].map((m) => m[1]!);
    frontier = [...new Set(names)].filter(
      (n) =>
        !n.startsWith('nodejs') &&
        !n.startsWith('libnode') &&
        !wanted.has(n) &&
        !/^Status: install ok installed$/m.test(sh('dpkg-query', ['-s', n]).out),
    );
    for (const n of frontier) wanted.add(n);
  }
  const download = spawnSync('apt-get', ['download', ...wanted], { cwd: debs, encoding: 'utf8' });
  if (download.status !== 0) {
    return void skipLoudly(
      t,
      `apt-get download of Node.js 18 failed: ${download.stderr.trim().split('\n').pop()}`,
    );
  }
  const root = join(dir, 'node18-root');
  for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
    assert.equal(sh('dpkg-deb', ['-x', join(debs, deb), root]).status, 0, `dpkg-deb -x ${deb}`);
  }
  return root;
}

test('a real Debian 12 Node.js 18 as the system node: the script installs Node >= engines and the caller goes on', (t) => {
  const root = debianNode18(t);
  if (!root) return;
  const inside = [
    `mount -t overlay overlay -o lowerdir=${root}/usr:/usr /usr`,
    'echo "before: $(command -v node) $(node --version)"',
    PROBE,
  ].join('\n');
  const r = sh('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', inside]);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^before: \/usr\/bin\/node v18\.\d+\.\d+$/m, 'the namespace did not provide Node 18');
  assert.match(r.out, /ensure-node: \/usr\/bin\/node \(v18\.\d+\.\d+\) is older than Node\.js \d+\.\d+/);
  assertInstalled(r.out);
});

test('a stand-in node 18 first on PATH: same result, from the cache when the first case filled it', () => {
  const bin = join(dir, 'old-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'node'),
    `#!/bin/sh\ncase "$1" in --version|-v) echo v18.20.4; exit 0;; esac\nexec ${process.execPath} "$@"\n`,
  );
  chmodSync(join(bin, 'node'), 0o755);
  const r = sh('bash', ['-c', PROBE], { PATH: `${bin}:${process.env.PATH}` });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, new RegExp(`ensure-node: ${bin}/node \\(v18\\.20\\.4\\) is older than Node\\.js`));
  assertInstalled(r.out);
});

test('a node new enough is used as it is: no install, PATH unchanged', () => {
  const r = sh('bash', ['-c', PROBE], { CERTGUARD_NODE_CACHE: join(dir, 'never-used') });
  assert.equal(r.status, 0, r.out);
  assert.doesNotMatch(r.out, /ensure-node:/);
  assert.equal(after_(r.out).version, process.versions.node);
});

test('both README commands source ensure-node.sh before they first run node or npm', () => {
  for (const file of ['scripts/demo.sh', '.ci/run']) {
    const lines = readFileSync(join(REPO, file), 'utf8').split('\n');
    const sourced = lines.findIndex((l) => /^\s*\.\s+scripts\/ensure-node\.sh\s*$/.test(l));
    const firstUse = lines.findIndex((l) => !/^\s*#/.test(l) && /(^|[\s;(&|])(npm|node) /.test(l));
    assert.ok(sourced !== -1, `${file} does not source scripts/ensure-node.sh`);
    assert.ok(sourced < firstUse, `${file} runs node/npm (line ${firstUse + 1}) before ensure-node.sh`);
  }
});

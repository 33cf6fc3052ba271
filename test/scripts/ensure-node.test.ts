/**
 * scripts/ensure-node.sh, which both README commands (scripts/demo.sh, .ci/run) source before
 * they use node or npm: with a too-old node first on PATH, the script must install a Node.js new
 * enough for package.json's "engines" and put it first on PATH, and the calling script goes on.
 *
 * The too-old node is a real Debian 12 Node.js 18 where possible: scripts/old-node.sh fetches its
 * packages with `apt-get download` and unpacks them, never installs them, and its wrapper runs
 * that node in a private mount namespace where its built-in modules are where it expects them;
 * the machine's own node is untouched. That needs root and the Debian archive; without them that
 * case is skipped loudly, and the other case still runs: a stand-in `node` first on PATH that
 * reports v18.20.4 for --version and hands everything else to the real node.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
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
  return { status: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
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

/** Debian 12's own Node.js 18, unpacked, never installed (scripts/old-node.sh): its wrapper. */
function debianNode18(t: import('node:test').TestContext): string | undefined {
  if (process.getuid?.() !== 0) return void skipLoudly(t, 'real Node 18 case needs root (mount namespace)');
  const r = sh('sh', [join(REPO, 'scripts/old-node.sh'), join(dir, 'old-node')]);
  if (r.status !== 0) return void skipLoudly(t, `no real Node 18: ${r.out.trim().split('\n').pop()}`);
  return r.stdout.trim();
}

test('a real Debian 12 Node.js 18 first on PATH: the script installs Node >= engines and the caller goes on', (t) => {
  const wrapper = debianNode18(t);
  if (!wrapper) return;
  const bin = join(dir, 'node18-bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(wrapper, join(bin, 'node'));
  const inside = ['echo "before: $(command -v node) $(node --version)"', PROBE].join('\n');
  // A fresh machine's PATH behind it: not the caller's, which may already lead to a newer node
  // (as under .ci/run on a machine whose own node is too old).
  const r = sh('bash', ['-c', inside], { PATH: `${bin}:${SYSTEM_PATH}` });
  assert.equal(r.status, 0, r.out);
  assert.match(
    r.out,
    new RegExp(`^before: ${bin}/node v18\\.\\d+\\.\\d+$`, 'm'),
    'no real Node 18 first on PATH',
  );
  assert.match(
    r.out,
    new RegExp(`ensure-node: ${bin}/node \\(v18\\.\\d+\\.\\d+\\) is older than Node\\.js \\d+\\.\\d+`),
  );
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

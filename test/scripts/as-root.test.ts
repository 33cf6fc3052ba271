/**
 * scripts/as-root.sh, sourced first by both README commands: as root they run as they are; as a
 * user they run themselves again under sudo, and where there is no sudo (a minimal Debian) they
 * say how to run them as root, exit 2. The user is `nobody` (setpriv); the sudo is a stand-in on
 * PATH (this machine has no sudo, and a test must not change sudoers): it prints its arguments and
 * runs them with an `id` that answers 0, as the command would see it under a real sudo.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/fixtures.ts';
import { skipLoudly } from '../nix/nix-eval.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const { dir, cleanup } = tempDir('certguard-as-root-');
after(cleanup);
chmodSync(dir, 0o755);

// A script laid out like scripts/demo.sh: it sources as-root.sh from its own directory.
mkdirSync(join(dir, 'scripts'));
copyFileSync(join(REPO, 'scripts/as-root.sh'), join(dir, 'scripts/as-root.sh'));
const SCRIPT = join(dir, 'scripts/demo-like.sh');
writeFileSync(
  SCRIPT,
  '#!/usr/bin/env bash\nset -euo pipefail\n. "$(dirname "$0")/as-root.sh"\necho "body runs as uid $(id -u) with: $*"\n',
);
const SUDO_BIN = join(dir, 'sudo-bin');
mkdirSync(SUDO_BIN);
const AS_ROOT_BIN = join(dir, 'as-root-bin');
mkdirSync(AS_ROOT_BIN);
writeFileSync(join(AS_ROOT_BIN, 'id'), '#!/bin/sh\n[ "$1" = -u ] && exec echo 0\nexec /usr/bin/id "$@"\n');
writeFileSync(
  join(SUDO_BIN, 'sudo'),
  `#!/bin/sh\necho "sudo $*"\n[ "$1" = -- ] && shift\nPATH=${AS_ROOT_BIN}:/usr/bin:/bin exec "$@"\n`,
);
for (const f of [join(SUDO_BIN, 'sudo'), join(AS_ROOT_BIN, 'id')]) chmodSync(f, 0o755);

function asNobody(path: string, args: string[]) {
  return spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', SCRIPT, ...args], {
    encoding: 'utf8',
    env: { PATH: path },
    cwd: dir,
  });
}

test('as root: the script runs as it is', (t) => {
  if (process.getuid?.() !== 0) return skipLoudly(t, 'needs root');
  const r = spawnSync('bash', [SCRIPT, 'a b', 'c'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'body runs as uid 0 with: a b c\n');
  assert.equal(r.stderr, '');
});

test('as a user with sudo: the script runs itself again under sudo, with its arguments', (t) => {
  if (process.getuid?.() !== 0) return skipLoudly(t, 'needs root to become nobody');
  const r = asNobody(`${SUDO_BIN}:/usr/bin:/bin`, ['a b', 'c']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `sudo -- bash ${SCRIPT} a b c\nbody runs as uid 0 with: a b c\n`);
  assert.equal(r.stderr, `${SCRIPT}: not root: running it again with sudo\n`);
});

test('under sudo, what the run made in the checkout goes back to the user who ran it', (t) => {
  if (process.getuid?.() !== 0) return skipLoudly(t, 'needs root');
  const made = join(dir, 'make-dist.sh');
  writeFileSync(
    made,
    '#!/usr/bin/env bash\nset -euo pipefail\n. "$(dirname "$0")/scripts/as-root.sh"\nmkdir -p "$(dirname "$0")/dist/lazy"\ntouch "$(dirname "$0")/dist/lazy/x.mjs"\n',
  );
  const r = spawnSync('bash', [made], {
    encoding: 'utf8',
    env: { ...process.env, SUDO_UID: '65534', SUDO_GID: '65534' },
  });
  assert.equal(r.status, 0, r.stderr);
  for (const p of ['dist', 'dist/lazy', 'dist/lazy/x.mjs']) {
    const st = statSync(join(dir, p));
    assert.deepEqual([st.uid, st.gid], [65534, 65534], p);
  }
});

test('as a user without sudo: one line saying how to run it as root, exit 2', (t) => {
  if (process.getuid?.() !== 0) return skipLoudly(t, 'needs root to become nobody');
  const r = asNobody('/usr/bin:/bin', []);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    `${SCRIPT}: needs root (it installs Debian packages) and there is no sudo: run it as root, e.g. su -c 'bash ${SCRIPT}'\n`,
  );
});

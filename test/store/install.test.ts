import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectCertificate } from '../../src/check/inspect.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { CERT_FILE_NAMES, InstallError, installCertificate } from '../../src/store/install.ts';
import { makeCert, makeChain, tempDir } from '../helpers/fixtures.ts';

async function issued(cn = 'example.com', freshKey = true) {
  const { intermediate, leaf } = await makeChain({ sans: [cn], freshKey });
  return { leaf, files: { certPem: leaf.certPem, chainPem: intermediate.certPem, keyPem: leaf.keyPem } };
}

function verdictOf(dir: string) {
  const settings = resolveCert('t', [{ directory: dir, domains: ['example.com'] }], 'test');
  return inspectCertificate(settings, new Date());
}

function gens(dir: string): string[] {
  return readdirSync(dir).filter((e) => e.startsWith('.gen-'));
}

test('first install: five static symlinks through current into a complete generation', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const target = join(dir, 'example');
  const { files, leaf } = await issued();
  installCertificate(target, files);

  for (const name of CERT_FILE_NAMES) {
    assert.ok(lstatSync(join(target, name)).isSymbolicLink(), `${name} is a symlink`);
    assert.equal(readlinkSync(join(target, name)), `current/${name}`);
    assert.equal(statSync(join(target, name)).mode & 0o777, 0o640, `${name} mode 0640`);
  }
  const gen = readlinkSync(join(target, 'current'));
  assert.match(gen, /^\.gen-/);
  assert.equal(statSync(join(target, gen)).mode & 0o777, 0o750);
  // Traversable, so a service user in the group reaches its files; the generation guards the key.
  assert.equal(statSync(target).mode & 0o777, 0o755);
  assert.equal(readFileSync(join(target, 'cert.pem'), 'utf8'), leaf.certPem);
  assert.equal(readFileSync(join(target, 'fullchain.pem'), 'utf8'), files.certPem + files.chainPem);
  assert.equal(readFileSync(join(target, 'full.pem'), 'utf8'), files.keyPem + files.certPem + files.chainPem);
  assert.equal(readFileSync(join(target, 'chain.pem'), 'utf8'), files.chainPem);
  const v = verdictOf(target);
  assert.equal(v.usable, true, JSON.stringify(v.reasons));
  assert.equal(v.serial, leaf.cert.serialNumber.toUpperCase());
});

test('re-install swaps current, keeps the previous generation, prunes older ones', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const first = await issued();
  const second = await issued();
  const third = await issued();
  installCertificate(dir, first.files);
  const g1 = readlinkSync(join(dir, 'current'));
  installCertificate(dir, second.files);
  const g2 = readlinkSync(join(dir, 'current'));
  assert.notEqual(g1, g2);
  assert.deepEqual(gens(dir).sort(), [g1, g2].sort());
  installCertificate(dir, third.files);
  const g3 = readlinkSync(join(dir, 'current'));
  assert.deepEqual(gens(dir).sort(), [g2, g3].sort(), 'the oldest generation is pruned');
  assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8'), third.files.keyPem);
  assert.equal(verdictOf(dir).usable, true);
});

test('a key that does not match the certificate is refused and nothing changes', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const good = await issued();
  installCertificate(dir, good.files);
  const before = readdirSync(dir).sort();
  const other = await makeCert({ freshKey: true });
  assert.throws(
    () => installCertificate(dir, { ...good.files, keyPem: other.keyPem }),
    (e: Error) => e instanceof InstallError && /does not match/.test(e.message),
  );
  assert.throws(() => installCertificate(dir, { ...good.files, certPem: 'garbage' }), InstallError);
  assert.throws(() => installCertificate(dir, { ...good.files, keyPem: 'garbage' }), InstallError);
  assert.deepEqual(readdirSync(dir).sort(), before);
  assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8'), good.files.keyPem);
});

test('migrates a plain-file directory (lego / security.acme) keeping content until the swap', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const old = await issued();
  // What NixOS security.acme leaves behind: five regular files.
  writeFileSync(join(dir, 'cert.pem'), old.files.certPem, { mode: 0o640 });
  writeFileSync(join(dir, 'chain.pem'), old.files.chainPem, { mode: 0o640 });
  writeFileSync(join(dir, 'fullchain.pem'), old.files.certPem + old.files.chainPem, { mode: 0o640 });
  writeFileSync(join(dir, 'key.pem'), old.files.keyPem, { mode: 0o640 });
  writeFileSync(join(dir, 'full.pem'), old.files.keyPem + old.files.certPem + old.files.chainPem);
  const next = await issued();
  installCertificate(dir, next.files);
  for (const name of CERT_FILE_NAMES) assert.ok(lstatSync(join(dir, name)).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8'), next.files.keyPem);
  assert.equal(gens(dir).length, 2, 'the migrated old files are kept as the previous generation');
  const previous = gens(dir).find((g) => g.includes('migrated'))!;
  assert.equal(readFileSync(join(dir, previous, 'key.pem'), 'utf8'), old.files.keyPem);
  assert.equal(verdictOf(dir).usable, true);
});

test('an interrupted migration (some names plain, some linked) is finished consistently', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const old = await issued();
  // State after a crash mid-migration: current -> old generation, cert.pem linked, key.pem plain.
  const gen = '.gen-20260101T000000000Z-migrated-1';
  mkdirSync(join(dir, gen));
  writeFileSync(join(dir, gen, 'fullchain.pem'), old.files.certPem + old.files.chainPem);
  writeFileSync(join(dir, gen, 'key.pem'), old.files.keyPem);
  symlinkSync(gen, join(dir, 'current'));
  symlinkSync('current/fullchain.pem', join(dir, 'fullchain.pem'));
  writeFileSync(join(dir, 'key.pem'), old.files.keyPem);
  assert.equal(verdictOf(dir).usable, true);
  const next = await issued();
  installCertificate(dir, next.files);
  assert.ok(lstatSync(join(dir, 'key.pem')).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8'), next.files.keyPem);
  assert.equal(verdictOf(dir).usable, true);
});

test('a plain file that differs from current (replaced by another tool) is preserved by migration', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const first = await issued();
  installCertificate(dir, first.files);
  // Another tool replaced the symlinks with plain files of a different certificate.
  const foreign = await issued();
  for (const name of ['fullchain.pem', 'key.pem'] as const) {
    const path = join(dir, name);
    const text = name === 'key.pem' ? foreign.files.keyPem : foreign.files.certPem + foreign.files.chainPem;
    // rename over the symlink, as lego / cp --remove-destination would
    writeFileSync(`${path}.new`, text);
    renameSync(`${path}.new`, path);
  }
  assert.equal(verdictOf(dir).usable, true);
  const next = await issued();
  installCertificate(dir, next.files);
  assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8'), next.files.keyPem);
  assert.equal(verdictOf(dir).usable, true);
});

test('configured group: files and generation get the group (root), unknown group warns', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const { files } = await issued();
  const warnings: string[] = [];
  installCertificate(join(dir, 'x'), files, {
    group: 'no-such-group-certguard',
    warn: (w) => warnings.push(w),
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /does not exist/);
  if (process.getuid?.() !== 0) {
    t.skip('SKIPPED: chown to a group needs root');
    console.warn('SKIPPED: install group test needs root');
    return;
  }
  const group = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] && f[2] && Number(f[2]) > 0)!;
  const gid = Number(group[2]);
  installCertificate(join(dir, 'y'), files, { group: group[0] });
  assert.equal(statSync(join(dir, 'y', 'key.pem')).gid, gid);
  assert.equal(statSync(join(dir, 'y', readlinkSync(join(dir, 'y', 'current')))).gid, gid);
});

test('as root, new files belong to the directory owner (the NixOS renew user prunes them later)', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('SKIPPED: chown needs root');
    console.warn('SKIPPED: install owner test needs root');
    return;
  }
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const { files } = await issued();
  const group = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] && f[2] && Number(f[2]) > 0)!;
  const target = join(dir, 'owned');
  mkdirSync(target, { mode: 0o750 });
  chownSync(target, 65_534, Number(group[2]));
  installCertificate(target, files, { group: group[0] });
  const gen = join(target, readlinkSync(join(target, 'current')));
  for (const p of [gen, join(gen, 'key.pem'), join(gen, 'fullchain.pem')]) {
    const st = statSync(p);
    assert.deepEqual([st.uid, st.gid], [65_534, Number(group[2])], p);
  }
});

test('leftovers of a crashed installer (partial generation, temp links) are pruned', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const { files } = await issued();
  installCertificate(dir, files);
  mkdirSync(join(dir, '.gen-20200101T000000000Z-dead-999999'));
  writeFileSync(join(dir, '.gen-20200101T000000000Z-dead-999999', 'cert.pem'), 'partial');
  symlinkSync('.gen-x', join(dir, '.current.999999.tmp'));
  writeFileSync(join(dir, '.certguard-install.lock.999999.abc.tmp'), '999999 1\n');
  writeFileSync(join(dir, '.certguard-install.lock'), '999999 1\n'); // stale lock of a dead PID
  const next = await issued();
  installCertificate(dir, next.files);
  const entries = readdirSync(dir).sort();
  assert.deepEqual(
    entries.filter((e) => e.startsWith('.') && !e.startsWith('.gen-')),
    [],
    `no leftovers: ${entries.join(' ')}`,
  );
  assert.equal(gens(dir).length, 2);
});

test('onlyIf is checked under the install lock: false leaves everything untouched', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const target = join(dir, 'z');
  const { files } = await issued();
  let asked = 0;
  const installed = installCertificate(target, files, {
    onlyIf: () => {
      asked++;
      return false;
    },
  });
  assert.equal(installed, false);
  assert.equal(asked, 1);
  assert.ok(!existsSync(join(target, 'current')), 'nothing may be installed when onlyIf says no');
  assert.equal(installCertificate(target, files, { onlyIf: () => true }), true);
  assert.ok(existsSync(join(target, 'current')));
});

test('modes do not depend on the umask: 0750 generation, 0640 key, configured group (umask 077)', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  if (process.getuid?.() !== 0) {
    t.skip('SKIPPED: needs root to give files a group');
    return;
  }
  // A real group of this system (Debian has "daemon", gid 1).
  const group = readFileSync('/etc/group', 'utf8').includes('\ndaemon:') ? 'daemon' : 'nogroup';
  const gid = Number(
    readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${group}:`))!
      .split(':')[2],
  );
  const { files } = await issued();
  const old = process.umask(0o077);
  try {
    installCertificate(join(dir, 'new'), files, { group });
  } finally {
    process.umask(old);
  }
  const target = join(dir, 'new', readlinkSync(join(dir, 'new', 'current')));
  assert.equal(statSync(join(dir, 'new')).mode & 0o777, 0o755);
  assert.equal(statSync(target).mode & 0o777, 0o750);
  assert.equal(statSync(target).gid, gid);
  for (const f of CERT_FILE_NAMES) {
    assert.equal(statSync(join(target, f)).mode & 0o777, 0o640, f);
    assert.equal(statSync(join(target, f)).gid, gid, f);
  }
});

test('migration never copies through a planted link or a foreign hard link (root-only file)', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const secret = join(dir, 'secret.key');
  writeFileSync(secret, 'ROOT ONLY\n', { mode: 0o600 });
  const { files } = await issued();
  const site = join(dir, 'site');
  mkdirSync(site);
  for (const f of ['cert.pem', 'chain.pem', 'fullchain.pem', 'full.pem']) writeFileSync(join(site, f), 'x\n');
  symlinkSync(secret, join(site, 'key.pem'));
  assert.throws(
    () => installCertificate(site, files),
    (e: unknown) =>
      e instanceof InstallError && /key\.pem is a symbolic link certguard did not create/.test(e.message),
  );
  assert.equal(gens(site).length, 0, 'nothing copied into a generation');
  assert.equal(existsSync(join(site, 'current')), false);
});

test('a generation that cannot be completed (ENOSPC on a real tiny tmpfs) leaves no partial .gen-*', async (t) => {
  const { dir, cleanup } = tempDir();
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    cleanup();
    t.skip('SKIPPED: cannot mount a tmpfs (needs root with CAP_SYS_ADMIN)');
    return;
  }
  // Unmount before the directory is removed (after-hooks run in the order they were added).
  t.after(() => {
    execFileSync('umount', [mnt]);
    cleanup();
  });
  const site = join(mnt, 'site');
  const { files } = await issued();
  installCertificate(site, files);
  const before = CERT_FILE_NAMES.map((f) => readFileSync(join(site, f), 'utf8'));
  // Fill the file system, leaving room for less than one generation.
  writeFileSync(join(mnt, 'fill'), Buffer.alloc(0));
  for (;;) {
    try {
      appendFileSync(join(mnt, 'fill'), Buffer.alloc(1024));
    } catch {
      break;
    }
  }
  const next = (await issued()).files;
  for (let i = 0; i < 3; i++) assert.throws(() => installCertificate(site, next), /ENOSPC/);
  assert.equal(gens(site).length, 1, `only the installed generation: ${gens(site).join(' ')}`);
  assert.deepEqual(
    CERT_FILE_NAMES.map((f) => readFileSync(join(site, f), 'utf8')),
    before,
    'pair untouched',
  );
  // Space again: the next install works and the directory holds the new and the previous one.
  rmSync(join(mnt, 'fill'));
  installCertificate(site, next);
  assert.equal(gens(site).length, 2);
  assert.equal(verdictOf(site).usable, true);
});

/**
 * renewCertificate against a real ACME CA (Debian's pebble on loopback, real http-01 / dns-01
 * validation through pebble-challtestsrv's DNS).
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspectCertificate } from '../../src/check/inspect.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import type { CertSettings } from '../../src/config/settings.ts';
import { renewCertificate } from '../../src/renew/renew.ts';
import { readState, statePath } from '../../src/store/state.ts';
import { makeChain, tempDir } from '../helpers/fixtures.ts';
import { freePort, type Pebble, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { collectLog, countingListener, globalFor, pebbleSettings } from './support.ts';

const FILES = ['cert.pem', 'chain.pem', 'fullchain.pem', 'key.pem', 'full.pem'];

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FILES) {
    try {
      out[f] = readFileSync(join(dir, f), 'utf8');
    } catch {
      out[f] = '<missing>';
    }
  }
  return out;
}

function run(
  settings: CertSettings,
  root: string,
  extra: { force?: boolean; ari?: boolean; lockWaitMs?: number } = {},
) {
  const l = collectLog();
  const p = renewCertificate(settings, globalFor(root), {
    force: extra.force ?? false,
    ari: extra.ari ?? true,
    log: l.log,
    ...(extra.lockWaitMs !== undefined ? { lockWaitMs: extra.lockWaitMs } : {}),
  });
  return p.then((o) => ({ ...o, log: l.text() }));
}

describe('renew against pebble', { skip: !pebbleAvailable() && 'SKIPPED: pebble not installed' }, () => {
  let pebble: Pebble;
  const tmp = tempDir('certguard-renew-');
  const root = tmp.dir;

  before(async () => {
    if (!pebbleAvailable()) {
      console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
      return;
    }
    pebble = await startPebble({ validitySeconds: 3600 });
  });
  after(async () => {
    await pebble?.stop();
    tmp.cleanup();
  });

  test('issues with http-01 (standalone), then a rerun is not due and opens zero connections', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'first');
    const o = await run(settings, root);
    assert.equal(o.action, 'renewed', o.log);
    assert.equal(o.exitCode, 0);
    assert.equal(o.verdict.usable, true, JSON.stringify(o.verdict.reasons));
    assert.deepEqual(o.verdict.domains.sort(), ['site.test', 'www.site.test']);
    assert.deepEqual(
      o.dueReasons.map((r) => r.code),
      ['missing'],
    );
    for (const f of FILES) assert.ok(lstatSync(join(settings.directory, f)).isSymbolicLink(), f);
    const st = readState(globalFor(root).stateDirectory, 'first');
    assert.ok(st.ok && st.state.lastSuccess && st.state.consecutiveFailures === 0);

    // Not due: point the server at a listener that counts accepts. Zero, with ARI on or off.
    const counter = await countingListener();
    try {
      const notDue = await run({ ...settings, server: counter.url }, root);
      assert.equal(notDue.action, 'not-due', notDue.log);
      assert.equal(notDue.exitCode, 0);
      assert.ok(notDue.nextCheck && Date.parse(notDue.nextCheck) > Date.now());
      const noAri = await run({ ...settings, server: counter.url }, root, { ari: false });
      assert.equal(noAri.action, 'not-due');
      assert.equal(counter.accepts(), 0, 'a not-due run opens no connection');
    } finally {
      await counter.close();
    }
  });

  test('in the renewal window: renewed, files replaced atomically, previous generation kept', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'window');
    assert.equal((await run(settings, root)).action, 'renewed');
    const before = snapshot(settings.directory);
    // 3600 s certificates with renewBefore 59m are due a minute after issuance: force the window.
    const due = { ...settings, renewBefore: { kind: 'seconds' as const, seconds: 3599 } };
    const o = await run(due, root);
    assert.equal(o.action, 'renewed', o.log);
    assert.deepEqual(
      o.dueReasons.map((r) => r.code),
      ['renewal-window'],
    );
    const after = snapshot(settings.directory);
    assert.notEqual(after['cert.pem'], before['cert.pem']);
    assert.notEqual(after['key.pem'], before['key.pem'], 'a new key by default (key rotation)');
    assert.equal(inspectCertificate(settings, new Date()).usable, true);
    const gens = readdirSync(settings.directory).filter((e) => e.startsWith('.gen-'));
    assert.equal(gens.length, 2);
  });

  test('--reuse-key keeps the private key across a renewal', async () => {
    const settings = pebbleSettings(pebble, root, { reuseKey: true }, 'reuse');
    assert.equal((await run(settings, root)).action, 'renewed');
    const key = readFileSync(settings.keyFile!, 'utf8');
    const o = await run(settings, root, { force: true });
    assert.equal(o.action, 'renewed', o.log);
    assert.equal(readFileSync(settings.keyFile!, 'utf8'), key);
  });

  test('a plain-file directory (lego / security.acme) is migrated to the symlink layout', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'migrate');
    mkdirSync(settings.directory, { recursive: true });
    const { intermediate, leaf } = await makeChain({ sans: ['site.test', 'www.site.test'], days: -1 });
    const expired = await makeChain({
      sans: ['site.test', 'www.site.test'],
      notBefore: new Date(Date.now() - 10 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    void leaf;
    void intermediate;
    writeFileSync(join(settings.directory, 'cert.pem'), expired.leaf.certPem);
    writeFileSync(join(settings.directory, 'chain.pem'), expired.intermediate.certPem);
    writeFileSync(
      join(settings.directory, 'fullchain.pem'),
      expired.leaf.certPem + expired.intermediate.certPem,
    );
    writeFileSync(join(settings.directory, 'key.pem'), expired.leaf.keyPem, { mode: 0o640 });
    writeFileSync(join(settings.directory, 'full.pem'), expired.leaf.keyPem + expired.leaf.certPem);
    const o = await run(settings, root);
    assert.equal(o.action, 'renewed', o.log);
    assert.deepEqual(
      o.dueReasons.map((r) => r.code),
      ['unusable'],
    );
    for (const f of FILES) assert.ok(lstatSync(join(settings.directory, f)).isSymbolicLink(), f);
    assert.equal(inspectCertificate(settings, new Date()).usable, true);
    const migrated = readdirSync(settings.directory).find((e) => e.includes('migrated'));
    assert.ok(migrated, 'the old files are kept as the previous generation');
    assert.equal(readFileSync(join(settings.directory, migrated, 'key.pem'), 'utf8'), expired.leaf.keyPem);
  });

  test('CA down with a valid certificate: soft failure (75), state records it, files untouched', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'down');
    assert.equal((await run(settings, root)).action, 'renewed');
    const before = snapshot(settings.directory);
    const refusedPort = await freePort();
    const due = {
      ...settings,
      server: `https://127.0.0.1:${refusedPort}/dir`,
      renewBefore: { kind: 'seconds' as const, seconds: 3599 },
    };
    const started = Date.now();
    const o = await run(due, root);
    assert.equal(o.exitCode, 75, o.log);
    assert.equal(o.action, 'soft-failure');
    assert.equal(o.failure?.class, 'ca-unreachable');
    assert.match(o.failure!.message, /ECONNREFUSED/);
    assert.ok(Date.now() - started < 60_000, 'within the default budget');
    assert.deepEqual(snapshot(settings.directory), before, 'files untouched');
    assert.equal(inspectCertificate(settings, new Date()).usable, true, 'still a matching usable pair');
    const st = readState(globalFor(root).stateDirectory, 'down');
    assert.ok(st.ok);
    assert.equal(st.state.lastError?.class, 'ca-unreachable');
    assert.equal(st.state.consecutiveFailures, 1);
    assert.ok(Date.parse(st.state.nextAttemptNotBefore!) > Date.now());
    assert.equal(o.nextCheck, st.state.nextAttemptNotBefore);

    // Backoff: an immediate rerun does not contact the CA at all...
    const counter = await countingListener();
    try {
      const again = await run({ ...due, server: counter.url }, root);
      assert.equal(again.action, 'backoff');
      assert.equal(again.exitCode, 75);
      assert.equal(again.failure?.class, 'ca-unreachable');
      assert.equal(counter.accepts(), 0, 'backoff: no connection');
      // ...unless forced.
      const forced = await run({ ...due, server: counter.url }, root, { force: true });
      assert.equal(forced.action, 'soft-failure', forced.log);
      assert.ok(counter.accepts() > 0, '--force contacts the CA');
      const st2 = readState(globalFor(root).stateDirectory, 'down');
      assert.ok(st2.ok && st2.state.consecutiveFailures === 2);
    } finally {
      await counter.close();
    }
    assert.deepEqual(snapshot(settings.directory), before);
  });

  test('no certificate and CA down: hard failure (1)', async () => {
    const settings = pebbleSettings(
      pebble,
      root,
      { server: `https://127.0.0.1:${await freePort()}/dir` },
      'nocert',
    );
    const o = await run(settings, root);
    assert.equal(o.exitCode, 1, o.log);
    assert.equal(o.action, 'hard-failure');
    assert.equal(o.failure?.class, 'ca-unreachable');
    assert.equal(o.verdict.usable, false);
    // The backoff also protects the CA from a host without a certificate; the answer stays 1.
    const again = await run(settings, root);
    assert.equal(again.action, 'backoff');
    assert.equal(again.exitCode, 1);
  });

  test('two concurrent forced runs: one order, the other sees the fresh certificate', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'lock');
    assert.equal((await run(settings, root)).action, 'renewed');
    const [a, b] = await Promise.all([
      run(settings, root, { force: true }),
      run(settings, root, { force: true }),
    ]);
    const actions = [a.action, b.action].sort();
    assert.deepEqual(actions, ['not-due', 'renewed'], `${a.log}\n---\n${b.log}`);
    // And with a short wait the second reports busy (exit 0) instead of ordering.
    const slow = run(settings, root, { force: true });
    await new Promise((r) => setTimeout(r, 20));
    const busy = await run(settings, root, { force: true, lockWaitMs: 0 });
    const first = await slow;
    assert.equal(first.action, 'renewed');
    assert.equal(busy.action, 'busy');
    assert.equal(busy.exitCode, 0);
  });

  test('reload units and a failing post-run command: reported, the new certificate stays', async (t) => {
    const bin = join(root, 'fakebin');
    mkdirSync(bin, { recursive: true });
    const calls = join(root, 'systemctl-calls');
    // A fake systemctl first in PATH records its argv (real systemd is the systemd suite's part).
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> '${calls}'\nexit 0\n`);
    chmodSync(join(bin, 'systemctl'), 0o755);
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    t.after(() => {
      process.env.PATH = oldPath;
    });
    const settings = pebbleSettings(
      pebble,
      root,
      {
        reloadServices: ['nginx.service', 'postfix.service'],
        postRun: 'echo "$CERTGUARD_NAME" > posted; exit 3',
      },
      'hooks',
    );
    const o = await run(settings, root);
    assert.equal(o.action, 'renewed', o.log);
    assert.equal(o.exitCode, 0);
    // Each unit's state is read first (a unit still starting is waited for), then reloaded.
    assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [
      'show -p ActiveState --value -- nginx.service',
      'try-reload-or-restart -- nginx.service',
      'show -p ActiveState --value -- postfix.service',
      'try-reload-or-restart -- postfix.service',
    ]);
    assert.equal(
      readFileSync(join(settings.directory, 'posted'), 'utf8'),
      'hooks\n',
      'post-run ran in the directory',
    );
    assert.equal(o.hookFailures?.length, 1);
    assert.match(o.hookFailures![0]!, /post-run command failed: exit 3/);
    assert.equal(inspectCertificate(settings, new Date()).usable, true);
    const st = readState(globalFor(root).stateDirectory, 'hooks');
    assert.ok(st.ok && st.state.lastSuccess, 'a failing hook is not a failed renewal');
  });

  test('a corrupt state file is reported and replaced, never fatal', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'corrupt');
    const path = statePath(globalFor(root).stateDirectory, 'corrupt');
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '{"version": 1, "lastAttempt": ');
    const o = await run(settings, root);
    assert.equal(o.action, 'renewed', o.log);
    assert.match(o.log, /corrupt state file/);
    const st = readState(globalFor(root).stateDirectory, 'corrupt');
    assert.ok(st.ok && st.state.lastSuccess);
  });

  test('http-01 through a webroot served on pebble’s validation port', async (t) => {
    const webroot = join(root, 'webroot');
    mkdirSync(webroot, { recursive: true });
    const server = createServer((req, res) => {
      try {
        const body = readFileSync(join(webroot, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
        res.end(body);
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(pebble.httpPort, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const settings = pebbleSettings(pebble, root, { webroot }, 'webroot');
    const o = await run(settings, root);
    assert.equal(o.action, 'renewed', o.log);
    const challengeDir = join(webroot, '.well-known', 'acme-challenge');
    assert.deepEqual(
      existsSync(challengeDir) ? readdirSync(challengeDir) : [],
      [],
      'tokens removed afterwards',
    );
  });

  test('dns-01 through a hook that sets the TXT record in challtestsrv', async () => {
    const hook = join(root, 'dns-hook.mjs');
    writeFileSync(
      hook,
      `#!/usr/bin/env node
const [action, fqdn, value] = process.argv.slice(2);
const path = action === 'present' ? '/set-txt' : '/clear-txt';
const res = await fetch(${JSON.stringify(pebble.challtestsrvManagementUrl)} + path, {
  method: 'POST', body: JSON.stringify({ host: fqdn, value }) });
process.exit(res.ok ? 0 : 1);
`,
    );
    chmodSync(hook, 0o755);
    const settings = pebbleSettings(
      pebble,
      root,
      { dnsHook: hook, domains: ['dns.test', '*.dns.test'] },
      'dns',
    );
    const o = await run(settings, root);
    assert.equal(o.action, 'renewed', o.log);
    assert.deepEqual(o.verdict.domains.sort(), ['*.dns.test', 'dns.test']);
  });

  test('a key type changed in the settings is re-issued with the new type', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'keytype');
    assert.equal((await run(settings, root)).verdict.keyType, 'ec256');
    for (const keyType of ['ec384', 'rsa2048'] as const) {
      const o = await run({ ...settings, keyType }, root);
      assert.equal(o.action, 'renewed', o.log);
      assert.deepEqual(
        o.dueReasons.map((r) => r.code),
        ['key-type-changed'],
      );
      assert.equal(o.verdict.keyType, keyType);
    }
  });

  test('names added in the settings are re-issued', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'names');
    assert.equal((await run(settings, root)).action, 'renewed');
    const o = await run({ ...settings, domains: [...settings.domains, 'api.site.test'] }, root);
    assert.equal(o.action, 'renewed', o.log);
    assert.deepEqual(
      o.dueReasons.map((r) => r.code),
      ['names-changed'],
    );
    assert.ok(o.verdict.domains.includes('api.site.test'));
  });

  test('a broken install target is a local-io failure and leaves the old pair', async () => {
    const settings = pebbleSettings(pebble, root, {}, 'localio');
    assert.equal((await run(settings, root)).action, 'renewed');
    const before = snapshot(settings.directory);
    // The state directory's lock is fine, but the certificate directory is replaced by a file.
    const moved = `${settings.directory}.moved`;
    cpSync(settings.directory, moved, { recursive: true, verbatimSymlinks: true });
    rmSync(settings.directory, { recursive: true });
    writeFileSync(settings.directory, 'not a directory');
    const o = await run(
      { ...settings, certFile: join(moved, 'fullchain.pem'), keyFile: join(moved, 'key.pem') },
      root,
      {
        force: true,
      },
    );
    assert.equal(o.action, 'soft-failure', o.log);
    assert.equal(o.failure?.class, 'local-io');
    assert.deepEqual(snapshot(moved), before);
  });
});

test('renew refuses a certificate another client renews (companion mode) before any network', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const settings: CertSettings = resolveCert(
      'site',
      [
        {
          domains: ['site.test'],
          server: 'https://127.0.0.1:9/dir',
          webroot: dir,
          issuedBy: 'security.acme',
        },
      ],
      'test',
    );
    await assert.rejects(
      renewCertificate(settings, globalFor(dir), { force: true, ari: false, log: () => {} }),
      (e: Error) =>
        e.name === 'UsageError' && /site: issued by security\.acme \(companion mode\)/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

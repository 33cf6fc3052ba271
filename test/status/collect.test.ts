import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../src/config/config-file.ts';
import { UsageError } from '../../src/exit-codes.ts';
import { collectStatus } from '../../src/status/collect.ts';
import { statePath } from '../../src/store/state.ts';
import { makeCert, makeChain } from '../helpers/fixtures.ts';
import { DAY, HOUR, iso, makeInstall } from './setup.ts';

/** One installation with a certificate in every state, built from real generated certificates. */
async function everyState() {
  const inst = makeInstall();
  const now = Date.now();
  const fresh = await makeChain({ sans: ['ok.example'], days: 80 });
  inst.addCert('ok', fresh.leaf, { issuers: [fresh.intermediate], entry: { domains: ['ok.example'] } });
  // 90-day certificate with 20 days left: past the default renewal point (last third).
  const old = await makeChain({
    sans: ['due.example'],
    notBefore: new Date(now - 70 * DAY),
    notAfter: new Date(now + 20 * DAY),
  });
  inst.addCert('due', old.leaf, { issuers: [old.intermediate] });
  inst.addCert('failing', old.leaf, { issuers: [old.intermediate] });
  inst.setState('failing', {
    lastAttempt: iso(now - 2 * HOUR),
    lastSuccess: iso(now - 70 * DAY),
    lastError: { class: 'ca-unreachable', message: 'connection refused', at: iso(now - 2 * HOUR) },
    consecutiveFailures: 2,
    nextAttemptNotBefore: iso(now + HOUR),
  });
  const placeholder = await makeCert({
    sans: ['p.example'],
    subjectExtra: 'O=certguard placeholder',
    days: 7,
  });
  inst.addCert('placeholder', placeholder);
  const gone = await makeChain({
    sans: ['x.example'],
    notBefore: new Date(now - 91 * DAY),
    notAfter: new Date(now - DAY),
  });
  inst.addCert('expired', gone.leaf, { issuers: [gone.intermediate] });
  inst.addCert('missing', null);
  return inst;
}

test('every state from real certificate files and state files', async (t) => {
  const inst = await everyState();
  t.after(inst.cleanup);
  const config = loadConfigFile(inst.writeConfig());
  const rows = collectStatus(config, [], new Date());
  assert.deepEqual(
    rows.map((r) => [r.name, r.state]),
    [
      ['ok', 'ok'],
      ['due', 'renewal-due'],
      ['failing', 'renewal-failing'],
      ['placeholder', 'placeholder'],
      ['expired', 'unusable'],
      ['missing', 'missing'],
    ],
  );
  const failing = rows[2]!;
  assert.equal(failing.usable, true);
  assert.equal(failing.lastError?.message, 'connection refused');
  assert.equal(failing.stateFile, statePath(inst.stateDirectory, 'failing'));
  assert.deepEqual(
    rows[4]!.reasons.map((r) => r.code),
    ['expired'],
  );
  assert.equal(rows[0]!.stateFileExists, false);
});

test('NAME arguments select and order the rows; repeats are shown once', async (t) => {
  const inst = await everyState();
  t.after(inst.cleanup);
  const config = loadConfigFile(inst.writeConfig());
  const rows = collectStatus(config, ['missing', 'ok', 'missing'], new Date());
  assert.deepEqual(
    rows.map((r) => r.name),
    ['missing', 'ok'],
  );
});

test('an unknown NAME is a usage error naming the known certificates', async (t) => {
  const inst = await everyState();
  t.after(inst.cleanup);
  const config = loadConfigFile(inst.writeConfig());
  assert.throws(
    () => collectStatus(config, ['ok', 'nope'], new Date()),
    (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /no certificate named "nope" \(known: ok, due, failing/);
      return true;
    },
  );
});

test('a corrupt, unreadable or foreign state file is reported in the row, never fatal', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  const c = await makeChain({ sans: ['a.example'] });
  for (const name of ['corrupt', 'directory', 'foreign', 'absent']) {
    inst.addCert(name, c.leaf, { issuers: [c.intermediate] });
  }
  mkdirSync(join(inst.stateDirectory, 'certs'), { recursive: true });
  writeFileSync(statePath(inst.stateDirectory, 'corrupt'), '{"version": 1, "lastAtt');
  mkdirSync(statePath(inst.stateDirectory, 'directory'));
  writeFileSync(statePath(inst.stateDirectory, 'foreign'), '{"version": 7}');
  const rows = collectStatus(loadConfigFile(inst.writeConfig()), [], new Date());
  assert.deepEqual(
    rows.map((r) => [r.name, r.state]),
    [
      ['corrupt', 'ok'],
      ['directory', 'ok'],
      ['foreign', 'ok'],
      ['absent', 'ok'],
    ],
  );
  assert.match(rows[0]!.stateProblem!, /corrupt state file \(invalid JSON\)/);
  assert.match(rows[1]!.stateProblem!, /is a directory/);
  assert.match(rows[2]!.stateProblem!, /unknown state format/);
  assert.equal(rows[3]!.stateProblem, null);
  assert.equal(rows[3]!.stateFileExists, false);
});

test('a missing state directory is fine: nothing was ever renewed', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  const c = await makeChain({ sans: ['a.example'] });
  inst.addCert('a', c.leaf, { issuers: [c.intermediate] });
  const rows = collectStatus(loadConfigFile(inst.writeConfig()), [], new Date());
  assert.equal(rows[0]!.state, 'ok');
  assert.equal(rows[0]!.lastAttempt, null);
});

test('an unreadable certificate file is unusable, not missing', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  const c = await makeChain({ sans: ['a.example'] });
  const dir = inst.addCert('a', c.leaf, { issuers: [c.intermediate] });
  // A directory where the certificate file should be: unreadable for root too.
  const cert = join(dir, 'fullchain.pem');
  rmSync(cert);
  mkdirSync(cert);
  const rows = collectStatus(loadConfigFile(inst.writeConfig()), [], new Date());
  assert.equal(rows[0]!.state, 'unusable');
  assert.deepEqual(
    rows[0]!.reasons.map((r) => r.code),
    ['unreadable'],
  );
});

test('companion mode: a security.acme certificate is covered, judged as its renewal unit judges it', async () => {
  const inst = makeInstall();
  const now = Date.now();
  // A 6-day certificate with validMinDays 30: the lifetime rule applies, so it is not "always due".
  const short = await makeChain({
    sans: ['acme.example'],
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 5 * DAY),
  });
  const entry = { domains: ['acme.example'], renewBefore: '30d', issuedBy: 'security.acme' };
  inst.addCert('acme', short.leaf, { issuers: [short.intermediate], entry });
  inst.addCert('acme-failing', short.leaf, { issuers: [short.intermediate], entry });
  // What `certguard companion record` leaves after lego failed with the certificate still usable.
  inst.setState('acme-failing', {
    lastAttempt: iso(now - HOUR),
    lastError: {
      class: 'ca-unreachable',
      message: 'Could not create client: connection refused',
      at: iso(now - HOUR),
    },
    consecutiveFailures: 1,
  });
  const rows = collectStatus(loadConfigFile(inst.writeConfig()), [], new Date(now));
  const [ok, failing] = rows;
  assert.equal(ok?.state, 'ok');
  assert.equal(ok?.issuedBy, 'security.acme');
  assert.equal(failing?.state, 'renewal-failing');
  assert.match(failing?.lastError?.message ?? '', /connection refused/);
  inst.cleanup();
});

/**
 * External Account Binding against an EAB-requiring pebble: the HMAC key comes from a file or a
 * systemd credential, never from argv.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eabHmacPath, readEabHmac } from '../../src/renew/eab-secret.ts';
import { renewCertificate } from '../../src/renew/renew.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { type Pebble, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { collectLog, globalFor, pebbleSettings } from './support.ts';

test('the EAB HMAC path: absolute paths as given, bare names in $CREDENTIALS_DIRECTORY', () => {
  assert.equal(eabHmacPath('/etc/secret', { CREDENTIALS_DIRECTORY: '/run/creds/x' }), '/etc/secret');
  assert.equal(eabHmacPath('eab-hmac', { CREDENTIALS_DIRECTORY: '/run/creds/x' }), '/run/creds/x/eab-hmac');
  assert.equal(eabHmacPath('eab-hmac', {}), 'eab-hmac');
});

test('the EAB HMAC file: trimmed, standard base64 normalised, garbage refused without echoing it', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  writeFileSync(join(dir, 'k1'), 'ab+c/d==\n');
  assert.equal(readEabHmac(join(dir, 'k1')), 'ab-c_d');
  writeFileSync(join(dir, 'k2'), 'not a key at all\n');
  assert.throws(
    () => readEabHmac(join(dir, 'k2')),
    (e: Error) => /expected one line of base64url/.test(e.message) && !e.message.includes('not a key'),
  );
  assert.throws(() => readEabHmac(join(dir, 'missing')), /EAB HMAC key: .*does not exist/);
});

describe('EAB against pebble', { skip: !pebbleAvailable() && 'SKIPPED: pebble not installed' }, () => {
  let pebble: Pebble;
  const hmac = randomBytes(32).toString('base64url');
  const tmp = tempDir('certguard-eab-');
  const root = tmp.dir;
  before(async () => {
    if (!pebbleAvailable()) {
      console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
      return;
    }
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false, eab: { 'kid-1': hmac } });
  });
  after(async () => {
    await pebble?.stop();
    tmp.cleanup();
  });

  test('with the right key from a file: renewed', async () => {
    const file = join(root, 'eab.hmac');
    writeFileSync(file, `${hmac}\n`, { mode: 0o600 });
    const settings = pebbleSettings(pebble, root, { eab: { kid: 'kid-1', hmacFile: file } }, 'eab');
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: false, ari: false, log: l.log });
    assert.equal(o.action, 'renewed', l.text());
    assert.doesNotMatch(l.text(), new RegExp(hmac), 'the HMAC key is never logged');
  });

  test('with the key as a systemd credential (bare name): renewed', async (t) => {
    const creds = join(root, 'creds');
    mkdirSync(creds, { recursive: true });
    writeFileSync(join(creds, 'eab-hmac'), hmac, { mode: 0o400 });
    const old = process.env.CREDENTIALS_DIRECTORY;
    process.env.CREDENTIALS_DIRECTORY = creds;
    t.after(() => {
      if (old === undefined) delete process.env.CREDENTIALS_DIRECTORY;
      else process.env.CREDENTIALS_DIRECTORY = old;
    });
    const settings = pebbleSettings(
      pebble,
      root,
      { eab: { kid: 'kid-1', hmacFile: 'eab-hmac' }, email: 'cred@site.test' },
      'eabcred',
    );
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: false, ari: false, log: l.log });
    assert.equal(o.action, 'renewed', l.text());
  });

  test('with a wrong key and no certificate: hard failure (1), ca-error', async () => {
    const file = join(root, 'wrong.hmac');
    writeFileSync(file, randomBytes(32).toString('base64url'));
    const settings = pebbleSettings(
      pebble,
      root,
      { eab: { kid: 'kid-1', hmacFile: file }, email: 'wrong@site.test' },
      'eabwrong',
    );
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: false, ari: false, log: l.log });
    assert.equal(o.exitCode, 1, l.text());
    assert.equal(o.action, 'hard-failure');
    assert.equal(o.failure?.class, 'ca-error');
  });

  test('without EAB where the CA requires it: ca-error naming the problem', async () => {
    const settings = pebbleSettings(pebble, root, { email: 'none@site.test' }, 'eabnone');
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: false, ari: false, log: l.log });
    assert.equal(o.exitCode, 1);
    assert.equal(o.failure?.class, 'ca-error');
    assert.match(o.failure!.message, /externalAccount|EAB|external account/i);
  });
});

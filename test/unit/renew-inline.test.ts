import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspectCertificate } from '../../src/check/inspect.ts';
import { resolveCheckTarget } from '../../src/check/target.ts';
import { parseCheckOptions } from '../../src/cli/check-options.ts';
import { renewInline } from '../../src/unit/renew-inline.ts';
import { freePort, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { makeSite } from './unit-test-kit.ts';

function target(configPath: string) {
  return resolveCheckTarget(parseCheckOptions(['site', '--config', configPath]), {});
}

test('--renew-inline against a real CA: one renewal installs a usable certificate', async (t) => {
  if (!pebbleAvailable()) {
    console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
    t.skip('SKIPPED: pebble not installed');
    return;
  }
  const pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
  t.after(() => pebble.stop());
  const s = makeSite({
    server: pebble.directoryUrl,
    caBundle: pebble.caBundlePath,
    httpListen: `127.0.0.1:${pebble.httpPort}`,
    domains: ['site.test'],
  });
  t.after(s.cleanup);
  const { settings, global } = target(s.configPath);
  const r = await renewInline(settings, global, 20_000);
  assert.equal(r.exitCode, 0, r.summary);
  assert.match(r.summary, /renewed/);
  const v = inspectCertificate(settings, new Date());
  assert.equal(v.usable, true);
  assert.equal(v.placeholder, false);
  assert.match(v.issuer ?? '', /Pebble/i);
});

test('--renew-inline with the CA down: a failure summary, nothing installed, never a throw', async (t) => {
  const s = makeSite({ server: `https://127.0.0.1:${await freePort()}/dir`, httpListen: '127.0.0.1:5002' });
  t.after(s.cleanup);
  const { settings, global } = target(s.configPath);
  const r = await renewInline(settings, global, 5000);
  assert.equal(r.exitCode, 1);
  assert.match(r.summary, /ca-unreachable/);
  assert.equal(inspectCertificate(settings, new Date()).reasons[0]?.code, 'missing');
});

test('--renew-inline with a config that cannot renew says so instead of throwing', async (t) => {
  const s = makeSite(); // no server, no challenge
  t.after(s.cleanup);
  const { settings, global } = target(s.configPath);
  const r = await renewInline(settings, global, 5000);
  assert.equal(r.exitCode, 1);
  assert.match(r.summary, /renewal could not run: .*renewing needs server/);
});

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inspectSecurityAcme, isMinicaPlaceholder, windowTooLong } from '../../src/check/security-acme.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { makeCert, makeChain, tempDir, writeFile } from '../helpers/fixtures.ts';

const { dir, cleanup } = tempDir();
after(cleanup);
const DAY = 86_400_000;

async function install(name: string, pem: { certPem: string; keyPem: string }, chainPem = '') {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFile(d, 'fullchain.pem', pem.certPem + chainPem, 0o640);
  writeFile(d, 'key.pem', pem.keyPem, 0o640);
  return d;
}
const settingsFor = (directory: string, entry: object = {}) =>
  resolveCert('site', [{ directory, domains: ['site.test'], renewBefore: '30d', ...entry }], 'test');

test('validMinDays shorter than the lifetime: the window is validMinDays', async () => {
  const { leaf, intermediate } = await makeChain({
    sans: ['site.test'],
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 89 * DAY),
  });
  const d = await install('long', leaf, intermediate.certPem);
  const r = inspectSecurityAcme(settingsFor(d), new Date());
  assert.equal(r.windowFallback, false);
  assert.equal(r.verdict.renewalDue, false);
  assert.equal(Date.parse(r.verdict.renewAt!), Date.parse(r.verdict.notAfter!) - 30 * DAY);
});

test("validMinDays not shorter than a 6-day lifetime: certguard's lifetime-relative rule decides instead", async () => {
  const { leaf, intermediate } = await makeChain({
    sans: ['site.test'],
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 5 * DAY),
  });
  const d = await install('short', leaf, intermediate.certPem);
  const r = inspectSecurityAcme(settingsFor(d), new Date());
  assert.equal(r.windowFallback, true);
  assert.equal(r.verdict.renewalDue, false, 'not due at day 1 of 6 (lego as configured would renew daily)');
  // The default rule (renewal-point.ts): 2/3 of a lifetime under 10 days left, so day 2 of 6.
  assert.equal(Date.parse(r.verdict.renewAt!), Date.parse(r.verdict.notAfter!) - 4 * DAY);
  assert.equal(windowTooLong({ kind: 'fraction', fraction: 0.5 }, r.verdict), false);
});

test("security.acme's minica placeholder is a placeholder, not an ok certificate", async () => {
  const ca = await makeCert({ isCa: true, cn: 'minica root ca 5f3a1b', days: 3650 });
  const leaf = await makeCert({ sans: ['site.test'], issuer: ca, days: 30 });
  const d = await install('placeholder', leaf, ca.certPem);
  const r = inspectSecurityAcme(settingsFor(d), new Date());
  assert.equal(r.verdict.placeholder, true);
  assert.equal(r.verdict.renewalDue, true);
  assert.equal(r.verdict.warnings[0]?.code, 'placeholder');
  assert.equal(isMinicaPlaceholder({ issuer: 'CN=certguard test intermediate' }), false);
});

test("lego's domain hash: same, different, missing", async () => {
  const { leaf, intermediate } = await makeChain({ sans: ['site.test'], days: 60 });
  const d = await install('hash', leaf, intermediate.certPem);
  const file = writeFile(dir, 'domainhash.txt', '0123456789abcdef0123\n');
  const check = (hash: string, f = file) =>
    inspectSecurityAcme(settingsFor(d, { legoDomainHash: { file: f, hash } }), new Date()).domainHashChanged;
  assert.equal(check('0123456789abcdef0123'), undefined);
  assert.match(
    check('ffffffffffffffffffff')!,
    /^names changed: lego's domain hash is "0123456789abcdef0123", security.acme expects ffffffffffffffffffff$/,
  );
  assert.match(
    check('0123456789abcdef0123', join(dir, 'nope.txt'))!,
    /^lego has no domain hash for these settings yet/,
  );
  // Not configured (outside NixOS): nothing to compare.
  assert.equal(inspectSecurityAcme(settingsFor(d), new Date()).domainHashChanged, undefined);
});

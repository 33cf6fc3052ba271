import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { keyTypeName } from '../../src/cert/key-type.ts';
import { isPlaceholder } from '../../src/cert/placeholder-mark.ts';
import type { KeyType } from '../../src/config/settings.ts';
import { generatePlaceholder, PLACEHOLDER_DAYS } from '../../src/unit/placeholder.ts';

const now = new Date();
const DAY = 86_400_000;

for (const keyType of ['ec256', 'ec384', 'rsa2048'] as KeyType[]) {
  test(`placeholder with a ${keyType} key: self-signed, marked, covers the names, key matches`, async () => {
    const pems = await generatePlaceholder(
      {
        name: 'site',
        domains: ['example.com', '*.example.com', '192.0.2.7'],
        keyType,
        minValiditySeconds: 0,
      },
      now,
    );
    const cert = new X509Certificate(pems.certPem);
    const key = createPrivateKey(pems.keyPem);
    assert.equal(isPlaceholder(cert), true);
    assert.equal(keyTypeName(key), keyType);
    assert.equal(cert.checkPrivateKey(key), true);
    assert.equal(cert.verify(cert.publicKey), true, 'self-signed');
    assert.equal(cert.ca, false);
    assert.ok(cert.checkHost('example.com', { subject: 'never' }));
    assert.ok(cert.checkHost('a.example.com', { subject: 'never' }));
    assert.ok(cert.checkIP('192.0.2.7'));
    const lifetime = new Date(cert.validTo).getTime() - now.getTime();
    assert.ok(Math.abs(lifetime - PLACEHOLDER_DAYS * DAY) < 5000, `lifetime ${lifetime}`);
    assert.ok(new Date(cert.validFrom).getTime() < now.getTime(), 'backdated');
    assert.match(pems.keyPem, /^-----BEGIN PRIVATE[ ]KEY-----/);
  });
}

test('a placeholder outlives the configured minimum validity', async () => {
  const pems = await generatePlaceholder(
    { name: 'site', domains: ['example.com'], keyType: 'ec256', minValiditySeconds: 30 * 86400 },
    now,
  );
  const left = new Date(new X509Certificate(pems.certPem).validTo).getTime() - now.getTime();
  assert.ok(left > 30 * DAY, `only ${left / DAY} days`);
});

test('without domains the certificate NAME becomes the subject CN', async () => {
  const pems = await generatePlaceholder(
    { name: 'site', domains: [], keyType: 'ec256', minValiditySeconds: 0 },
    now,
  );
  const cert = new X509Certificate(pems.certPem);
  assert.match(cert.subject, /CN=site/);
  assert.equal(cert.subjectAltName, undefined);
});

test('two placeholders never share a key or a serial', async () => {
  const req = { name: 's', domains: ['example.com'], keyType: 'ec256' as KeyType, minValiditySeconds: 0 };
  const [a, b] = await Promise.all([generatePlaceholder(req, now), generatePlaceholder(req, now)]);
  assert.notEqual(a.keyPem, b.keyPem);
  assert.notEqual(new X509Certificate(a.certPem).serialNumber, new X509Certificate(b.certPem).serialNumber);
});

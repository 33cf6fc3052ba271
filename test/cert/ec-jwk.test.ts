import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { ecPkcs8ToJwk, ecSec1ToJwk } from '../../src/cert/ec-jwk.ts';

test('P-256 and P-384 keys (PKCS#8 and SEC1) import through the JWK fast path as the same key', () => {
  for (const namedCurve of ['P-256', 'P-384']) {
    for (let i = 0; i < 50; i++) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve });
      for (const [type, toJwk] of [
        ['pkcs8', ecPkcs8ToJwk],
        ['sec1', ecSec1ToJwk],
      ] as const) {
        const jwk = toJwk(privateKey.export({ type, format: 'der' }));
        assert.ok(jwk, `${namedCurve} ${type}`);
        assert.ok(createPrivateKey({ key: jwk, format: 'jwk' }).equals(privateKey), `${namedCurve} ${type}`);
      }
    }
  }
});

test('a SEC1 key written by openssl ecparam (as lego and security.acme keys are) takes the fast path', (t) => {
  let pem: string;
  try {
    pem = execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], {
      encoding: 'utf8',
    });
  } catch {
    t.skip('SKIPPED: openssl not installed');
    return;
  }
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const jwk = ecSec1ToJwk(der);
  assert.ok(jwk);
  assert.ok(createPrivateKey({ key: jwk, format: 'jwk' }).equals(createPrivateKey(pem)));
});

test('anything else falls back (undefined): other curves, RSA, Ed25519, garbage', () => {
  const others = [
    generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
    generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey,
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
    generateKeyPairSync('ed25519').privateKey,
  ];
  for (const key of others) {
    assert.equal(ecPkcs8ToJwk(key.export({ type: 'pkcs8', format: 'der' })), undefined);
  }
  for (const bad of [Buffer.alloc(0), Buffer.from([0x30, 0x80]), Buffer.from([0x30, 0x82, 0xff, 0xff, 1])]) {
    assert.equal(ecPkcs8ToJwk(bad), undefined);
    assert.equal(ecSec1ToJwk(bad), undefined);
  }
});

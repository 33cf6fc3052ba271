/** Loading certificate and key files: every failure is a reason with a message, never a throw. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadCertificates, loadPrivateKey } from '../../src/cert/load.ts';
import { type Issued, keyPemAs, makeCert, pemBlock, tempDir, writeFile } from '../helpers/fixtures.ts';

const { dir, cleanup } = tempDir();
after(cleanup);

let leaf: Issued;
let issuer: Issued;
before(async () => {
  issuer = await makeCert({ isCa: true, cn: 'load CA' });
  leaf = await makeCert({ issuer, sans: ['load.example'] });
});

/** No message may ever carry key material: neither PEM text nor base64 body lines. */
function assertNoKeyMaterial(message: string, keyPem: string): void {
  assert.doesNotMatch(message, /PRIVATE KEY-----/);
  for (const line of keyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
    assert.ok(!message.includes(line.slice(0, 20)), 'key material in message');
  }
}

describe('loadCertificates', () => {
  test('fullchain: leaf first, then issuers', () => {
    const r = loadCertificates(writeFile(dir, 'full.pem', leaf.certPem + issuer.certPem));
    assert.ok(r.ok);
    assert.equal(r.certs.length, 2);
    assert.match(r.certs[0]!.subject, /load.example/);
  });

  test('full.pem (key + certificates) reads the certificates and ignores the key', () => {
    const r = loadCertificates(writeFile(dir, 'fullkey.pem', leaf.keyPem + leaf.certPem + issuer.certPem));
    assert.ok(r.ok);
    assert.equal(r.certs.length, 2);
  });

  const bad: [string, () => string | Buffer, string, RegExp][] = [
    ['empty', () => '', 'malformed', /is empty$/],
    ['truncated', () => leaf.certPem.slice(0, 300), 'malformed', /truncated or damaged PEM block/],
    [
      'a fullchain whose last issuer is cut off',
      () => leaf.certPem + issuer.certPem.slice(0, 200),
      'malformed',
      /truncated or damaged PEM block/,
    ],
    ['DER', () => Buffer.from(leaf.cert.rawData), 'malformed', /looks like DER/],
    [
      'binary garbage',
      () => Buffer.from([0xff, 0, 0x13, 0x37, 0x80, 0x7f]),
      'malformed',
      /holds no PEM block/,
    ],
    ['a private key', () => leaf.keyPem, 'malformed', /holds a private key, not a certificate/],
    [
      'a PEM block whose DER is not a certificate',
      () =>
        `-----BEGIN CERTIFICATE-----\n${Buffer.from('not der at all').toString('base64')}\n-----END CERTIFICATE-----\n`,
      'malformed',
      /certificate #1 cannot be parsed/,
    ],
  ];
  for (const [label, content, code, message] of bad) {
    test(`${label}: ${code}`, () => {
      const r = loadCertificates(writeFile(dir, `bad-cert-${label.replaceAll(' ', '-')}.pem`, content()));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.problem.code, code);
      assert.match(r.problem.message, message);
      assertNoKeyMaterial(r.problem.message, leaf.keyPem);
    });
  }
});

describe('loadPrivateKey', () => {
  test('keeps the file mode for the permission warning', () => {
    const r = loadPrivateKey(writeFile(dir, 'k640.pem', leaf.keyPem, 0o640));
    assert.ok(r.ok);
    assert.equal(r.mode & 0o777, 0o640);
  });

  test('a key after certificates (full.pem) is found', () => {
    const r = loadPrivateKey(writeFile(dir, 'full2.pem', leaf.certPem + issuer.certPem + leaf.keyPem));
    assert.ok(r.ok);
  });

  const bad: [string, () => string | Buffer, RegExp][] = [
    ['empty', () => '', /is empty$/],
    ['truncated', () => leaf.keyPem.slice(0, 60), /truncated or damaged PEM block/],
    [
      'DER',
      () => leaf.key.export({ type: 'pkcs8', format: 'der' }) as Buffer,
      /looks like DER.*openssl pkey -inform DER/,
    ],
    ['binary garbage', () => Buffer.from([0xde, 0xad, 0xbe, 0xef]), /holds no PEM block/],
    ['a certificate', () => leaf.certPem, /holds a certificate, not a private key/],
    ['encrypted PKCS#8', () => keyPemAs(leaf, 'pkcs8', 'pw'), /is encrypted/],
    [
      'a key block with damaged DER',
      () => pemBlock('PRIVATE KEY', Buffer.from('garbage inside').toString('base64')),
      /the private key cannot be parsed/,
    ],
  ];
  for (const [label, content, message] of bad) {
    test(`${label}: malformed, without key material in the message`, () => {
      const r = loadPrivateKey(writeFile(dir, `bad-key-${label.replaceAll(' ', '-')}.pem`, content()));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.problem.code, 'malformed');
      assert.match(r.problem.message, message);
      assertNoKeyMaterial(r.problem.message, leaf.keyPem);
    });
  }
});

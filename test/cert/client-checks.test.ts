/** not-server-auth, weak-key and unknown-critical-extension on generated hierarchies. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../helpers/fixtures.ts';
import { HAVE_OPENSSL, OpensslPki, type PkiCert } from '../helpers/openssl-pki.ts';
import { codes, judge } from './pki-verdict.ts';

describe('checks every TLS client makes', { skip: !HAVE_OPENSSL && 'SKIPPED: openssl not installed' }, () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  let pki: OpensslPki;
  let root: PkiCert;
  let int: PkiCert;
  before(() => {
    pki = new OpensslPki(tmp.dir);
    root = pki.root('/CN=client root');
    int = pki.ca('/CN=client int', root);
  });

  test('a plain server leaf passes every check', () => {
    const v = judge([pki.leaf(int, ['ok.example.com'], ['extendedKeyUsage=serverAuth']), int]);
    assert.deepEqual(codes(v.reasons), []);
    assert.equal(v.usable, true);
  });

  test('EKU clientAuth only: not-server-auth', () => {
    const v = judge([pki.leaf(int, ['c.example.com'], ['extendedKeyUsage=clientAuth']), int]);
    assert.deepEqual(codes(v.reasons), ['not-server-auth']);
    assert.match(
      v.reasons[0]!.message,
      /^the certificate is not for TLS servers \(extended key usage: clientAuth\)$/,
    );
  });

  test('anyExtendedKeyUsage or serverAuth among others is fine', () => {
    const any = judge([pki.leaf(int, ['a.example.com'], ['extendedKeyUsage=anyExtendedKeyUsage']), int]);
    assert.deepEqual(codes(any.reasons), []);
    const both = judge([pki.leaf(int, ['b.example.com'], ['extendedKeyUsage=clientAuth,serverAuth']), int]);
    assert.deepEqual(codes(both.reasons), []);
  });

  test('an intermediate whose EKU excludes serverAuth: not-server-auth naming it', () => {
    const narrow = pki.ca('/CN=client-only int', root, ['extendedKeyUsage=clientAuth,emailProtection']);
    const v = judge([pki.leaf(narrow, ['n.example.com']), narrow]);
    assert.deepEqual(codes(v.reasons), ['not-server-auth']);
    assert.match(v.reasons[0]!.message, /chain certificate #1 \(CN=client-only int\) is a CA limited/);
    assert.match(v.reasons[0]!.message, /clientAuth, emailProtection/);
  });

  test('RSA 1024 leaf: weak-key; an RSA 1024 intermediate too', () => {
    const v = judge([pki.leaf(int, ['w.example.com'], [], { key: 'rsa1024' }), int]);
    assert.deepEqual(codes(v.reasons), ['weak-key']);
    assert.match(v.reasons[0]!.message, /^the certificate has an RSA key of 1024 bits \(under 2048\)$/);
    const weakInt = pki.issue({
      subject: '/CN=weak int',
      issuer: root,
      ext: ['basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign'],
      key: 'rsa1024',
    });
    const w = judge([pki.leaf(weakInt, ['w2.example.com']), weakInt]);
    assert.deepEqual(codes(w.reasons), ['weak-key']);
    assert.match(w.reasons[0]!.message, /chain certificate #1 \(CN=weak int\)/);
  });

  test('RSA 2048 and P-384 are not weak; secp256k1 is (no mainstream TLS client offers it)', () => {
    assert.deepEqual(
      codes(judge([pki.leaf(int, ['r.example.com'], [], { key: 'rsa2048' }), int]).reasons),
      [],
    );
    assert.deepEqual(codes(judge([pki.leaf(int, ['p.example.com'], [], { key: 'ec384' }), int]).reasons), []);
    const k1 = judge([pki.leaf(int, ['k.example.com'], [], { key: 'secp256k1' }), int]);
    assert.deepEqual(codes(k1.reasons), ['weak-key']);
    assert.match(k1.reasons[0]!.message, /curve 1\.3\.132\.0\.10, not P-256, P-384 or P-521/);
  });

  test('a made-up critical extension: unknown-critical-extension with its OID; non-critical is fine', () => {
    const crit = judge([pki.leaf(int, ['x.example.com'], ['1.3.6.1.4.1.55555.1=critical,DER:05:00']), int]);
    assert.deepEqual(codes(crit.reasons), ['unknown-critical-extension']);
    assert.match(crit.reasons[0]!.message, /critical extension 1\.3\.6\.1\.4\.1\.55555\.1/);
    const plain = judge([pki.leaf(int, ['y.example.com'], ['1.3.6.1.4.1.55555.1=DER:05:00']), int]);
    assert.deepEqual(codes(plain.reasons), []);
    const onCa = pki.ca('/CN=odd int', root, ['1.3.6.1.4.1.55555.2=critical,DER:05:00']);
    const v = judge([pki.leaf(onCa, ['z.example.com']), onCa]);
    assert.deepEqual(codes(v.reasons), ['unknown-critical-extension']);
    assert.match(
      v.reasons[0]!.message,
      /chain certificate #1 \(CN=odd int\) carries critical extension 1\.3\.6\.1\.4\.1\.55555\.2/,
    );
  });
});

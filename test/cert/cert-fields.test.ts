/** The DER walk of certificate fields Node does not expose, on openssl-made certificates. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fieldsOf, parseCertFields, subjectAltNamesOf } from '../../src/cert/cert-fields.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { HAVE_OPENSSL, OpensslPki, type PkiCert, requireOpenssl } from '../helpers/openssl-pki.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const x = (c: PkiCert) => new X509Certificate(c.pem);

describe('certificate fields', { skip: !HAVE_OPENSSL && 'SKIPPED: openssl not installed' }, () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  let root: PkiCert;
  let int: PkiCert;
  let leaf: PkiCert;
  before(() => {
    const pki = new OpensslPki(tmp.dir);
    root = pki.root('/CN=fields root');
    int = pki.ca('/CN=fields int', root, [
      'basicConstraints=critical,CA:true,pathlen:1',
      'extendedKeyUsage=serverAuth,clientAuth',
      'nameConstraints=critical,permitted;DNS:.example.com,permitted;IP:10.0.0.0/255.0.0.0,excluded;DNS:bad.example.com,excluded;email:x@example.com',
    ]);
    leaf = pki.leaf(int, ['a.example.com', '10.1.2.3'], ['1.2.3.4.5.6=critical,DER:05:00'], {
      subject: '/',
      key: 'rsa1024',
    });
  });

  test('basic constraints, key usage, EKU and name constraints of a CA', (t) => {
    if (!requireOpenssl(t)) return;
    const f = fieldsOf(x(int));
    assert.deepEqual(f.basicConstraints, { ca: true, pathLen: 1 });
    assert.deepEqual([...f.keyUsage!].sort(), [5, 6]);
    assert.deepEqual(f.extKeyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.deepEqual(
      f.nameConstraints!.permitted.map((n) => (n.kind === 'ip' ? hex(n.bytes) : n)),
      [{ kind: 'dns', value: '.example.com' }, '0a000000ff000000'],
    );
    assert.deepEqual(f.nameConstraints!.excluded, [
      { kind: 'dns', value: 'bad.example.com' },
      { kind: 'other', tag: 0x81 },
    ]);
    assert.equal(f.curve, '1.2.840.10045.3.1.7');
    assert.equal(hex(f.issuer), hex(fieldsOf(x(root)).subject));
  });

  test('a leaf with an empty subject, a critical SAN, an RSA 1024 key and a made-up extension', (t) => {
    if (!requireOpenssl(t)) return;
    const f = fieldsOf(x(leaf));
    assert.equal(hex(f.subject), '3000');
    assert.equal(f.rsaBits, 1024);
    assert.equal(f.basicConstraints, undefined);
    const san = f.extensions.find((e) => e.oid === '2.5.29.17')!;
    assert.equal(san.critical, true);
    assert.deepEqual(
      subjectAltNamesOf(f).map((n) => (n.kind === 'ip' ? hex(n.bytes) : n)),
      [{ kind: 'dns', value: 'a.example.com' }, '0a010203'],
    );
    assert.deepEqual(
      f.extensions.filter((e) => e.critical).map((e) => e.oid),
      ['2.5.29.17', '1.2.3.4.5.6'],
    );
  });

  test('truncated DER throws (the verdict reports it as malformed)', (t) => {
    if (!requireOpenssl(t)) return;
    const raw = x(int).raw;
    assert.throws(() => parseCertFields(raw.subarray(0, raw.length - 40)), /DER/);
    assert.throws(() => parseCertFields(new Uint8Array([0x30, 0x00])), /DER/);
  });
});

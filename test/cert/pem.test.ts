import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { countBeginLines, describeUnwanted, parsePem } from '../../src/cert/pem.ts';
import { type Issued, makeCert, pemBlock } from '../helpers/fixtures.ts';

let a: Issued;
let b: Issued;
before(async () => {
  a = await makeCert({ sans: ['a.example'] });
  b = await makeCert({ sans: ['b.example'] });
});

describe('parsePem', () => {
  test('several blocks, in order', () => {
    const blocks = parsePem(a.certPem + b.certPem + a.keyPem);
    assert.deepEqual(
      blocks.map((x) => x.type),
      ['CERTIFICATE', 'CERTIFICATE', 'PRIVATE KEY'],
    );
    assert.deepEqual(blocks[0]!.der, Buffer.from(a.cert.rawData));
    assert.deepEqual(blocks[1]!.der, Buffer.from(b.cert.rawData));
  });

  test('CRLF line ends', () => {
    const blocks = parsePem((a.certPem + b.certPem).replaceAll('\n', '\r\n'));
    assert.equal(blocks.length, 2);
    assert.deepEqual(blocks[0]!.der, Buffer.from(a.cert.rawData));
  });

  test('text around and between blocks (openssl x509 -text, bag attributes)', () => {
    const text = `Bag Attributes\n    friendlyName: a\nsubject=CN = a.example\n${a.certPem}\nsome words\n${b.certPem}trailing`;
    const blocks = parsePem(text);
    assert.equal(blocks.length, 2);
    assert.deepEqual(blocks[1]!.der, Buffer.from(b.cert.rawData));
  });

  test('RFC 1421 headers are kept apart from the body', () => {
    const text = pemBlock('RSA PRIVATE KEY', 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA');
    const [block] = parsePem(text);
    assert.equal(block!.headers['Proc-Type'], '4,ENCRYPTED');
    assert.deepEqual(block!.der, Buffer.from([0, 0, 0]));
  });

  test('a truncated block is not returned, and countBeginLines shows it', () => {
    const cut = a.certPem + b.certPem.slice(0, b.certPem.length / 2);
    assert.equal(parsePem(cut).length, 1);
    assert.equal(countBeginLines(cut), 2);
  });

  test('a body that is not base64 is skipped', () => {
    assert.deepEqual(parsePem('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'), []);
  });
});

describe('describeUnwanted', () => {
  const d = (data: string | Buffer, wanted: 'certificate' | 'private key' = 'certificate') => {
    const buf = Buffer.from(data);
    return describeUnwanted(buf, parsePem(buf.toString('latin1')), wanted);
  };
  test('empty', () => assert.equal(d(''), 'is empty'));
  test('DER, with the right conversion hint', () => {
    assert.match(d(Buffer.from(a.cert.rawData)), /DER.*openssl x509 -inform DER/);
    assert.match(d(Buffer.from([0x30, 0x82, 1, 2]), 'private key'), /DER.*openssl pkey -inform DER/);
  });
  test('truncated', () => assert.match(d(a.certPem.slice(0, 100)), /truncated or damaged/));
  test('other PEM types are named', () => {
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
    assert.equal(d(csr), 'holds CERTIFICATE REQUEST, not a certificate');
    const ssh = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    assert.equal(d(ssh, 'private key'), 'holds OPENSSH PRIVATE KEY, not a private key');
  });
  test('garbage', () => assert.equal(d('hello world\n'), 'holds no PEM block'));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DnsWireError,
  decodeMessage,
  decodeName,
  decodeTxt,
  encodeMessage,
  encodeName,
  encodeTxt,
  rdataAddress,
  rdataName,
  TYPE,
} from '../../../src/acme/challenges/dns-wire.ts';

test('names: wire form, root, limits', () => {
  assert.equal(encodeName('a.Example.').toString('hex'), '0161074578616d706c6500');
  assert.equal(encodeName('.').toString('hex'), '00');
  assert.throws(() => encodeName(`${'x'.repeat(64)}.test`), DnsWireError);
  assert.throws(() => encodeName('a..b'), DnsWireError);
  assert.throws(() => encodeName(Array(130).fill('ab').join('.')), /too long/);
});

test('TXT: values over 255 octets are split into character strings and read back whole', () => {
  const value = 'v'.repeat(300);
  const rdata = encodeTxt(value);
  assert.equal(rdata[0], 255);
  assert.equal(rdata[256], 45);
  assert.equal(decodeTxt(rdata).join(''), value);
  assert.deepEqual(decodeTxt(encodeTxt('')), ['']);
  assert.throws(() => decodeTxt(Buffer.from([5, 0x61])), /truncated/);
});

test('a message survives encode/decode; names are read lower-case', () => {
  const m = {
    id: 0xbeef,
    flags: 0x2800,
    questions: [{ name: 'Zone.Test.', type: TYPE.SOA, class: 1 }],
    answers: [],
    authority: [
      { name: '_acme-challenge.zone.test.', type: TYPE.TXT, class: 1, ttl: 60, rdata: encodeTxt('abc') },
    ],
    additional: [],
  };
  const d = decodeMessage(encodeMessage(m));
  assert.equal(d.id, 0xbeef);
  assert.equal(d.flags, 0x2800);
  assert.deepEqual(d.questions, [{ name: 'zone.test.', type: TYPE.SOA, class: 1 }]);
  assert.equal(d.authority[0]!.ttl, 60);
  assert.deepEqual(decodeTxt(d.authority[0]!.rdata), ['abc']);
  assert.equal(d.authority[0]!.start, 12 + 11 + 4);
});

test("knotd's NS answer: compressed names in rdata and glue addresses", () => {
  // knotd's answer to `kdig zone.test NS +noedns` (captured): NS ns1.zone.test., glue A 127.0.0.1, compressed.
  const wire = Buffer.from(
    '27c384000001000100000001047a6f6e65047465737400000200' +
      '01c00c000200010000003c0006036e7331c00cc02700010001' +
      '0000003c00047f000001',
    'hex',
  );
  const m = decodeMessage(wire);
  assert.equal(rdataName(wire, m.answers[0]!), 'ns1.zone.test.');
  assert.equal(m.additional[0]!.name, 'ns1.zone.test.');
  assert.equal(rdataAddress(m.additional[0]!), '127.0.0.1');
  assert.equal(
    rdataAddress({
      name: 'x.',
      type: TYPE.AAAA,
      class: 1,
      ttl: 0,
      rdata: Buffer.from('00000000000000000000000000000001', 'hex'),
    }),
    '0:0:0:0:0:0:0:1',
  );
});

test('hostile input: loops, forward pointers, truncation, counts beyond the data', () => {
  // A pointer to itself and a forward pointer never decode (and never hang).
  assert.throws(() => decodeName(Buffer.from('0000c002', 'hex'), 2), /pointer/);
  assert.throws(() => decodeName(Buffer.from('c00200', 'hex'), 0), /pointer/);
  assert.throws(() => decodeName(Buffer.from('05616263', 'hex'), 0), /past/);
  assert.throws(() => decodeName(Buffer.from('4100', 'hex'), 0), /label length/);
  assert.throws(() => decodeMessage(Buffer.alloc(11)), /header/);
  // Header says one answer, none follows.
  assert.throws(() => decodeMessage(Buffer.from('000081800000000100000000', 'hex')), DnsWireError);
  // rdlength larger than the message.
  assert.throws(
    () => decodeMessage(Buffer.from('000081800000000100000000000010000100000000ffff61', 'hex')),
    /rdata runs past/,
  );
});

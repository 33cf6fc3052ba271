/**
 * The transport's rules, with small loopback servers of the test's own that misbehave on purpose
 * (a real server never sends a wrong ID or a truncated answer on demand).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { exchange } from '../../../src/acme/challenges/dns-transport.ts';
import { decodeMessage, encodeMessage, encodeTxt, TYPE } from '../../../src/acme/challenges/dns-wire.ts';
import { freePort } from '../../helpers/pebble.ts';

const query = (id: number) =>
  encodeMessage({
    id,
    flags: 0,
    questions: [{ name: 'x.test.', type: TYPE.TXT, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
  });

function answer(id: number, flags: number, value: string): Buffer {
  return encodeMessage({
    id,
    flags,
    questions: [{ name: 'x.test.', type: TYPE.TXT, class: 1 }],
    answers: [{ name: 'x.test.', type: TYPE.TXT, class: 1, ttl: 1, rdata: encodeTxt(value) }],
    authority: [],
    additional: [],
  });
}

test('a wrong ID and garbage are ignored; a truncated UDP answer is asked again over TCP', async () => {
  const port = await freePort(true);
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(port, '127.0.0.1', () => r()));
  udp.on('message', (m, rinfo) => {
    const id = m.readUInt16BE(0);
    udp.send(Buffer.from('garbage'), rinfo.port, rinfo.address);
    udp.send(answer(id ^ 1, 0x8000, 'wrong id'), rinfo.port, rinfo.address);
    udp.send(answer(id, 0x8200, 'truncated'), rinfo.port, rinfo.address);
  });
  const tcp = createServer((s) => {
    s.once('data', (d: Buffer) => {
      const id = d.readUInt16BE(2);
      const a = answer(id, 0x8000, 'over tcp');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(a.length);
      // Split in two writes: the reader must reassemble the length-prefixed message.
      s.write(Buffer.concat([len, a.subarray(0, 5)]));
      setTimeout(() => s.end(a.subarray(5)), 20);
    });
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  try {
    const r = await exchange(query(0x1234), { host: '127.0.0.1', port, timeoutMs: 1000 });
    assert.equal(r.message.id, 0x1234);
    assert.equal(r.message.answers[0]!.rdata.subarray(1).toString(), 'over tcp');
    assert.deepEqual(decodeMessage(r.wire).questions[0]!.name, 'x.test.');
  } finally {
    udp.close();
    tcp.close();
  }
});

test('nobody listening: a one-line error naming the server', async () => {
  const port = await freePort(true);
  await assert.rejects(
    exchange(query(1), { host: '127.0.0.1', port, timeoutMs: 200 }),
    new RegExp(`127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
  );
});

test('the deadline stops the wait', async () => {
  const port = await freePort(true);
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(port, '127.0.0.1', () => r()));
  try {
    const ac = new AbortController();
    const p = exchange(query(2), { host: '127.0.0.1', port, timeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, (e: Error) => e.name === 'DeadlineExceeded');
  } finally {
    udp.close();
  }
});

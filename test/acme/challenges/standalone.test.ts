import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListen, StandaloneSolver } from '../../../src/acme/challenges/standalone.ts';
import { AcmeFailure } from '../../../src/acme/types.ts';
import { freePort } from '../../helpers/pebble.ts';

test('parses ADDR:PORT, [v6]:PORT and :PORT; rejects the rest', () => {
  assert.deepEqual(parseListen('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
  assert.deepEqual(parseListen(':80'), { host: undefined, port: 80 });
  for (const bad of ['80', 'host', '1.2.3.4:0', '1.2.3.4:70000', '']) {
    assert.throws(() => parseListen(bad), AcmeFailure, bad);
  }
});

test('serves exactly the tokens presented, only while started', async () => {
  const port = await freePort();
  const solver = new StandaloneSolver(`127.0.0.1:${port}`, {
    signal: new AbortController().signal,
    deadlineMs: Date.now() + 60_000,
    log: () => {},
  });
  await solver.start();
  try {
    await solver.present({ domain: 'x', token: 'tok', value: 'tok.thumb' });
    const ok = await fetch(`http://127.0.0.1:${port}/.well-known/acme-challenge/tok`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'tok.thumb');
    assert.equal((await fetch(`http://127.0.0.1:${port}/.well-known/acme-challenge/other`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
    await solver.cleanup({ domain: 'x', token: 'tok', value: '' });
    assert.equal((await fetch(`http://127.0.0.1:${port}/.well-known/acme-challenge/tok`)).status, 404);
  } finally {
    await solver.stop();
  }
  await assert.rejects(
    fetch(`http://127.0.0.1:${port}/.well-known/acme-challenge/tok`),
    'closed after the order',
  );
});

/**
 * The transport's URL rule: every URL (the directory's and each one the CA hands out) must be
 * https, or plain http on loopback only. A real loopback http server shows the allowed case; the
 * refused one must fail before any connection is attempted.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { Transport } from '../../src/acme/transport.ts';
import { AcmeFailure } from '../../src/acme/types.ts';
import { acmeUrlProblem, isLoopbackHost } from '../../src/config/field-checks.ts';

const budget = () => ({
  deadlineMs: Date.now() + 5000,
  requestTimeoutMs: 2000,
  connectTimeoutMs: 1000,
  maxAttempts: 1,
});

test('plain http to a non-loopback host is refused without a connection; loopback http works', async (t) => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"newNonce": "http://127.0.0.1/nonce"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const transport = new Transport(budget(), new AbortController().signal, undefined);
  t.after(() => transport.close());

  const ok = await transport.send(`http://127.0.0.1:${port}/dir`, 'get');
  assert.equal(ok.status, 200);
  assert.equal(hits, 1);

  for (const url of ['http://192.0.2.1/acme/new-nonce', 'http://acme.example/dir', 'ftp://127.0.0.1/x']) {
    await assert.rejects(
      transport.send(url, 'post', { x: 1 }),
      (e: unknown) =>
        e instanceof AcmeFailure && /^refusing POST /.test(e.message) && e.failureClass === 'ca-error',
      url,
    );
  }
  assert.equal(transport.requests, 4, 'each call counted, none sent beyond the loopback one');
  assert.equal(hits, 1);
});

test('the rule itself', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', '[::1]', '::1'])
    assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['128.0.0.1', '10.0.0.1', 'localhost.example', '::2'])
    assert.equal(isLoopbackHost(h), false, h);
  assert.equal(acmeUrlProblem('https://acme.example/dir'), undefined);
  assert.equal(acmeUrlProblem('http://[::1]:14000/dir'), undefined);
  assert.match(acmeUrlProblem('http://acme.example/dir')!, /plain http/);
  assert.match(acmeUrlProblem('not a url')!, /is not a URL/);
});

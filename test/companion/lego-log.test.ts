import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyText, lastLegoError } from '../../src/companion/lego-log.ts';

test("lego's last error line, without its timestamp; continuation lines joined", () => {
  const lines = [
    'site: renewal due (in the renewal window since 2026-05-30): running the renewal command',
    '2026/12/01 11:01:43 [INFO] [site.test] acme: Trying renewal with 700 hours remaining',
    "2026/12/01 11:01:44 Could not create client: get directory at 'https://127.0.0.1:14000/dir': dial tcp 127.0.0.1:14000: connect: connection refused",
    'acme-test: something else',
  ];
  assert.equal(
    lastLegoError(lines),
    "Could not create client: get directory at 'https://127.0.0.1:14000/dir': dial tcp 127.0.0.1:14000: connect: connection refused",
  );
  const multi = [
    '2026/12/01 11:01:44 [site.test] Could not obtain certificates:',
    '\terror: one or more domains had a problem:',
    '\t[site.test] acme: error: 403',
  ];
  assert.equal(
    lastLegoError(multi),
    '[site.test] Could not obtain certificates: error: one or more domains had a problem: [site.test] acme: error: 403',
  );
  assert.equal(lastLegoError(['2026/12/01 11:01:43 [INFO] all fine']), undefined);
});

test('hostile text from a CA: control characters removed, length bounded', () => {
  const evil = `2026/12/01 11:01:44 Could not obtain: \u001b[31m${'x'.repeat(2000)}\u0007`;
  const out = lastLegoError([evil])!;
  assert.ok(out.length <= 400);
  assert.ok(![...out].some((c) => c.charCodeAt(0) < 0x20), 'no control characters');
  assert.ok(out.endsWith('...'));
});

test('failure classes from the words lego and certbot use', () => {
  assert.equal(classifyText('dial tcp 127.0.0.1:14000: connect: connection refused'), 'ca-unreachable');
  assert.equal(classifyText('urn:ietf:params:acme:error:rateLimited: too many certificates'), 'rate-limited');
  assert.equal(
    classifyText('acme: error: 403 :: urn:ietf:params:acme:error:unauthorized'),
    'challenge-failed',
  );
  assert.equal(classifyText('open out/full.pem: permission denied'), 'local-io');
  assert.equal(classifyText('acme: error: 500 :: serverInternal'), 'ca-error');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkListen, checkRfc2136 } from '../../src/config/challenge-config.ts';
import { parseConfig } from '../../src/config/config-file.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { UsageError } from '../../src/exit-codes.ts';

const RFC = {
  server: '192.0.2.53',
  zone: 'example.com',
  keyName: 'certguard',
  secretFile: '/run/secrets/tsig',
};

function configError(entry: object): string {
  try {
    parseConfig(JSON.stringify({ certs: { c: entry } }), 'f.json');
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
  throw new Error('accepted');
}

test('rfc2136 in the config file: each mistake named by its field, one line', () => {
  const cases: [object, RegExp][] = [
    [{ rfc2136: 'x' }, /certs\.c\.rfc2136: expected an object/],
    [{ rfc2136: { ...RFC, secret: 'inline!' } }, /certs\.c\.rfc2136: unknown field "secret"/],
    [{ rfc2136: { ...RFC, keyName: undefined } }, /certs\.c\.rfc2136\.keyName: required/],
    [{ rfc2136: { ...RFC, port: '53' } }, /rfc2136\.port: expected a port number 1\.\.65535/],
    [{ rfc2136: { ...RFC, port: 0 } }, /rfc2136\.port: expected a port number/],
    [
      { rfc2136: { ...RFC, algorithm: 'hmac-md5' } },
      /rfc2136\.algorithm: expected one of hmac-sha256, hmac-sha384/,
    ],
    [{ rfc2136: { ...RFC, zone: '*.example.com' } }, /rfc2136\.zone: a zone, not a wildcard/],
    [
      { rfc2136: { ...RFC, server: '192.0.2.53:53' } },
      /rfc2136\.server: expected an IP address or host name/,
    ],
    [
      { rfc2136: { ...RFC, secretFile: 'a\nb' } },
      /rfc2136\.secretFile: expected a non-empty string without spaces/,
    ],
    [{ rfc2136: { ...RFC, propagationTimeout: 'soon' } }, /rfc2136\.propagationTimeout: expected a duration/],
    [{ tlsAlpnListen: '::' }, /certs\.c\.tlsAlpnListen: expected ADDR:PORT or ADDR \(port 443\)/],
    [{ tlsAlpnListen: ':65536' }, /tlsAlpnListen: expected ADDR:PORT/],
  ];
  for (const [entry, re] of cases) {
    const message = configError(entry);
    assert.match(message, re);
    assert.equal(message.split('\n').length, 1);
  }
});

test('resolved: defaults filled in, names outside the zone refused, one challenge per layer', () => {
  const s = resolveCert(
    'c',
    [{ domains: ['example.com', '*.example.com', 'a.b.Example.COM'], rfc2136: RFC }],
    'w',
  );
  assert.deepEqual(s.challenge, {
    type: 'rfc2136',
    ...RFC,
    port: 53,
    algorithm: 'hmac-sha256',
    propagationTimeoutSeconds: 120,
  });
  assert.throws(
    () => resolveCert('c', [{ domains: ['example.com', 'example.net'], rfc2136: RFC }], 'w'),
    /w\.rfc2136\.zone: example\.net is not inside the zone example\.com/,
  );
  assert.throws(
    () => resolveCert('c', [{ domains: ['example.com', '192.0.2.1'], rfc2136: RFC }], 'w'),
    /w\.rfc2136: 192\.0\.2\.1 is an IP address: dns-01 cannot validate it/,
  );
  assert.throws(
    () => resolveCert('c', [{ domains: ['notexample.com'], rfc2136: RFC }], 'w'),
    /not inside the zone/,
  );
  assert.throws(
    () => resolveCert('c', [{ domains: ['a.com'], rfc2136: RFC, tlsAlpnListen: ':443' }], 'w'),
    /choose one challenge, not rfc2136 and tlsAlpnListen/,
  );
  // A certificate's challenge replaces the one in defaults (same rule as the other challenges).
  const over = resolveCert('c', [{ rfc2136: RFC }, { domains: ['a.com'], tlsAlpnListen: '[::]:443' }], 'w');
  assert.deepEqual(over.challenge, { type: 'tls-alpn', listen: '[::]:443' });
});

test('listen addresses; tls-alpn-01 defaults to port 443', () => {
  for (const ok of [':443', '0.0.0.0:443', '[::]:443', '[2001:db8::1]:8443', 'localhost:443']) {
    assert.equal(checkListen(ok, 'x'), ok);
  }
  for (const bad of ['443', ':0', ':99999', '1.2.3.4', 'a b:443', 7]) {
    assert.throws(() => checkListen(bad, 'x'), /x: expected ADDR:PORT/);
  }
  assert.equal(checkListen('192.0.2.1', 'x', 443), '192.0.2.1:443');
  assert.equal(checkListen('[::]', 'x', 443), '[::]:443');
  for (const bad of ['::', '443', 'a b']) {
    assert.throws(() => checkListen(bad, 'x', 443), /expected ADDR:PORT or ADDR \(port 443\)/);
  }
  const s = resolveCert('c', [{ domains: ['a.com'], tlsAlpnListen: '0.0.0.0' }], 'w');
  assert.deepEqual(s.challenge, { type: 'tls-alpn', listen: '0.0.0.0:443' });
  assert.doesNotThrow(() => checkRfc2136(RFC, 'x'));
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/config-file.ts';
import { certEntry, DEFAULT_RENEW_BEFORE, globalSettings, resolveCert } from '../../src/config/resolve.ts';
import { UsageError } from '../../src/exit-codes.ts';

describe('resolveCert', () => {
  test('built-in defaults: NixOS security.acme layout, 1/3 renewal, fail on unusable', () => {
    const s = resolveCert('example.com', [], 'w');
    assert.equal(s.directory, '/var/lib/acme/example.com');
    assert.equal(s.certFile, '/var/lib/acme/example.com/fullchain.pem');
    assert.equal(s.keyFile, '/var/lib/acme/example.com/key.pem');
    assert.equal(s.chainFile, undefined);
    assert.equal(DEFAULT_RENEW_BEFORE, 'auto');
    assert.deepEqual(s.renewBefore, { kind: 'auto' });
    assert.equal(s.minValiditySeconds, 0);
    assert.equal(s.onUnusable, 'fail');
    assert.equal(s.keyType, 'ec256');
    assert.deepEqual(s.domains, []);
  });

  test('precedence: defaults < entry < flags, field by field', () => {
    const s = resolveCert(
      'a',
      [
        { minValidity: '1d', renewBefore: '30d', directory: '/d', domains: ['d.example'] },
        { renewBefore: '1/2', domains: ['e.example'] },
        { domains: ['f.example'] },
      ],
      'w',
    );
    assert.equal(s.minValiditySeconds, 86400);
    assert.deepEqual(s.renewBefore, { kind: 'fraction', fraction: 0.5 });
    assert.equal(s.directory, '/d');
    assert.equal(s.certFile, '/d/fullchain.pem');
    assert.deepEqual(s.domains, ['f.example']);
  });

  test('challenge: a layer naming any challenge field replaces the challenge below it', () => {
    const dns = resolveCert(
      'a',
      [{ webroot: '/var/www' }, { dnsHook: '/bin/hook', dnsPropagation: '30s' }],
      'w',
    );
    assert.deepEqual(dns.challenge, { type: 'dns', hook: '/bin/hook', propagationSeconds: 30 });
    const web = resolveCert('a', [{ dnsHook: '/bin/hook', dnsPropagation: '1m' }, { webroot: '/srv' }], 'w');
    assert.deepEqual(web.challenge, { type: 'webroot', webroot: '/srv' });
    const inherited = resolveCert('a', [{ httpListen: '127.0.0.1:80' }, { domains: ['x.example'] }], 'w');
    assert.deepEqual(inherited.challenge, { type: 'http', listen: '127.0.0.1:80' });
    assert.equal(resolveCert('a', [{}], 'w').challenge, undefined);
  });

  test('two challenges in one layer are a usage error', () => {
    assert.throws(
      () => resolveCert('a', [{ webroot: '/w', httpListen: ':80' }], 'config c: certs.a'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === 'config c: certs.a: choose one challenge, not webroot and httpListen',
    );
  });

  test('invalid NAME', () => {
    assert.throws(() => resolveCert('../etc', [], 'w'), /invalid certificate name/);
  });

  test('blank domains are dropped', () => {
    assert.deepEqual(resolveCert('a', [{ domains: [' a.example ', ''] }], 'w').domains, ['a.example']);
  });
});

describe('certEntry', () => {
  const config = parseConfig('{"certs": {"one": {}, "two": {}}}', 'c.json');
  test('finds an entry', () => assert.deepEqual(certEntry(config, 'one', 'w'), {}));
  test('unknown NAME lists the known ones', () => {
    assert.throws(
      () => certEntry(config, 'three', 'config c.json'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === 'config c.json: no certificate named "three" (known: one, two)',
    );
  });
  test('names of Object.prototype members are unknown NAMEs, not entries', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      assert.throws(() => certEntry(config, name, 'w'), new RegExp(`no certificate named "${name}"`));
    }
  });
  test('unknown NAME in an empty config', () => {
    assert.throws(() => certEntry(parseConfig('{}', 'c'), 'x', 'w'), /no certificate named "x" \(none\)/);
  });
});

test('globalSettings defaults', () => {
  assert.deepEqual(globalSettings(undefined), {
    stateDirectory: '/var/lib/certguard',
    prometheusFile: undefined,
  });
});

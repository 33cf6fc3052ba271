import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isIpLiteral } from '../../src/cert/names.ts';
import { parseConfig } from '../../src/config/config-file.ts';
import {
  certEntry,
  DEFAULT_RENEW_BEFORE,
  globalSettings,
  resolveCert,
  resolveNamed,
} from '../../src/config/resolve.ts';
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

describe('names as the CA will see them', () => {
  test('A-labels, lower case, no trailing dot, canonical IP literals, duplicates once', () => {
    const s = resolveCert(
      'a',
      [{ domains: ['Bücher.Test', 'name.test.', 'NAME.test', '127.0.0.1', '[::1]', '0:0:0:0:0:0:0:1'] }],
      'w',
    );
    assert.deepEqual(s.domains, ['xn--bcher-kva.test', 'name.test', '127.0.0.1', '::1']);
    assert.equal(isIpLiteral('127.0.0.1'), true);
    assert.equal(isIpLiteral('[2001:db8::1]'), true);
    assert.equal(isIpLiteral('1.2.3.4.example'), false);
    assert.equal(isIpLiteral('bücher.test'), false);
  });

  test('flags are checked too: an invalid --domain is a usage error naming it', () => {
    assert.throws(
      () => resolveCert('a', [{ domains: ['ok.test', 'bad name'] }], 'options'),
      (e: unknown) => e instanceof UsageError && /^options\.domains\[1\]: "bad name"/.test(e.message),
    );
  });

  test('an entry without domains certifies its NAME (as the NixOS module does)', () => {
    const config = parseConfig(
      '{"defaults": {}, "certs": {"Example.COM": {}, "b": {"domains": ["b.test"]}}}',
      'c.json',
    );
    assert.deepEqual(resolveNamed(config, 'Example.COM', {}, 'config c.json').domains, ['example.com']);
    assert.deepEqual(resolveNamed(config, 'b', {}, 'config c.json').domains, ['b.test']);
    assert.deepEqual(resolveNamed(config, 'Example.COM', { domains: ['f.test'] }, 'x').domains, ['f.test']);
  });
});

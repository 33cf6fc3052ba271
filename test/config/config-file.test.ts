import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { configPath, loadConfigFile, parseConfig } from '../../src/config/config-file.ts';
import { UsageError } from '../../src/exit-codes.ts';
import { makeFifo, tempDir } from '../helpers/fixtures.ts';

const { dir, cleanup } = tempDir();
after(cleanup);

/** Asserts a UsageError whose one-line message matches. */
function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
}
const parse = (value: unknown) => parseConfig(JSON.stringify(value), 'c.json');

describe('parseConfig', () => {
  test('a full config', () => {
    const c = parse({
      $schema: 'x',
      comment: 'free text',
      stateDirectory: '/var/lib/certguard',
      defaults: { renewBefore: '1/3', minValidity: '1d', keyType: 'ec384', webroot: '/var/www' },
      certs: {
        'example.com': {
          domains: ['example.com', '*.example.com'],
          onUnusable: 'warn',
          profile: 'tlsserver',
        },
        other_name: {},
      },
    });
    assert.equal(c.defaults.keyType, 'ec384');
    assert.deepEqual(c.certs['example.com']!.domains, ['example.com', '*.example.com']);
    assert.deepEqual(c.certs.other_name, {});
    assert.equal(c.certs['example.com']!.profile, 'tlsserver');
  });

  test('an empty object is a valid (empty) config', () => {
    assert.deepEqual(parse({}), { defaults: {}, certs: {} });
  });

  test('null fields are treated as absent', () => {
    assert.deepEqual(parse({ certs: { a: { directory: null } } }).certs.a, {});
  });

  test('a UTF-8 byte order mark is tolerated', () => {
    assert.deepEqual(parseConfig('\ufeff{"certs": {}}', 'c.json').certs, {});
  });

  const invalid: [string, unknown, RegExp][] = [
    ['top level not an object', [1, 2], /c.json: the top level must be a JSON object/],
    ['unknown top-level field', { cert: {} }, /c.json: unknown field "cert"/],
    ['unknown entry field', { certs: { a: { domain: ['x'] } } }, /c.json: certs.a: unknown field "domain"/],
    ['unknown defaults field', { defaults: { foo: 1 } }, /defaults: unknown field "foo"/],
    [
      'a field named like an Object member',
      { certs: { a: { constructor: 1 } } },
      /certs.a: unknown field "constructor"/,
    ],
    [
      'wrong type',
      { certs: { a: { domains: 'example.com' } } },
      /certs.a.domains: expected an array of strings/,
    ],
    ['certs not an object', { certs: [] }, /certs must be an object of NAME -> settings/],
    ['entry not an object', { certs: { a: 'x' } }, /certs.a must be an object/],
    ['bad duration', { certs: { a: { minValidity: '3 days' } } }, /certs.a.minValidity: expected a duration/],
    ['profile not a string', { defaults: { profile: 6 } }, /defaults.profile: expected a string/],
    [
      'profile not a token',
      { certs: { a: { profile: 'short lived' } } },
      /certs.a.profile: expected an ACME profile name such as shortlived/,
    ],
    [
      'profile too long',
      { certs: { a: { profile: 'p'.repeat(65) } } },
      /certs.a.profile: expected an ACME profile/,
    ],
    ['negative seconds', { certs: { a: { minValidity: -5 } } }, /certs.a.minValidity: expected a duration/],
    [
      'bad duration in defaults is blamed on defaults',
      { defaults: { renewBefore: 'soon' }, certs: { a: {} } },
      /c.json: defaults.renewBefore: expected a duration \(30d\) or a fraction/,
    ],
    ['fraction of 1', { certs: { a: { renewBefore: '3/3' } } }, /between 0 and 1, got "3\/3"/],
    ['fraction of 0', { certs: { a: { renewBefore: '0/3' } } }, /between 0 and 1/],
    ['fraction over zero', { certs: { a: { renewBefore: '1/0' } } }, /between 0 and 1/],
    ['bad keyType', { certs: { a: { keyType: 'ec521' } } }, /certs.a.keyType: expected one of ec256, ec384/],
    ['bad onUnusable', { defaults: { onUnusable: 'ignore' } }, /defaults.onUnusable: expected one of fail/],
    [
      'invalid domain',
      { certs: { a: { domains: ['ok.example', 'bad name'] } } },
      /certs.a.domains\[1\]: "bad name"/,
    ],
    ['empty domain', { certs: { a: { domains: [''] } } }, /certs.a.domains\[0\]: empty name/],
    ['invalid certificate name (slash)', { certs: { 'a/b': {} } }, /invalid certificate name "a\/b"/],
    ['invalid certificate name (dot-dot)', { certs: { 'a..b': {} } }, /invalid certificate name/],
    ['invalid certificate name (leading dot)', { certs: { '.hidden': {} } }, /invalid certificate name/],
    ['empty directory', { certs: { a: { directory: '' } } }, /certs.a.directory: expected a non-empty path/],
    ['eab without hmacFile', { certs: { a: { eab: { kid: 'k' } } } }, /certs.a.eab: expected an object/],
    ['stateDirectory empty', { stateDirectory: '' }, /stateDirectory must be a non-empty string/],
  ];
  for (const [label, value, message] of invalid) {
    test(`rejects: ${label}`, () => rejects(() => parse(value), message));
  }

  const badJson: [string, string, RegExp][] = [
    ['missing value', '{\n  "certs": {\n    "a": }\n}', /line 3, column 10: unexpected "}"/],
    ['trailing comma', '{\n  "certs": {},\n}', /line 3, column 1: unexpected "}"/],
    ['unterminated', '{\n  "certs": {', /line 2, column 13: unexpected end of input/],
    ['empty file', '', /line 1, column 1: unexpected end of input/],
    ['comment', '{\n  // no comments in JSON\n}', /line 2, column 3: unexpected "\/"/],
    ['single quotes', "{'certs': {}}", /line 1, column 2: unexpected "'"/],
    ['bad literal', '{"a": tru}', /line 1, column 10: unexpected "}"/],
  ];
  for (const [label, text, message] of badJson) {
    test(`invalid JSON says line and column: ${label}`, () =>
      rejects(
        () => parseConfig(text, 'c.json'),
        new RegExp(`config c.json: invalid JSON at ${message.source}`),
      ));
  }
});

describe('loadConfigFile', () => {
  test('reads a file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, '{"certs": {"a": {"domains": ["a.example"]}}}');
    assert.deepEqual(loadConfigFile(path).certs.a!.domains, ['a.example']);
  });
  test('missing', () =>
    rejects(() => loadConfigFile(join(dir, 'none.json')), /^config .*none.json does not exist$/));
  test('a directory', () => {
    mkdirSync(join(dir, 'd.json'));
    rejects(() => loadConfigFile(join(dir, 'd.json')), /d.json is a directory$/);
  });
  test('a FIFO does not block', () => {
    rejects(() => loadConfigFile(makeFifo(dir, 'fifo.json')), /fifo.json is not a regular file$/);
  });
  test('a huge (sparse) file is refused without reading it', () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, '');
    spawnSync('truncate', ['-s', '300M', path]);
    rejects(() => loadConfigFile(path), /huge.json is too large \(314572800 bytes, limit 4194304\)/);
  });
});

describe('configPath', () => {
  test('--config, then CERTGUARD_CONFIG, then the default', () => {
    assert.equal(configPath('/flag.json', { CERTGUARD_CONFIG: '/env.json' }), '/flag.json');
    assert.equal(configPath(undefined, { CERTGUARD_CONFIG: '/env.json' }), '/env.json');
    assert.equal(configPath(undefined, { CERTGUARD_CONFIG: '' }), '/etc/certguard/certguard.json');
    assert.equal(configPath(undefined, {}), '/etc/certguard/certguard.json');
  });
});

test('trust: "system" or a bundle path, in defaults or per certificate; empty or control characters refused', () => {
  const c = parse({ defaults: { trust: 'system' }, certs: { a: { trust: '/etc/ssl/private-ca.pem' } } });
  assert.equal(c.defaults.trust, 'system');
  assert.equal(c.certs.a!.trust, '/etc/ssl/private-ca.pem');
  assert.throws(
    () => parse({ certs: { a: { trust: '' } } }),
    /certs\.a\.trust: expected "system" or the path/,
  );
  assert.throws(() => parse({ defaults: { trust: 'a\u001bb' } }), /defaults\.trust: expected/);
  assert.throws(() => parse({ defaults: { trust: 7 } }), /defaults\.trust: expected a string/);
});

test('companion fields: issuedBy names another client, legoDomainHash is {file, hash}', () => {
  const ok = parseConfig(
    JSON.stringify({
      certs: {
        a: {
          issuedBy: 'security.acme',
          legoDomainHash: { file: '/var/lib/acme/.lego/a/h/domainhash.txt', hash: '0123abcd' },
        },
      },
    }),
    'c.json',
  );
  assert.equal(ok.certs.a?.issuedBy, 'security.acme');
  const bad = (entry: object) => () => parseConfig(JSON.stringify({ certs: { a: entry } }), 'c.json');
  assert.throws(
    bad({ issuedBy: 'someone' }),
    /certs\.a\.issuedBy: expected one of security\.acme, lego, certbot/,
  );
  assert.throws(
    bad({ legoDomainHash: { file: 'rel', hash: 'ab' } }),
    /legoDomainHash\.file: expected an absolute path/,
  );
  assert.throws(
    bad({ legoDomainHash: { file: '/x', hash: 'zz\n' } }),
    /legoDomainHash\.hash: expected hex digits/,
  );
  assert.throws(bad({ legoDomainHash: '/x' }), /legoDomainHash: expected an object \{"file"/);
});

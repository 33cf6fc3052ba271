import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveCheckTarget } from '../../src/check/target.ts';
import { parseCheckOptions } from '../../src/cli/check-options.ts';
import { UsageError } from '../../src/exit-codes.ts';
import { tempDir, writeFile } from '../helpers/fixtures.ts';

const { dir, cleanup } = tempDir();
after(cleanup);

const config = writeFile(
  dir,
  'certguard.json',
  JSON.stringify({
    defaults: { minValidity: '2d', renewBefore: '20d' },
    certs: {
      'example.com': { domains: ['example.com', 'www.example.com'], directory: '/srv/certs/example' },
      plain: {},
    },
  }),
);
const target = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  resolveCheckTarget(parseCheckOptions(argv), env);

describe('resolveCheckTarget', () => {
  test('NAME from --config: entry over defaults, files in its directory', () => {
    const t = target(['example.com', '--config', config]);
    assert.equal(t.named, true);
    assert.equal(t.settings.name, 'example.com');
    assert.equal(t.settings.certFile, '/srv/certs/example/fullchain.pem');
    assert.equal(t.settings.keyFile, '/srv/certs/example/key.pem');
    assert.deepEqual(t.settings.domains, ['example.com', 'www.example.com']);
    assert.equal(t.settings.minValiditySeconds, 2 * 86400);
    assert.deepEqual(t.settings.renewBefore, { kind: 'seconds', seconds: 20 * 86400 });
  });

  test('NAME without a directory: /var/lib/acme/NAME', () => {
    assert.equal(
      target(['plain', '--config', config]).settings.certFile,
      '/var/lib/acme/plain/fullchain.pem',
    );
  });

  test('flags override the config file', () => {
    const t = target([
      'example.com',
      '--config',
      config,
      '--min-validity',
      '1h',
      '--renew-before',
      '1/4',
      '--domain',
      'only.example',
      '--cert',
      '/x/cert.pem',
      '--key',
      '/x/key.pem',
      '--chain',
      '/x/chain.pem',
    ]);
    assert.equal(t.settings.minValiditySeconds, 3600);
    assert.deepEqual(t.settings.renewBefore, { kind: 'fraction', fraction: 0.25 });
    assert.deepEqual(t.settings.domains, ['only.example']);
    assert.equal(t.settings.certFile, '/x/cert.pem');
    assert.equal(t.settings.keyFile, '/x/key.pem');
    assert.equal(t.settings.chainFile, '/x/chain.pem');
  });

  test('CERTGUARD_CONFIG names the config file; --config wins over it', () => {
    assert.equal(target(['plain'], { CERTGUARD_CONFIG: config }).settings.name, 'plain');
    assert.throws(
      () => target(['plain', '--config', join(dir, 'other.json')], { CERTGUARD_CONFIG: config }),
      /other.json does not exist/,
    );
  });

  test('--cert without NAME never reads the config file (a broken config cannot fail it)', () => {
    const broken = writeFile(dir, 'broken.json', '{ not json');
    const t = target(['--cert', '/x/c.pem', '--domain', 'a.example'], { CERTGUARD_CONFIG: broken });
    assert.equal(t.named, false);
    assert.equal(t.settings.certFile, '/x/c.pem');
    assert.equal(t.settings.keyFile, undefined);
    assert.deepEqual(t.settings.domains, ['a.example']);
    assert.deepEqual(t.settings.renewBefore, { kind: 'auto' });
  });

  test('unknown NAME is a usage error naming the config file', () => {
    assert.throws(
      () => target(['nope', '--config', config]),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === `config ${config}: no certificate named "nope" (known: example.com, plain)`,
    );
  });

  test('an invalid NAME is a usage error', () => {
    assert.throws(() => target(['../../etc', '--config', config]), /invalid certificate name/);
  });
});

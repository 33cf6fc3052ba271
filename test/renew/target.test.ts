import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/exit-codes.ts';
import { nameFromDomain, type RenewArgs, resolveRenewTarget } from '../../src/renew/target.ts';
import { tempDir } from '../helpers/fixtures.ts';

const args = (over: Partial<RenewArgs>): RenewArgs => ({ domains: [], reload: [], ...over });

test('flags only: the name comes from the first domain, state dir from --state-dir', () => {
  const t = resolveRenewTarget(
    args({
      directory: '/srv/certs/x',
      domains: ['*.Example.com', 'example.com'],
      server: 'https://ca/dir',
      dnsHook: '/bin/hook',
      dnsPropagation: '30s',
      reload: ['nginx.service'],
      reuseKey: true,
      stateDir: '/tmp/state',
    }),
  );
  assert.equal(t.settings.name, 'wildcard.example.com');
  assert.equal(t.settings.directory, '/srv/certs/x');
  assert.equal(t.settings.certFile, '/srv/certs/x/fullchain.pem');
  assert.deepEqual(t.settings.challenge, { type: 'dns', hook: '/bin/hook', propagationSeconds: 30 });
  assert.deepEqual(t.settings.reloadServices, ['nginx.service']);
  assert.equal(t.settings.reuseKey, true);
  assert.equal(t.global.stateDirectory, '/tmp/state');
  assert.equal(t.config, undefined);
});

test('config NAME: defaults < entry < flags', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'c.json');
  writeFileSync(
    path,
    JSON.stringify({
      stateDirectory: '/var/lib/cg',
      defaults: { server: 'https://a/dir', email: 'a@x', webroot: '/w', keyType: 'ec384' },
      certs: { web: { domains: ['x.test'], dnsHook: '/hook' } },
    }),
  );
  const r = resolveRenewTarget(args({ name: 'web', config: path, server: 'https://b/dir' }));
  assert.equal(r.settings.server, 'https://b/dir', 'the flag wins');
  assert.equal(r.settings.email, 'a@x', 'from defaults');
  assert.equal(r.settings.keyType, 'ec384');
  assert.equal(r.settings.challenge?.type, 'dns', "the entry's challenge replaces the default's");
  assert.equal(r.settings.directory, '/var/lib/acme/web');
  assert.equal(r.global.stateDirectory, '/var/lib/cg');
  assert.ok(r.config);
});

test('usage errors: nothing to renew, EAB halves, --dns-propagation alone', () => {
  assert.throws(() => resolveRenewTarget(args({})), UsageError);
  assert.throws(() => resolveRenewTarget(args({ directory: '/x' })), /--domain/);
  assert.throws(
    () => resolveRenewTarget(args({ directory: '/x', domains: ['a'], eabHmacFile: '/f' })),
    /--eab-kid and --eab-hmac-file go together/,
  );
  assert.throws(
    () => resolveRenewTarget(args({ directory: '/x', domains: ['a'], dnsPropagation: '10s' })),
    /--dns-propagation needs --dns-hook/,
  );
});

test('nameFromDomain makes a safe file name', () => {
  assert.equal(nameFromDomain('*.example.com'), 'wildcard.example.com');
  assert.equal(nameFromDomain('Example.COM'), 'example.com');
  assert.equal(nameFromDomain('2001:db8::1'), '2001_db8__1');
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { accountDirFor, loadOrCreateAccountKey } from '../../src/acme/account.ts';
import { AcmeFailure } from '../../src/acme/types.ts';
import { tempDir } from '../helpers/fixtures.ts';

describe('account key per (server, email)', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    tmp = tempDir('certguard-acme-account-');
  });
  afterEach(() => tmp.cleanup());

  test('readable, safe directory names', () => {
    assert.equal(
      accountDirFor('/s', 'https://acme-v02.api.letsencrypt.org/directory', 'me@example.com'),
      '/s/acme-v02.api.letsencrypt.org_directory/me@example.com',
    );
    assert.equal(
      accountDirFor('/s', 'https://127.0.0.1:14000/dir', undefined),
      '/s/127.0.0.1_14000_dir/no-email',
    );
    assert.equal(accountDirFor('/s', 'https://x/dir', '..'), '/s/x_dir/_');
    assert.equal(accountDirFor('/s', 'https://x/dir', '../../etc/passwd'), '/s/x_dir/.._.._etc_passwd');
    assert.notEqual(accountDirFor('/s', 'https://x/a', 'e'), accountDirFor('/s', 'https://x/b', 'e'));
  });

  test('created once with mode 0600 in a 0700 directory, then reused', () => {
    const a = loadOrCreateAccountKey(tmp.dir, 'https://ca.example/dir', 'a@example.com');
    assert.equal(a.created, true);
    assert.equal(statSync(join(a.dir, 'key.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(a.dir).mode & 0o777, 0o700);
    const b = loadOrCreateAccountKey(tmp.dir, 'https://ca.example/dir', 'a@example.com');
    assert.equal(b.created, false);
    assert.equal(b.keyPem, a.keyPem);
    const c = loadOrCreateAccountKey(tmp.dir, 'https://ca.example/dir', 'b@example.com');
    assert.equal(c.created, true);
    assert.notEqual(c.keyPem, a.keyPem);
  });

  test('concurrent first runs end with one key that all of them use', async () => {
    const script = `
      import { loadOrCreateAccountKey } from './src/acme/account.ts';
      const k = loadOrCreateAccountKey(${JSON.stringify(tmp.dir)}, 'https://ca.example/dir', 'race@example.com');
      console.log(JSON.stringify({ created: k.created, key: k.keyPem }));`;
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => {
        return new Promise<{ created: boolean; key: string }>((resolve, reject) => {
          const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            cwd: join(import.meta.dirname, '..', '..'),
          });
          let out = '';
          p.stdout.on('data', (d) => {
            out += d;
          });
          p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
        });
      }),
    );
    const keys = new Set(runs.map((r) => r.key));
    assert.equal(keys.size, 1, 'every run uses the same key');
    const onDisk = readFileSync(
      join(accountDirFor(tmp.dir, 'https://ca.example/dir', 'race@example.com'), 'key.pem'),
      'utf8',
    );
    assert.ok(keys.has(onDisk));
    assert.ok(runs.filter((r) => r.created).length >= 1);
  });

  test('a corrupt key is local-io and its content never appears in the message', () => {
    const dir = accountDirFor(tmp.dir, 'https://ca.example/dir', 'x@example.com');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'key.pem'), 'SECRET-MATERIAL-0123456789', { mode: 0o600 });
    assert.throws(
      () => loadOrCreateAccountKey(tmp.dir, 'https://ca.example/dir', 'x@example.com'),
      (err: unknown) => {
        assert.ok(err instanceof AcmeFailure);
        assert.equal(err.failureClass, 'local-io');
        assert.doesNotMatch(err.message, /SECRET/);
        return true;
      },
    );
    // The corrupt key was not replaced: an administrator decides.
    assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8'), 'SECRET-MATERIAL-0123456789');
  });

  test('an account directory that cannot be created is local-io', () => {
    const file = join(tmp.dir, 'file');
    writeFileSync(file, '');
    assert.throws(
      () => loadOrCreateAccountKey(file, 'https://ca.example/dir', 'x@example.com'),
      (err: unknown) =>
        err instanceof AcmeFailure && err.failureClass === 'local-io' && /ENOTDIR/.test(err.message),
    );
  });
});

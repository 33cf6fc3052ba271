import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { safeToken, WebrootSolver } from '../../../src/acme/challenges/webroot.ts';
import { tempDir } from '../../helpers/fixtures.ts';

const ctx = { signal: new AbortController().signal, deadlineMs: Date.now() + 60_000, log: () => {} };

test('writes 0644 tokens whatever the umask, removes them and only the directories it created', async () => {
  const { dir, cleanup } = tempDir();
  const old = process.umask(0o077);
  try {
    const fresh = new WebrootSolver(join(dir, 'a'), ctx);
    mkdirSync(join(dir, 'a'));
    await fresh.start();
    await fresh.present({ domain: 'x', token: 'tok_1-A', value: 'tok_1-A.thumb' });
    const file = join(dir, 'a', '.well-known', 'acme-challenge', 'tok_1-A');
    assert.equal(readFileSync(file, 'utf8'), 'tok_1-A.thumb');
    assert.equal(statSync(file).mode & 0o777, 0o644);
    assert.equal(statSync(join(dir, 'a', '.well-known')).mode & 0o777, 0o755);
    await fresh.cleanup({ domain: 'x', token: 'tok_1-A', value: '' });
    await fresh.stop();
    assert.deepEqual(readdirSync(join(dir, 'a')), []);

    // An existing .well-known with other content stays.
    const keep = join(dir, 'b', '.well-known');
    mkdirSync(keep, { recursive: true });
    writeFileSync(join(keep, 'security.txt'), 'x');
    const existing = new WebrootSolver(join(dir, 'b'), ctx);
    await existing.start();
    await existing.present({ domain: 'x', token: 't', value: 'v' });
    await existing.cleanup({ domain: 'x', token: 't', value: '' });
    await existing.stop();
    assert.deepEqual(readdirSync(keep), ['security.txt']);
  } finally {
    process.umask(old);
    cleanup();
  }
});

test('a token that is not base64url never becomes a path', () => {
  assert.throws(() => safeToken('../../etc/passwd'));
  assert.throws(() => safeToken(''));
  assert.equal(safeToken('abc_DEF-123'), 'abc_DEF-123');
});

test('planted links are never written through: .well-known, acme-challenge, the token path', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    for (const planted of ['.well-known', '.well-known/acme-challenge']) {
      const root = join(dir, `w-${planted.length}`);
      mkdirSync(join(root, '.well-known'), { recursive: true });
      if (planted === '.well-known') rmSync(join(root, '.well-known'), { recursive: true });
      symlinkSync(elsewhere, join(root, planted));
      const solver = new WebrootSolver(root, ctx);
      await assert.rejects(solver.start(), /is not a directory \(a symbolic link\?\)/);
    }
    const root = join(dir, 'tok');
    const solver = new WebrootSolver(root, ctx);
    mkdirSync(root);
    await solver.start();
    symlinkSync(join(elsewhere, 'victim'), join(root, '.well-known', 'acme-challenge', 'tok'));
    await assert.rejects(solver.present({ domain: 'x', token: 'tok', value: 'v' }), /ELOOP/);
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing written through a link');
  } finally {
    cleanup();
  }
});

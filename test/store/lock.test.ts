import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireLock, acquireLockSync, lockHolder, processStart } from '../../src/store/lock.ts';
import { tempDir } from '../helpers/fixtures.ts';

test('a lock is exclusive while held and free again after release', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'locks', 'a.lock');
  const first = await acquireLock(path);
  assert.ok(first, 'first acquire succeeds');
  assert.equal(lockHolder(path)?.pid, process.pid);
  assert.equal(lockHolder(path)?.start, processStart(process.pid));
  // Same process, second handle: the file exists and our PID is alive, so it is not stale.
  assert.equal(await acquireLock(path, { waitMs: 100 }), undefined);
  first.release();
  assert.equal(existsSync(path), false);
  const again = acquireLockSync(path);
  assert.ok(again);
  assert.equal(again.waited, false);
  again.release();
});

test('a lock left by a dead process (kill -9) is taken over', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'b.lock');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  const pid = child.pid!;
  const start = processStart(pid);
  assert.ok(start);
  writeFileSync(path, `${pid} ${start}\n`);
  assert.equal(await acquireLock(path), undefined, 'held by a live process');
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    process.kill(pid, 'SIGKILL');
  });
  const lock = await acquireLock(path);
  assert.ok(lock, 'stale lock taken over');
  assert.equal(lockHolder(path)?.pid, process.pid);
  lock.release();
  assert.deepEqual(
    readdirSync(dir).filter((f) => f !== 'b.lock'),
    [],
    'no temporary files left behind',
  );
});

test('a lock whose PID was reused by a later process is stale', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'c.lock');
  // Our own PID but a different start time: the process that wrote it is gone.
  writeFileSync(path, `${process.pid} 1\n`);
  const lock = await acquireLock(path);
  assert.ok(lock);
  lock.release();
});

test('a waiter gets the lock once the holder releases it, and knows it waited', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'd.lock');
  const holder = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `const { acquireLock } = await import(${JSON.stringify(new URL('../../src/store/lock.ts', import.meta.url).href)});
       const l = await acquireLock(${JSON.stringify(path)});
       process.stdout.write('held\\n');
       process.stdin.once('data', () => { l.release(); process.exit(0); });`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  t.after(() => holder.kill('SIGKILL'));
  await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
  const pending = acquireLock(path, { waitMs: 20_000 });
  holder.stdin!.write('go\n');
  const lock = await pending;
  assert.ok(lock);
  assert.equal(lock.waited, true);
  lock.release();
});

test('concurrent acquirers: exactly one wins', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'e.lock');
  writeFileSync(path, '999999999 1\n'); // stale: no such PID
  const results = await Promise.all(Array.from({ length: 8 }, () => acquireLock(path)));
  assert.equal(results.filter(Boolean).length, 1);
  for (const r of results) r?.release();
});

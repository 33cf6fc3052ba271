/** Bounded, non-blocking reads: the preflight must return promptly whatever the path points at. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MAX_PEM_BYTES, readBounded } from '../../src/cert/read-file.ts';
import { makeFifo, tempDir } from '../helpers/fixtures.ts';

const { dir, cleanup } = tempDir();
after(cleanup);

function failure(path: string, limit?: number) {
  const r = readBounded(path, limit);
  assert.equal(r.ok, false, `${path} should not read`);
  if (r.ok) throw new Error('unreachable');
  return r;
}

describe('readBounded', () => {
  test('reads a small file whole', () => {
    const path = join(dir, 'small');
    writeFileSync(path, 'hello');
    const r = readBounded(path);
    assert.ok(r.ok);
    assert.equal(r.data.toString(), 'hello');
  });

  test('reads a file of exactly the limit', () => {
    const path = join(dir, 'exact');
    writeFileSync(path, Buffer.alloc(10_000, 'a'));
    const r = readBounded(path, 10_000);
    assert.ok(r.ok);
    assert.equal(r.data.length, 10_000);
  });

  test('missing file and missing parent', () => {
    assert.equal(failure(join(dir, 'nope')).code, 'missing');
    writeFileSync(join(dir, 'plainfile'), '');
    const r = failure(join(dir, 'plainfile', 'child'));
    assert.equal(r.code, 'missing');
    assert.match(r.message, /a parent is not a directory/);
  });

  test('a directory', () => {
    mkdirSync(join(dir, 'adir'));
    const r = failure(join(dir, 'adir'));
    assert.equal(r.code, 'unreadable');
    assert.match(r.message, /is a directory$/);
  });

  test('a symlink loop', () => {
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    const r = failure(join(dir, 'loop-a'));
    assert.equal(r.code, 'unreadable');
    assert.match(r.message, /too many levels of symbolic links/);
  });

  test('a FIFO with no writer is refused at once instead of blocking', () => {
    const r = failure(makeFifo(dir, 'fifo'));
    assert.equal(r.code, 'unreadable');
    assert.match(r.message, /not a regular file/);
  });

  test('a character device (/dev/zero) is refused, not read forever', () => {
    const r = failure('/dev/zero');
    assert.equal(r.code, 'unreadable');
    assert.match(r.message, /not a regular file/);
  });

  test('a sparse file of 512 MiB is refused from its size, without reading it', () => {
    const path = join(dir, 'huge');
    const fd = openSync(path, 'w');
    closeSync(fd);
    spawnSync('truncate', ['-s', '512M', path]);
    const r = failure(path);
    assert.equal(r.code, 'malformed');
    assert.equal(r.message, `${path} is too large (536870912 bytes, limit ${MAX_PEM_BYTES})`);
  });

  test('a regular file that fails on read (EIO from /proc/self/mem) is unreadable, not a throw', () => {
    const r = failure('/proc/self/mem');
    assert.equal(r.code, 'unreadable');
    assert.match(r.message, /cannot read \(EIO\)/);
  });

  // Permission denied: tests run as root, which passes every permission check, so
  // test/cli/preflight-binary.test.ts runs the built binary as nobody (setpriv) instead.
});

/**
 * V8 runs what it deserialises and checks no checksum in release builds, so the code cache is read
 * only when its bytes are exactly the build's: the SHA-256 held by the executable. Anything else is
 * ignored, and the bundle is then compiled from source.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { codeCachePath, MAX_CACHE_BYTES, NO_CACHE, readCodeCache } from '../../src/cli/code-cache-file.ts';
import { tempDir } from '../helpers/fixtures.ts';

const { dir, cleanup } = tempDir();
after(cleanup);
const BYTES = Buffer.from('not really V8 data, but bytes to hand to V8');
const SHA = createHash('sha256').update(BYTES).digest('hex');
let n = 0;

/** A fresh executable path and, unless told otherwise, a cache beside it. */
function executable(cache: Buffer | null = BYTES): string {
  const exe = join(dir, `exe-${n++}.cjs`);
  writeFileSync(exe, '// executable\n', { mode: 0o755 });
  if (cache) writeFileSync(codeCachePath(exe), cache);
  return exe;
}

test('the cache beside the executable is read whole when its SHA-256 is the expected one', () => {
  assert.equal(codeCachePath('/opt/cg/certguard.cjs'), '/opt/cg/certguard.cjs.code-cache');
  assert.deepEqual(readCodeCache(executable(), SHA), BYTES);
});

test('one changed byte, a cut-off or a longer file: ignored', () => {
  const flipped = Buffer.from(BYTES);
  flipped[10]! ^= 1;
  assert.equal(readCodeCache(executable(flipped), SHA), undefined);
  assert.equal(readCodeCache(executable(BYTES.subarray(0, 20)), SHA), undefined);
  assert.equal(readCodeCache(executable(Buffer.concat([BYTES, Buffer.from('x')])), SHA), undefined);
});

test('an executable built without a cache (NO_CACHE) reads none, even a file beside it', () => {
  const exe = executable();
  assert.equal(readCodeCache(exe, NO_CACHE), undefined);
});

test('no cache, or no such executable: nothing, no throw', () => {
  assert.equal(readCodeCache(executable(null), SHA), undefined);
  assert.equal(readCodeCache(join(dir, 'no-such-dir', 'x.cjs'), SHA), undefined);
});

test('content decides, not the path: a link to the right bytes is as good as the file', () => {
  const good = executable();
  const exe = executable(null);
  symlinkSync(codeCachePath(good), codeCachePath(exe));
  assert.deepEqual(readCodeCache(exe, SHA), BYTES);
});

test('a directory or a FIFO is no cache (and opening the FIFO does not hang)', () => {
  const exe = executable(null);
  mkdirSync(codeCachePath(exe));
  assert.equal(readCodeCache(exe, SHA), undefined);
  const fifo = executable(null);
  assert.equal(spawnSync('mkfifo', [codeCachePath(fifo)]).status, 0, 'mkfifo');
  assert.equal(readCodeCache(fifo, SHA), undefined);
});

test('an implausibly big file is not read', () => {
  const exe = executable();
  truncateSync(codeCachePath(exe), MAX_CACHE_BYTES + 1);
  assert.equal(readCodeCache(exe, SHA), undefined);
});

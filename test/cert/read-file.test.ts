/** Bounded, non-blocking reads: the preflight must return promptly whatever the path points at. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MAX_PEM_BYTES, readBounded } from '../../src/cert/read-file.ts';
import { inspectCertificate } from '../../src/check/inspect.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { installCertificate } from '../../src/store/install.ts';
import { makeChain, makeFifo, tempDir } from '../helpers/fixtures.ts';

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

/**
 * Readers never see a torn pair: a child process swaps the files as fast as it can (certguard's
 * own install, then another tool's rename-in-place) while this process reads them many times.
 * Reading fullchain.pem and key.pem separately showed "key does not belong to the certificate"
 * a few times per thousand reads; readPair must show it never.
 */
describe('readPair under a concurrent swapper', () => {
  const READS = 1500;

  async function pairs(n: number) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const { intermediate, leaf } = await makeChain({ sans: ['example.com'], freshKey: true });
      out.push({ certPem: leaf.certPem, chainPem: intermediate.certPem, keyPem: leaf.keyPem });
    }
    return out;
  }

  /** Reads until READS reads are done; returns [reads, mismatches] and the swapper's swap count. */
  async function race(
    directory: string,
    child: ChildProcess,
  ): Promise<{ mismatches: number; swaps: number }> {
    let swaps = 0;
    child.stdout!.on('data', (d: Buffer) => {
      swaps += d.toString().split('\n').filter(Boolean).length;
    });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const settings = resolveCert('t', [{ directory, domains: ['example.com'] }], 'test');
    let mismatches = 0;
    for (let i = 0; i < READS; i++) {
      const v = inspectCertificate(settings, new Date());
      if (v.reasons.some((r) => r.code === 'key-mismatch')) mismatches++;
      // Let the stdout handler count swaps now and then.
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    return { mismatches, swaps };
  }

  test('certguard layout: zero mismatches while current is swapped', async () => {
    const site = join(dir, 'gen-site');
    const list = await pairs(4);
    installCertificate(site, list[0]!);
    const pairsFile = join(dir, 'pairs.json');
    writeFileSync(pairsFile, JSON.stringify(list), { mode: 0o600 });
    const script = join(dir, 'swapper.mts');
    writeFileSync(
      script,
      `import { installCertificate } from ${JSON.stringify(new URL('../../src/store/install.ts', import.meta.url).pathname)};
import { readFileSync, writeSync } from 'node:fs';
const pairs = JSON.parse(readFileSync(${JSON.stringify(pairsFile)}, 'utf8'));
for (let i = 0; i < 100000; i++) { installCertificate(${JSON.stringify(site)}, pairs[i % pairs.length]); writeSync(1, i + '\\n'); }
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { mismatches, swaps } = await race(site, child);
    assert.ok(swaps >= 10, `the swapper really swapped (${swaps} installs)`);
    assert.equal(mismatches, 0, `${mismatches} torn reads in ${READS} (${swaps} swaps)`);
  });

  test('a layout certguard did not write (renamed in place, one swap every 150 ms): zero mismatches', async () => {
    const site = join(dir, 'plain-site');
    mkdirSync(site);
    const list = await pairs(2);
    const files = list.map((p) => ({ full: p.certPem + p.chainPem, key: p.keyPem }));
    writeFileSync(join(site, 'fullchain.pem'), files[0]!.full);
    writeFileSync(join(site, 'key.pem'), files[0]!.key);
    const script = join(dir, 'renamer.mjs');
    writeFileSync(
      script,
      `import { renameSync, writeFileSync, writeSync } from 'node:fs';
const files = ${JSON.stringify(files)};
const d = ${JSON.stringify(site)};
for (let i = 0; i < 100000; i++) {
  const f = files[i % 2];
  writeFileSync(d + '/.c.tmp', f.full); writeFileSync(d + '/.k.tmp', f.key);
  renameSync(d + '/.c.tmp', d + '/fullchain.pem'); renameSync(d + '/.k.tmp', d + '/key.pem');
  writeSync(1, i + '\\n');
  // A "renewal" every 150 ms: far more often than any tool renews, yet each swap is one event
  // that the one re-read (50 ms later) can see past; a swap storm with no pause is no renewal.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
}
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const { mismatches, swaps } = await race(site, child);
    assert.ok(swaps >= 10, `the renamer really renamed (${swaps} swaps)`);
    assert.equal(mismatches, 0, `${mismatches} torn reads in ${READS} (${swaps} swaps)`);
  });
});

/**
 * Crash safety: kill -9 at random instants, then check that the installed key matches the
 * installed certificate (through every name: fullchain.pem + key.pem, and full.pem on its own).
 * Part 1 kills a tight install loop over 200 times (hundreds of installs); part 2 kills the real
 * renew flow against pebble mid-order, mid-install and mid-hook.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { parsePem } from '../../src/cert/pem.ts';
import { inspectCertificate } from '../../src/check/inspect.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { installCertificate } from '../../src/store/install.ts';
import { makeChain, tempDir } from '../helpers/fixtures.ts';
import { type Pebble, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { globalFor, pebbleSettings } from './support.ts';

const tmp = tempDir('certguard-crash-');
after(tmp.cleanup);
let installJs = '';
let renewJs = '';

before(async () => {
  installJs = join(tmp.dir, 'crash-install-child.mjs');
  renewJs = join(tmp.dir, 'crash-renew-child.mjs');
  // Bundled so each child starts in tens of milliseconds (tsx would take most of a second).
  await build({
    entryPoints: {
      'crash-install-child': new URL('./crash-install-child.ts', import.meta.url).pathname,
      'crash-renew-child': new URL('./crash-renew-child.ts', import.meta.url).pathname,
    },
    outdir: tmp.dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
});

/** Every way a reader may look at the pair must give a matching key and certificate. */
function assertConsistent(dir: string, domains: string[], what: string): void {
  const settings = resolveCert('crash', [{ directory: dir, domains }], 'test');
  const v = inspectCertificate(settings, new Date());
  assert.equal(v.usable, true, `${what}: ${JSON.stringify(v.reasons)}`);
  const full = parsePem(readFileSync(join(dir, 'full.pem'), 'latin1'));
  const key = full.find((b) => b.type === 'PRIVATE KEY')!;
  const leaf = full.find((b) => b.type === 'CERTIFICATE')!;
  assert.ok(new X509Certificate(leaf.der).checkPrivateKey(createPrivateKey(key.pem)), `${what}: full.pem`);
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  assert.ok(
    readFileSync(join(dir, 'fullchain.pem'), 'utf8').startsWith(cert),
    `${what}: cert.pem vs fullchain.pem`,
  );
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i = buf.indexOf('\n');
    while (i >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
      i = buf.indexOf('\n');
    }
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('kill -9 during an install loop, 200+ times over 200+ installs: the pair always matches', async () => {
  const dir = join(tmp.dir, 'loop');
  const pairs = [];
  for (let i = 0; i < 6; i++) {
    const { intermediate, leaf } = await makeChain({ sans: ['example.com'], freshKey: true });
    pairs.push({ certPem: leaf.certPem, chainPem: intermediate.certPem, keyPem: leaf.keyPem });
  }
  const pairsFile = join(tmp.dir, 'pairs.json');
  writeFileSync(pairsFile, JSON.stringify(pairs), { mode: 0o600 });
  installCertificate(dir, pairs[0]!);

  let kills = 0;
  let installs = 0;
  // At least 200 kills and 200 completed installs (kills also land before the first install).
  for (let k = 0; (kills < 200 || installs < 200) && k < 1000; k++) {
    const child = spawn(process.execPath, [installJs, dir, pairsFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let done = 0;
    const ready = new Promise<void>((resolve) => {
      lines(child, (l) => {
        if (l === 'ready') resolve();
        else done++;
      });
      child.once('exit', () => resolve());
    });
    await ready;
    // A random instant within the next few installs (each takes about 100 ms on a disk: fsyncs of
    // every file and directory), so kills land before, inside and between installs. The window is
    // wide enough that a slow or busy machine still completes 200 installs within the loop bound.
    await new Promise((r) => setTimeout(r, Math.random() * 400));
    await killAndWait(child);
    kills++;
    installs += done;
    assertConsistent(dir, ['example.com'], `after kill ${k} (${done} installs)`);
  }
  assert.ok(kills >= 200, `${kills} kills`);
  assert.ok(installs >= 200, `${installs} installs completed across ${kills} kills`);
  console.log(`crash test (install loop): ${kills} kills, ${installs} completed installs, always consistent`);
});

describe('kill -9 during real renewals against pebble', {
  skip: !pebbleAvailable() && 'SKIPPED: pebble not installed',
}, () => {
  let pebble: Pebble;
  before(async () => {
    if (!pebbleAvailable()) {
      console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
      return;
    }
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
  });
  after(async () => pebble?.stop());

  test('40 forced renewals killed at random instants: the pair always matches, the lock recovers', async () => {
    const root = join(tmp.dir, 'renew');
    const settings = pebbleSettings(pebble, root, { postRun: 'sleep 0.05' }, 'crash');
    const config = join(tmp.dir, 'renew.json');
    writeFileSync(config, JSON.stringify({ settings, global: globalFor(root) }));
    const runChild = () => {
      const child = spawn(process.execPath, [renewJs, config], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let result = '';
      lines(child, (l) => {
        result = l;
      });
      const exited = new Promise<string>((resolve) => child.once('exit', () => resolve(result)));
      return { child, exited };
    };
    // A first certificate, then renewals killed anywhere from start-up to the post-run hook.
    assert.equal(await runChild().exited, 'renewed');
    const started = Date.now();
    const first = runChild();
    const full = await first.exited;
    const typical = Date.now() - started;
    assert.equal(full, 'renewed');
    let killedMidway = 0;
    let completed = 0;
    for (let k = 0; k < 40; k++) {
      const { child, exited } = runChild();
      await new Promise((r) => setTimeout(r, Math.random() * typical * 1.1));
      await killAndWait(child);
      const result = await exited;
      if (result === 'renewed') completed++;
      else killedMidway++;
      assertConsistent(settings.directory, settings.domains, `after kill ${k}`);
    }
    console.log(`crash test (renew): ${killedMidway} killed mid-run, ${completed} finished before the kill`);
    assert.ok(killedMidway > 10, 'most kills landed inside a run');
    // The locks of killed runs are stale, not stuck: a normal run renews.
    assert.equal(await runChild().exited, 'renewed');
    assertConsistent(settings.directory, settings.domains, 'final');
  });
});

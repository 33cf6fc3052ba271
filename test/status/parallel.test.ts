import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfigFile } from '../../src/config/config-file.ts';
import { UsageError } from '../../src/exit-codes.ts';
import { collectStatus } from '../../src/status/collect.ts';
import { collectStatusParallel, defaultWorkers } from '../../src/status/parallel.ts';
import { makeCert, makeChain } from '../helpers/fixtures.ts';
import { HOUR, iso, makeInstall } from './setup.ts';

async function install(n: number) {
  const inst = makeInstall();
  const { intermediate } = await makeChain();
  for (let i = 0; i < n; i++) {
    const name = `c${i}`;
    const leaf = await makeCert({ sans: [`${name}.example`], issuer: intermediate, days: 10 + i });
    inst.addCert(name, i % 7 === 3 ? null : leaf, { issuers: [intermediate] });
    if (i % 5 === 0) {
      const at = iso(Date.now() - HOUR);
      inst.setState(name, {
        lastAttempt: at,
        lastError: { class: 'rate-limited', message: `too many ${i}`, at },
        consecutiveFailures: i,
      });
    }
  }
  return inst;
}

test('worker threads give exactly the single-thread rows, in config order', async (t) => {
  const inst = await install(40);
  t.after(inst.cleanup);
  const config = loadConfigFile(inst.writeConfig());
  const now = new Date();
  const single = collectStatus(config, [], now);
  // minPerWorker 1 forces threads for 40 certificates; 3 workers on 2 cores still must be correct.
  const stats = { workerRows: 0, workerErrors: [] as string[] };
  const threaded = await collectStatusParallel(config, [], now, {
    workers: 3,
    minPerWorker: 1,
    mainThreadWorks: false,
    stats,
  });
  assert.deepEqual(stats, { workerRows: 40, workerErrors: [] }, 'the workers computed every row');
  assert.deepEqual(threaded, single);
  assert.deepEqual(new Set(threaded.map((r) => r.state)), new Set(['renewal-failing', 'ok', 'missing']));
});

test('without workers the parallel path is the single-thread path', async (t) => {
  const inst = await install(5);
  t.after(inst.cleanup);
  const config = loadConfigFile(inst.writeConfig());
  const now = new Date();
  assert.deepEqual(
    await collectStatusParallel(config, ['c4', 'c1'], now, { workers: 0 }),
    collectStatus(config, ['c4', 'c1'], now),
  );
});

test('config errors are raised before any worker starts', async (t) => {
  const inst = await install(2);
  t.after(inst.cleanup);
  const config = loadConfigFile(inst.writeConfig());
  await assert.rejects(
    collectStatusParallel(config, ['nope'], new Date(), { workers: 1, minPerWorker: 1 }),
    UsageError,
  );
});

test('CERTGUARD_STATUS_WORKERS overrides the number of workers', () => {
  assert.equal(defaultWorkers({ CERTGUARD_STATUS_WORKERS: '0' }), 0);
  assert.equal(defaultWorkers({ CERTGUARD_STATUS_WORKERS: '3' }), 3);
  assert.ok(defaultWorkers({ CERTGUARD_STATUS_WORKERS: 'lots' }) >= 0);
});

test('a worker that throws or exits is recovered from: the main thread computes its rows', async (t) => {
  const inst = await install(6);
  t.after(inst.cleanup);
  const config = loadConfigFile(inst.writeConfig());
  const now = new Date();
  const single = collectStatus(config, [], now);
  for (const [code, error] of [
    ["throw new Error('boom')", /boom/],
    ['process.exit(3)', /exited with code 3/],
    // Claims every certificate, then dies without delivering: nothing may be lost.
    [
      "const { workerData } = require('node:worker_threads'); Atomics.add(new Int32Array(workerData.next), 0, 1e6); process.exit(4)",
      /exited with code 4/,
    ],
  ] as const) {
    const stats = { workerRows: 0, workerErrors: [] as string[] };
    const rows = await collectStatusParallel(config, [], now, {
      workers: 2,
      minPerWorker: 1,
      mainThreadWorks: false,
      stats,
      workerCode: code,
    });
    assert.equal(stats.workerRows, 0);
    assert.equal(stats.workerErrors.length, 2);
    for (const e of stats.workerErrors) assert.match(e, error);
    assert.deepEqual(rows, single);
  }
});

/**
 * Every way the CA or the network can fail, produced by a real proxy in front of real pebble. Each
 * test asserts the failure class, the real cause in the message, and that the whole attempt ended
 * within its time budget (the budget is the feature under test: acme-client alone would take 75 s
 * or forever).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fetchRenewalInfo } from '../../src/acme/ari.ts';
import { makeBudget } from '../../src/acme/budget.ts';
import { obtainCertificate } from '../../src/acme/order.ts';
import { AcmeFailure, type OrderRequest } from '../../src/acme/types.ts';
import { type FaultMode, type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { type Pebble, startPebble } from '../helpers/pebble.ts';
import { baseRequest, pebbleSkip } from './order-setup.ts';

const TOTAL_MS = 6000;
/** Timer and scheduling slack on a busy 2-core machine; the deadline itself is TOTAL_MS. */
const SLACK_MS = 1000;

describe('failures through the fault proxy', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  let proxy: FaultProxy;
  let tmp: { dir: string; cleanup: () => void };
  let n = 0;
  before(async () => {
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
    proxy = await startFaultProxy(pebble);
    tmp = tempDir('certguard-acme-faults-');
  });
  after(async () => {
    await proxy?.close();
    await pebble?.stop();
    tmp?.cleanup();
  });

  function request(over: Partial<OrderRequest> = {}) {
    return baseRequest(pebble, join(tmp.dir, `r${n++}`), {
      server: proxy.directoryUrl,
      budget: makeBudget({
        totalMs: TOTAL_MS,
        requestTimeoutMs: 2000,
        connectTimeoutMs: 1000,
        maxAttempts: 3,
      }),
      ...over,
    });
  }

  /** Runs one order in `mode`; returns the failure and how long it took. */
  async function failWith(mode: FaultMode, over: Partial<OrderRequest> = {}) {
    await proxy.setMode(mode);
    const started = Date.now();
    try {
      await obtainCertificate(request(over));
    } catch (err) {
      const ms = Date.now() - started;
      assert.ok(err instanceof AcmeFailure, `AcmeFailure expected, got ${String(err)}`);
      assert.doesNotMatch(err.message, /reading 'config'/);
      assert.doesNotMatch(err.message, /\n/);
      assert.ok(ms < TOTAL_MS + SLACK_MS, `took ${ms} ms, budget ${TOTAL_MS} ms`);
      return { err, ms };
    } finally {
      await proxy.setMode('pass');
    }
    assert.fail(`expected a failure in mode ${JSON.stringify(mode)}`);
  }

  test('the proxy passes a healthy order through (baseline)', async () => {
    await proxy.setMode('pass');
    const before = proxy.requestCount;
    const issued = await obtainCertificate(request());
    assert.ok(new X509Certificate(issued.certPem));
    assert.ok(proxy.requestCount - before >= 8, 'the order really went through the proxy');
  });

  test('refused: ca-unreachable "connect ECONNREFUSED", bounded retries', async () => {
    const { err } = await failWith('refuse');
    assert.equal(err.failureClass, 'ca-unreachable');
    assert.match(err.message, new RegExp(`connect ECONNREFUSED 127\\.0\\.0\\.1:${proxy.port}`));
  });

  test('blackhole (accepts, never answers): ca-unreachable after the connect timeout, not the request timeout', async () => {
    const accepted = proxy.acceptCount;
    const { err } = await failWith('blackhole');
    assert.equal(err.failureClass, 'ca-unreachable');
    assert.match(err.message, /TLS handshake to 127\.0\.0\.1:\d+ timed out after 1\.0s/);
    assert.equal(proxy.acceptCount - accepted, 1, 'a timeout is not retried');
  });

  test('blackhole with a short total budget: "timed out" at the deadline', async () => {
    const { err, ms } = await failWith('blackhole', {
      budget: makeBudget({ totalMs: 700, requestTimeoutMs: 5000, connectTimeoutMs: 5000 }),
    });
    assert.equal(err.failureClass, 'ca-unreachable');
    assert.match(err.message, /timed out after 1s \(time budget\)/);
    assert.ok(ms < 700 + SLACK_MS);
  });

  test('TLS garbage: ca-unreachable with the TLS error', async () => {
    const { err } = await failWith('tls-garbage');
    assert.equal(err.failureClass, 'ca-unreachable');
    assert.match(err.message, /SSL|TLS|wrong version|packet length/i);
  });

  test('HTTP 500 on every request: ca-error with status and problem type, after bounded retries', async () => {
    const before = proxy.requestCount;
    const { err } = await failWith({ status: 500 });
    assert.equal(err.failureClass, 'ca-error');
    assert.equal(err.httpStatus, 500);
    assert.match(err.message, /HTTP 500 serverInternal: fault-proxy: injected HTTP 500/);
    assert.equal(proxy.requestCount - before, 3, 'maxAttempts requests, no more');
  });

  test('HTTP 503 with a long Retry-After: gives up at once, passing Retry-After on', async () => {
    const before = proxy.requestCount;
    const { err } = await failWith({ status: 503, retryAfter: 3600 });
    assert.equal(err.failureClass, 'ca-error');
    assert.equal(err.httpStatus, 503);
    assert.equal(err.retryAfterSeconds, 3600);
    assert.equal(proxy.requestCount - before, 1, 'no retry that cannot fit the budget');
  });

  test('one HTTP 503 is retried and the order succeeds', async () => {
    await proxy.setMode({ status: 503, times: 1 });
    const issued = await obtainCertificate(request());
    assert.ok(new X509Certificate(issued.certPem));
  });

  test('5xx after the CA consumed the nonce: the retry signs with a fresh nonce (no badNonce, upstream #103)', async () => {
    await proxy.setMode({ status: 503, times: 2, onlyPost: true, afterForward: true });
    const req = request();
    const issued = await obtainCertificate(req);
    assert.ok(new X509Certificate(issued.certPem));
    const done = req.logged.lines.find((l) => l.includes('certificate issued'))!;
    assert.doesNotMatch(done, /badNonce/, 'the retried requests were not refused for their nonce');
    assert.equal(req.logged.lines.filter((l) => /retrying .*HTTP 503/.test(l)).length, 2);
  });

  test('HTTP 429 with Retry-After: rate-limited with retryAfterSeconds, no retry', async () => {
    const before = proxy.requestCount;
    const { err } = await failWith({ status: 429, retryAfter: 120 });
    assert.equal(err.failureClass, 'rate-limited');
    assert.equal(err.retryAfterSeconds, 120);
    assert.equal(err.httpStatus, 429);
    assert.match(err.message, /HTTP 429 rateLimited/);
    assert.equal(proxy.requestCount - before, 1);
  });

  test('HTTP 429 on newOrder (an HTTP date as Retry-After)', async () => {
    const at = new Date(Date.now() + 600_000).toUTCString();
    const { err } = await failWith({ status: 429, retryAfter: at, onlyPost: true });
    assert.equal(err.failureClass, 'rate-limited');
    assert.ok(err.retryAfterSeconds! > 590 && err.retryAfterSeconds! <= 601, String(err.retryAfterSeconds));
  });

  test('invalid JSON: ca-error naming it', async () => {
    const { err } = await failWith('invalid-json');
    assert.equal(err.failureClass, 'ca-error');
    assert.match(err.message, /invalid JSON/);
  });

  test('badNonce storm: ca-error badNonce after a bounded number of retries', async () => {
    const before = proxy.requestCount;
    const { err } = await failWith('bad-nonce-storm');
    assert.equal(err.failureClass, 'ca-error');
    assert.equal(err.problemType, 'urn:ietf:params:acme:error:badNonce');
    assert.ok(proxy.requestCount - before <= 10, `${proxy.requestCount - before} requests`);
  });

  test('ARI through a blackhole ends within its own short timeout', async () => {
    await proxy.setMode('blackhole');
    const started = Date.now();
    try {
      await assert.rejects(
        fetchRenewalInfo(proxy.directoryUrl, 'a.b', { caBundle: pebble.caBundlePath, timeoutMs: 500 }),
        (err: unknown) =>
          err instanceof AcmeFailure &&
          err.failureClass === 'ca-unreachable' &&
          /timed out after 0\.5s/.test(err.message),
      );
      assert.ok(Date.now() - started < 500 + SLACK_MS);
    } finally {
      await proxy.setMode('pass');
    }
  });
});

describe('a CA that rejects nonces at random (pebble PEBBLE_WFE_NONCEREJECT=20)', {
  skip: pebbleSkip(),
}, () => {
  let pebble: Pebble;
  let tmp: { dir: string; cleanup: () => void };
  before(async () => {
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false, nonceReject: 20 });
    tmp = tempDir('certguard-acme-nonce-');
  });
  after(async () => {
    await pebble?.stop();
    tmp?.cleanup();
  });

  test('still issues, order after order, retrying the rejected nonces', async () => {
    let retried = 0;
    for (let i = 0; i < 5; i++) {
      const req = baseRequest(pebble, join(tmp.dir, 'soak'));
      const issued = await obtainCertificate(req);
      assert.ok(new X509Certificate(issued.certPem));
      const line = req.logged.lines.find((l) => l.includes('certificate issued'))!;
      retried += Number(/(\d+) badNonce retries/.exec(line)?.[1] ?? 0);
    }
    // ~50 signed requests at 20 % rejection: zero rejections has a probability of 1e-5.
    assert.ok(retried > 0, 'pebble rejected some nonces and they were retried');
  });
});

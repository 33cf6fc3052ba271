import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BACKOFF_BASE_SECONDS,
  BACKOFF_MAX_SECONDS,
  backoffCapSeconds,
  backoffUntil,
  nextAttemptAfter,
  recordFailure,
  recordSuccess,
} from '../../src/renew/backoff.ts';
import { emptyState } from '../../src/store/state.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const secondsAfter = (d: Date) => (d.getTime() - NOW.getTime()) / 1000;
const at = (n: number, random: number, extra = {}) =>
  secondsAfter(
    nextAttemptAfter({
      consecutiveFailures: n,
      remainingSeconds: null,
      now: NOW,
      random: () => random,
      ...extra,
    }),
  );

test('backoff doubles from 5 minutes per failure, within [delay/2, delay]', () => {
  assert.equal(at(1, 1), 300);
  assert.equal(at(1, 0), 150);
  assert.equal(at(2, 1), 600);
  assert.equal(at(3, 1), 1200);
  assert.equal(at(4, 0.5), 0.75 * 2400);
});

test('backoff is capped at a day, even after very many failures', () => {
  assert.equal(at(9, 1), 300 * 256);
  assert.equal(at(10, 1), BACKOFF_MAX_SECONDS);
  assert.equal(at(1000, 1), BACKOFF_MAX_SECONDS);
  assert.equal(at(1000, 0), BACKOFF_MAX_SECONDS / 2);
});

test('Retry-After is honoured when longer than the backoff, and capped at a day', () => {
  assert.equal(at(1, 1, { retryAfterSeconds: 3600 }), 3600);
  assert.equal(at(1, 1, { retryAfterSeconds: 10 }), 300);
  assert.equal(at(1, 1, { retryAfterSeconds: 10 * 86400 }), BACKOFF_MAX_SECONDS);
});

test('a certificate close to expiry is retried sooner (a quarter of what is left, not under 5 min)', () => {
  assert.equal(at(10, 1, { remainingSeconds: 4 * 3600 }), 3600);
  assert.equal(at(10, 1, { remainingSeconds: 60 }), BACKOFF_BASE_SECONDS);
  assert.equal(at(10, 1, { remainingSeconds: 90 * 86400 }), BACKOFF_MAX_SECONDS);
});

test('recordFailure counts failures, keeps class and message, sets nextAttemptNotBefore', () => {
  let s = emptyState();
  s = recordFailure(
    s,
    { class: 'ca-unreachable', message: 'connect ECONNREFUSED' },
    86400 * 30,
    NOW,
    () => 1,
  );
  assert.equal(s.consecutiveFailures, 1);
  assert.deepEqual(s.lastError, {
    class: 'ca-unreachable',
    message: 'connect ECONNREFUSED',
    at: NOW.toISOString(),
  });
  assert.equal(s.lastAttempt, NOW.toISOString());
  assert.equal(s.nextAttemptNotBefore, new Date(NOW.getTime() + 300_000).toISOString());
  s = recordFailure(
    s,
    { class: 'rate-limited', message: '429', retryAfterSeconds: 7200 },
    null,
    NOW,
    () => 1,
  );
  assert.equal(s.consecutiveFailures, 2);
  assert.equal(s.nextAttemptNotBefore, new Date(NOW.getTime() + 7200_000).toISOString());
  assert.equal(backoffUntil(s, NOW)?.toISOString(), s.nextAttemptNotBefore);
  assert.equal(
    backoffUntil(s, new Date(NOW.getTime() + 7200_000)),
    undefined,
    'the boundary allows an attempt',
  );
});

test('recordSuccess clears failures, backoff and the old ARI answer', () => {
  const failed = recordFailure(emptyState(), { class: 'ca-error', message: 'x' }, null, NOW);
  const s = recordSuccess(
    {
      ...failed,
      ari: {
        certId: 'a.b',
        windowStart: '',
        windowEnd: '',
        renewAt: '',
        fetchedAt: '',
        nextFetchNotBefore: '',
      },
    },
    NOW,
  );
  assert.equal(s.consecutiveFailures, 0);
  assert.equal(s.lastError, null);
  assert.equal(s.nextAttemptNotBefore, null);
  assert.equal(s.ari, null);
  assert.equal(s.lastSuccess, NOW.toISOString());
  assert.equal(backoffUntil(s, NOW), undefined);
});

test('the cap: a day, or a quarter of the remaining validity (never under the base delay)', () => {
  assert.equal(backoffCapSeconds(null), BACKOFF_MAX_SECONDS);
  assert.equal(backoffCapSeconds(-5), BACKOFF_MAX_SECONDS);
  assert.equal(backoffCapSeconds(40 * 3600), 10 * 3600);
  assert.equal(backoffCapSeconds(60), BACKOFF_BASE_SECONDS);
  assert.equal(backoffCapSeconds(30 * 86400), BACKOFF_MAX_SECONDS);
});

describe('backoff is clamped when read', () => {
  const HOUR = 3600_000;
  const state = (next: number, attempt: number | null) => ({
    ...emptyState(),
    consecutiveFailures: 3,
    nextAttemptNotBefore: new Date(NOW.getTime() + next).toISOString(),
    lastAttempt: attempt === null ? null : new Date(NOW.getTime() + attempt).toISOString(),
  });
  test('written by a clock ten years ahead (attempt in the future too): ignored, attempt now', () => {
    const tenYears = 3650 * 24 * HOUR;
    assert.equal(backoffUntil(state(tenYears, tenYears - HOUR), NOW), undefined);
    assert.equal(backoffUntil(state(tenYears, null), NOW), undefined);
  });
  test('an attempt in the past with a far-future backoff: at most the cap after that attempt', () => {
    const until = backoffUntil(state(10 * 365 * 24 * HOUR, -HOUR), NOW);
    assert.equal(until?.getTime(), NOW.getTime() + 23 * HOUR);
    // 40 h of validity left: a quarter of it, 10 h after the attempt.
    assert.equal(backoffUntil(state(20 * HOUR, -HOUR), NOW, 40 * 3600)?.getTime(), NOW.getTime() + 9 * HOUR);
    assert.equal(backoffUntil(state(20 * HOUR, -11 * HOUR), NOW, 40 * 3600), undefined);
  });
  test('a normal backoff is obeyed as written', () => {
    assert.equal(backoffUntil(state(HOUR, -60_000), NOW)?.getTime(), NOW.getTime() + HOUR);
    assert.equal(backoffUntil(state(-1, -HOUR), NOW), undefined);
  });
});

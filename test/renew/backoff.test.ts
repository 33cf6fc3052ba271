import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BACKOFF_BASE_SECONDS,
  BACKOFF_MAX_SECONDS,
  BACKOFF_UNUSABLE_MAX_SECONDS,
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
  const usable = { remainingSeconds: 90 * 86400 };
  assert.equal(at(9, 1, usable), 300 * 256);
  assert.equal(at(10, 1, usable), BACKOFF_MAX_SECONDS);
  assert.equal(at(1000, 1, usable), BACKOFF_MAX_SECONDS);
  assert.equal(at(1000, 0, usable), BACKOFF_MAX_SECONDS / 2);
});

test('with no usable certificate the CA is retried at least hourly', () => {
  assert.equal(at(2, 1), 600);
  assert.equal(at(1000, 1), BACKOFF_UNUSABLE_MAX_SECONDS);
  assert.equal(BACKOFF_UNUSABLE_MAX_SECONDS, 3600);
});

test('Retry-After is honoured when longer than the backoff, up to the same cap', () => {
  const usable = { remainingSeconds: 90 * 86400 };
  assert.equal(at(1, 1, { ...usable, retryAfterSeconds: 3600 }), 3600);
  assert.equal(at(1, 1, { ...usable, retryAfterSeconds: 10 }), 300);
  assert.equal(at(1, 1, { ...usable, retryAfterSeconds: 10 * 86400 }), BACKOFF_MAX_SECONDS);
  // The cap that the read-side clamp applies too: with nothing usable, an hour.
  assert.equal(at(1, 1, { retryAfterSeconds: 7200 }), BACKOFF_UNUSABLE_MAX_SECONDS);
});

test('a certificate close to expiry is retried sooner (1/24 of what is left, not under 5 min)', () => {
  assert.equal(at(10, 1, { remainingSeconds: 24 * 3600 }), 3600);
  assert.equal(at(10, 1, { remainingSeconds: 60 }), BACKOFF_BASE_SECONDS);
  assert.equal(at(10, 1, { remainingSeconds: 90 * 86400 }), BACKOFF_MAX_SECONDS);
  assert.equal(backoffCapSeconds(null), BACKOFF_UNUSABLE_MAX_SECONDS);
  assert.equal(backoffCapSeconds(-5), BACKOFF_UNUSABLE_MAX_SECONDS);
});

test('a short-lived certificate with 3 days left is retried within hours, however many failures', () => {
  const threeDays = 3 * 86400;
  assert.equal(backoffCapSeconds(threeDays), 3 * 3600);
  for (const n of [1, 5, 10, 100]) assert.ok(at(n, 1, { remainingSeconds: threeDays }) <= 3 * 3600);
  // A 45-day certificate at its renewal point (15 days left): 15 h; a 90-day one (30 days): a day.
  assert.equal(backoffCapSeconds(15 * 86400), 15 * 3600);
  assert.equal(backoffCapSeconds(30 * 86400), BACKOFF_MAX_SECONDS);
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
    86400 * 30,
    NOW,
    () => 1,
  );
  assert.equal(s.consecutiveFailures, 2);
  assert.equal(s.nextAttemptNotBefore, new Date(NOW.getTime() + 7200_000).toISOString());
  assert.equal(backoffUntil(s, NOW, 86400 * 30)?.toISOString(), s.nextAttemptNotBefore);
  assert.equal(
    backoffUntil(s, new Date(NOW.getTime() + 7200_000), 86400 * 30),
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
  const ninetyDays = 90 * 86400;
  test('an attempt in the past with a far-future backoff: at most the cap after that attempt', () => {
    const until = backoffUntil(state(10 * 365 * 24 * HOUR, -HOUR), NOW, ninetyDays);
    assert.equal(until?.getTime(), NOW.getTime() + 23 * HOUR);
    // 10 days of validity left: 1/24 of it (10 h) after the attempt.
    assert.equal(backoffUntil(state(20 * HOUR, -HOUR), NOW, 240 * 3600)?.getTime(), NOW.getTime() + 9 * HOUR);
    assert.equal(backoffUntil(state(20 * HOUR, -11 * HOUR), NOW, 240 * 3600), undefined);
    // Nothing usable: an hour after the attempt at most.
    assert.equal(backoffUntil(state(20 * HOUR, -HOUR), NOW), undefined);
  });
  test('a normal backoff is obeyed as written', () => {
    assert.equal(backoffUntil(state(HOUR, -60_000), NOW, ninetyDays)?.getTime(), NOW.getTime() + HOUR);
    assert.equal(backoffUntil(state(-1, -HOUR), NOW, ninetyDays), undefined);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_BUDGET,
  DeadlineExceeded,
  deadlineSignal,
  makeBudget,
  sleep,
} from '../../src/acme/budget.ts';

test('makeBudget: defaults, overrides, at least one attempt', () => {
  const b = makeBudget({}, 1000);
  assert.deepEqual(b, {
    deadlineMs: 1000 + DEFAULT_BUDGET.totalMs,
    requestTimeoutMs: DEFAULT_BUDGET.requestTimeoutMs,
    connectTimeoutMs: DEFAULT_BUDGET.connectTimeoutMs,
    maxAttempts: DEFAULT_BUDGET.maxAttempts,
  });
  assert.equal(makeBudget({ totalMs: 5, maxAttempts: 0 }, 0).maxAttempts, 1);
  assert.equal(makeBudget({ totalMs: 5 }, 0).deadlineMs, 5);
});

test('a passed deadline aborts at once; sleep stops when the signal aborts', async () => {
  const past = deadlineSignal(Date.now() - 1);
  assert.equal(past.signal.aborted, true);
  await assert.rejects(sleep(10_000, past.signal), DeadlineExceeded);

  const soon = deadlineSignal(Date.now() + 20);
  try {
    await assert.rejects(sleep(60_000, soon.signal), DeadlineExceeded);
    assert.equal(soon.signal.aborted, true);
  } finally {
    soon.dispose();
  }

  const later = deadlineSignal(Date.now() + 60_000);
  await sleep(1, later.signal);
  assert.equal(later.signal.aborted, false);
  later.dispose();
});

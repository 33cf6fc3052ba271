import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConditionDecision } from '../../src/companion/condition.ts';
import { type CompanionState, recordOutcome } from '../../src/companion/record.ts';
import { emptyState } from '../../src/store/state.ts';
import { verdictOf } from '../helpers/verdicts.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const notDue: ConditionDecision = { run: false, reasons: [], dueAt: null, backoffUntil: null };
const stillDue: ConditionDecision = {
  run: true,
  reasons: [{ code: 'renewal-window', message: 'in the renewal window since 2026-05-30' }],
  dueAt: null,
  backoffUntil: null,
};
const exited = (status: number, result = status === 0 ? 'success' : 'exit-code') => ({
  serviceResult: result,
  exitCode: 'exited',
  exitStatus: String(status),
});
const REFUSED = 'Could not create client: get directory at https://ca/dir: connection refused';

test('the condition skipped the run: nothing is recorded', () => {
  const r = recordOutcome(
    'site',
    emptyState(),
    { serviceResult: 'exec-condition', exitCode: '', exitStatus: '' },
    { verdict: verdictOf(), decision: notDue },
    undefined,
    NOW,
  );
  assert.deepEqual(r, { state: undefined, unitOk: true, line: undefined });
});

test('success: the certificate is no longer due; the failure history is cleared', () => {
  const before: CompanionState = {
    ...emptyState(),
    consecutiveFailures: 2,
    failingSince: '2026-05-30T00:00:00Z',
  };
  const r = recordOutcome(
    'site',
    before,
    exited(0),
    { verdict: verdictOf(), decision: notDue },
    undefined,
    NOW,
  );
  assert.equal(r.unitOk, true);
  assert.equal(r.state?.lastSuccess, NOW.toISOString());
  assert.equal(r.state?.consecutiveFailures, 0);
  assert.equal(r.state?.failingSince, null);
  assert.equal(r.line?.level, 'info');
});

test("security.acme's exit 11 with a usable certificate: a soft failure with lego's error, the unit does not fail", () => {
  const r = recordOutcome(
    'site',
    emptyState(),
    exited(11, 'success'),
    { verdict: verdictOf(), decision: stillDue },
    REFUSED,
    NOW,
  );
  assert.equal(r.unitOk, true);
  assert.deepEqual(r.state?.lastError, { class: 'ca-unreachable', message: REFUSED, at: NOW.toISOString() });
  assert.equal(r.state?.consecutiveFailures, 1);
  assert.equal(r.state?.failingSince, NOW.toISOString());
  assert.ok(r.state?.nextAttemptNotBefore, 'a backoff is set');
  assert.equal(r.line?.level, 'warning');
  assert.match(
    r.line!.text,
    /^site: WARNING: renewal failing since 2026-06-01T00:00:00.000Z, last error: Could not create client/,
  );
  assert.match(r.line!.text, /the unit does not fail \(the renewal command exited 11\)$/);
});

test('a later failure keeps "failing since" from the first one', () => {
  const before: CompanionState = {
    ...emptyState(),
    consecutiveFailures: 1,
    failingSince: '2026-05-31T00:00:00Z',
  };
  const r = recordOutcome(
    'site',
    before,
    exited(11, 'success'),
    { verdict: verdictOf(), decision: stillDue },
    REFUSED,
    NOW,
  );
  assert.equal(r.state?.failingSince, '2026-05-31T00:00:00Z');
  assert.equal(r.state?.consecutiveFailures, 2);
});

test('exit 0 but still due (security.acme ignored a failed lego): recorded as a failure', () => {
  const r = recordOutcome(
    'site',
    emptyState(),
    exited(0),
    { verdict: verdictOf(), decision: stillDue },
    undefined,
    NOW,
  );
  assert.equal(r.unitOk, true);
  assert.match(
    r.state!.lastError!.message,
    /^the renewal command exited 0 but the certificate is still due \(in the renewal window/,
  );
});

test('failed with nothing usable installed (expired, placeholder): the unit fails, loudly', () => {
  const expired = verdictOf({ usable: false, reasons: [{ code: 'expired', message: 'expired 2026-05-30' }] });
  const r = recordOutcome(
    'site',
    emptyState(),
    exited(10, 'success'),
    { verdict: expired, decision: stillDue },
    undefined,
    NOW,
  );
  assert.equal(r.unitOk, false);
  assert.equal(r.line?.level, 'err');
  assert.equal(
    r.line?.text,
    'site: renewal failed and the installed certificate is unusable: expired 2026-05-30; last error: the renewal command exited 10',
  );
  const placeholder = recordOutcome(
    'site',
    emptyState(),
    exited(10, 'success'),
    { verdict: verdictOf({ placeholder: true }), decision: stillDue },
    undefined,
    NOW,
  );
  assert.equal(placeholder.unitOk, false);
  assert.match(placeholder.line!.text, /only a placeholder is installed/);
});

test('killed by a signal: the cause says so', () => {
  const run = { serviceResult: 'signal', exitCode: 'killed', exitStatus: 'TERM' };
  const r = recordOutcome(
    'site',
    emptyState(),
    run,
    { verdict: verdictOf(), decision: stillDue },
    undefined,
    NOW,
  );
  assert.equal(r.state?.lastError?.message, 'the renewal command was killed (TERM)');
});

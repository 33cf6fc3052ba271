import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../../src/cert/verdict.ts';
import { outcomeJson, outcomeLine } from '../../src/renew/outcome-text.ts';
import type { RenewOutcome } from '../../src/renew/renew.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const usable: Verdict = {
  name: 'web',
  usable: true,
  reasons: [],
  warnings: [],
  notBefore: '2026-05-01T00:00:00.000Z',
  notAfter: '2026-06-21T00:00:00.000Z',
  remainingSeconds: 20 * 86400,
  renewalDue: true,
  renewAt: '2026-05-31T00:00:00.000Z',
  domains: ['web.test'],
  issuer: 'CN=ca',
  serial: '01',
  keyType: 'ec256',
  placeholder: false,
  fingerprint256: 'AA',
};
const missing: Verdict = {
  ...usable,
  usable: false,
  reasons: [{ code: 'missing', message: '/x/fullchain.pem does not exist' }],
  notAfter: null,
  remainingSeconds: null,
};
const failure = { class: 'ca-unreachable' as const, message: 'connect ECONNREFUSED 127.0.0.1:1' };
const o = (over: Partial<RenewOutcome>): RenewOutcome => ({
  exitCode: 0,
  action: 'not-due',
  verdict: usable,
  dueReasons: [],
  ...over,
});

test('soft failure: a warning that says how long the certificate stays valid', () => {
  const l = outcomeLine(
    'web',
    o({ exitCode: 75, action: 'soft-failure', failure, nextCheck: '2026-06-01T00:05:00.000Z' }),
    NOW,
  );
  assert.equal(l.level, 'warning');
  assert.equal(
    l.text,
    'web: WARNING: renewal failed (ca-unreachable: connect ECONNREFUSED 127.0.0.1:1); the installed certificate is still valid for 20 days (until 2026-06-21T00:00:00.000Z); next attempt 2026-06-01 00:05:00 UTC (in 5 minutes)',
  );
});

test('hard failure: an error naming the cause and the missing certificate', () => {
  const l = outcomeLine('web', o({ exitCode: 1, action: 'hard-failure', verdict: missing, failure }), NOW);
  assert.equal(l.level, 'err');
  assert.match(
    l.text,
    /^web: renewal FAILED \(ca-unreachable: .*\) and no usable certificate is installed \(none installed yet\)$/,
  );
});

test('not due, renewed, busy, backoff: one line each at the right level', () => {
  assert.deepEqual(outcomeLine('web', o({ nextCheck: '2026-06-10T00:00:00.000Z' }), NOW), {
    level: 'info',
    text: 'web: not due; certificate valid for 20 days (until 2026-06-21T00:00:00.000Z); renewal due 2026-06-10 00:00:00 UTC (in 9 days)',
  });
  assert.equal(outcomeLine('web', o({ action: 'renewed' }), NOW).level, 'info');
  assert.equal(
    outcomeLine('web', o({ action: 'renewed', hookFailures: ['reload of x failed'] }), NOW).level,
    'warning',
  );
  assert.match(outcomeLine('web', o({ action: 'busy' }), NOW).text, /busy/);
  const b = outcomeLine('web', o({ exitCode: 75, action: 'backoff', failure }), NOW);
  assert.equal(b.level, 'warning');
  assert.match(b.text, /renewal due but failing \(ca-unreachable/);
  const hb = outcomeLine('web', o({ exitCode: 1, action: 'backoff', verdict: missing, failure }), NOW);
  assert.equal(hb.level, 'err');
  assert.match(hb.text, /NO USABLE CERTIFICATE \(none installed yet\).*--force/);
});

test('the JSON object has every documented field, null when absent', () => {
  const j = outcomeJson('web', o({}));
  assert.deepEqual(Object.keys(j).sort(), [
    'action',
    'dueReasons',
    'exitCode',
    'failure',
    'hookFailures',
    'name',
    'nextCheck',
    'verdict',
  ]);
  assert.equal(j.failure, null);
  assert.equal(j.nextCheck, null);
});

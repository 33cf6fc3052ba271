import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AcmeInspection } from '../../src/check/security-acme.ts';
import { decideCondition } from '../../src/companion/condition.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { emptyState } from '../../src/store/state.ts';
import { verdictOf } from '../helpers/verdicts.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const settings = resolveCert('site', [{ domains: ['site.test'], renewBefore: '30d' }], 'test');
const inspection = (over: Partial<AcmeInspection> = {}, v = {}): AcmeInspection => ({
  verdict: verdictOf(v),
  windowFallback: false,
  domainHashChanged: undefined,
  ...over,
});

test('not due: skipped, with the time it becomes due', () => {
  const d = decideCondition(settings, inspection(), emptyState(), NOW);
  assert.equal(d.run, false);
  assert.deepEqual(d.reasons, []);
  assert.equal(d.dueAt?.toISOString(), '2026-06-30T00:00:00.000Z');
});

test("renew's own reasons make it run: window, unusable, placeholder, key type", () => {
  const due = (v: object) => decideCondition(settings, inspection({}, v), emptyState(), NOW);
  assert.deepEqual(
    due({ renewAt: '2026-05-30T00:00:00Z' }).reasons.map((r) => r.code),
    ['renewal-window'],
  );
  assert.ok(due({ usable: false, reasons: [{ code: 'expired', message: 'expired' }] }).run);
  assert.deepEqual(
    due({ placeholder: true }).reasons.map((r) => r.code),
    ['placeholder'],
  );
  assert.deepEqual(
    due({ keyType: 'rsa2048' }).reasons.map((r) => r.code),
    ['key-type-changed'],
  );
});

test("lego's domain hash changed: due as names-changed (once, also when the SANs say so)", () => {
  const d = decideCondition(
    settings,
    inspection({ domainHashChanged: 'names changed: x' }),
    emptyState(),
    NOW,
  );
  assert.equal(d.run, true);
  assert.deepEqual(d.reasons, [{ code: 'names-changed', message: 'names changed: x' }]);
  const both = decideCondition(
    settings,
    inspection({ domainHashChanged: 'names changed: x' }, { domains: ['other.test'] }),
    emptyState(),
    NOW,
  );
  assert.deepEqual(
    both.reasons.map((r) => r.code),
    ['names-changed'],
  );
});

test('a remembered ARI window for the installed certificate makes it due; ari: false ignores it', () => {
  const ari = {
    certId: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AAobLA',
    windowStart: '2026-05-20T00:00:00Z',
    windowEnd: '2026-05-25T00:00:00Z',
    renewAt: '2026-05-21T00:00:00Z',
    fetchedAt: '2026-05-19T00:00:00Z',
    nextFetchNotBefore: '2026-05-20T00:00:00Z',
  };
  const state = { ...emptyState(), ari };
  assert.deepEqual(
    decideCondition(settings, inspection(), state, NOW).reasons.map((r) => r.code),
    ['ari-window'],
  );
  assert.equal(decideCondition({ ...settings, ari: false }, inspection(), state, NOW).run, false);
});

test('backoff after a failure skips a due renewal only while a real, usable certificate is served', () => {
  const state = { ...emptyState(), consecutiveFailures: 1, nextAttemptNotBefore: '2026-06-01T00:05:00Z' };
  const windowDue = inspection({}, { renewAt: '2026-05-30T00:00:00Z' });
  const d = decideCondition(settings, windowDue, state, NOW);
  assert.equal(d.run, false);
  assert.equal(d.backoffUntil?.toISOString(), '2026-06-01T00:05:00.000Z');
  // Expired or a placeholder: every chance is taken, as security.acme alone does.
  const expired = inspection({}, { usable: false, reasons: [{ code: 'expired', message: 'expired' }] });
  assert.equal(decideCondition(settings, expired, state, NOW).run, true);
  assert.equal(decideCondition(settings, inspection({}, { placeholder: true }), state, NOW).run, true);
  // After the backoff it runs again.
  assert.equal(decideCondition(settings, windowDue, state, new Date('2026-06-01T00:06:00Z')).run, true);
});

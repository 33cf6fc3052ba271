import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../../src/cert/verdict.ts';
import { statusRow } from '../../src/status/row.ts';
import { emptyState, type RenewalState, type StateRead } from '../../src/store/state.ts';

const NOW = new Date('2026-11-27T12:00:00Z');
const H = 3600_000;
const D = 86400_000;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

/** A usable CA-issued certificate, 60 of 90 days left, renewal due in 30 days. */
function verdict(o: Partial<Verdict> = {}): Verdict {
  return {
    name: 'web',
    usable: true,
    reasons: [],
    warnings: [],
    notBefore: at(-30 * D),
    notAfter: at(60 * D),
    remainingSeconds: 60 * 86400,
    renewalDue: false,
    renewAt: at(30 * D),
    domains: ['example.com'],
    issuer: 'CN=test CA',
    serial: '0A1B2C',
    keyType: 'ec256',
    placeholder: false,
    fingerprint256: 'AA:BB',
    ...o,
  };
}
const noState: StateRead = { ok: true, state: emptyState(), exists: false };
const state = (s: Partial<RenewalState>): StateRead => ({
  ok: true,
  state: { ...emptyState(), ...s },
  exists: true,
});
const failure = (ms: number) => ({
  class: 'ca-unreachable' as const,
  message: 'connection refused',
  at: at(ms),
});
const missing = verdict({
  usable: false,
  reasons: [{ code: 'missing', message: '/x/fullchain.pem does not exist' }],
  notBefore: null,
  notAfter: null,
  remainingSeconds: null,
  renewAt: null,
  renewalDue: true,
  serial: null,
});
const expired = verdict({
  usable: false,
  reasons: [{ code: 'expired', message: 'expired' }],
  notAfter: at(-D),
  renewalDue: true,
});

test('ok: usable, not due, no failure', () => {
  const row = statusRow(verdict(), noState, NOW);
  assert.equal(row.state, 'ok');
  assert.equal(row.usable, true);
  assert.equal(row.renewalFailing, false);
  assert.equal(row.nextAttempt, at(30 * D), 'next attempt is when renewal becomes due');
  assert.equal(row.stateFileExists, false);
});

test('renewal-due: usable and past renewAt', () => {
  const row = statusRow(verdict({ renewalDue: true, renewAt: at(-H) }), noState, NOW);
  assert.equal(row.state, 'renewal-due');
  assert.equal(row.nextAttempt, NOW.toISOString(), 'due: the next run');
  assert.deepEqual(
    row.dueReasons.map((r) => r.code),
    ['renewal-window'],
  );
});

test('renewal-failing: usable and the last attempt failed', () => {
  const s = state({ lastAttempt: at(-2 * H), lastError: failure(-2 * H), consecutiveFailures: 3 });
  const row = statusRow(verdict({ renewalDue: true, renewAt: at(-D) }), s, NOW);
  assert.equal(row.state, 'renewal-failing');
  assert.equal(row.renewalFailing, true);
  assert.equal(row.consecutiveFailures, 3);
  assert.deepEqual(row.lastError, failure(-2 * H));
});

test('renewal-failing needs the failure to be newer than the last success', () => {
  const old = state({ lastError: failure(-3 * D), lastSuccess: at(-D), lastAttempt: at(-D) });
  assert.equal(statusRow(verdict(), old, NOW).state, 'ok');
  const newer = state({ lastError: failure(-H), lastSuccess: at(-D), lastAttempt: at(-H) });
  assert.equal(statusRow(verdict(), newer, NOW).state, 'renewal-failing');
});

test('consecutiveFailures without a recorded error still counts as failing', () => {
  assert.equal(statusRow(verdict(), state({ consecutiveFailures: 1 }), NOW).state, 'renewal-failing');
});

test('the backoff (nextAttemptNotBefore) postpones the next attempt past renewAt', () => {
  const s = state({ lastError: failure(-H), nextAttemptNotBefore: at(41 * 60_000) });
  const row = statusRow(verdict({ renewalDue: true, renewAt: at(-D) }), s, NOW);
  assert.equal(row.nextAttempt, at(41 * 60_000));
  assert.equal(row.nextAttemptNotBefore, at(41 * 60_000));
});

test('placeholder outranks renewal-failing (no real certificate is the bigger news)', () => {
  const v = verdict({ placeholder: true, renewalDue: true });
  assert.equal(statusRow(v, noState, NOW).state, 'placeholder');
  const row = statusRow(v, state({ lastError: failure(-H), consecutiveFailures: 1 }), NOW);
  assert.equal(row.state, 'placeholder');
  assert.equal(row.renewalFailing, true, 'the failure is still reported in its own field');
  assert.equal(row.nextAttempt, NOW.toISOString(), 'a placeholder is replaced at the next run');
});

test('unusable outranks placeholder and renewal-failing, and keeps its reason codes', () => {
  const row = statusRow({ ...expired, placeholder: true }, state({ lastError: failure(-H) }), NOW);
  assert.equal(row.state, 'unusable');
  assert.deepEqual(
    row.reasons.map((r) => r.code),
    ['expired'],
  );
  assert.equal(row.usable, false);
});

test('missing: no certificate file; a missing key alone is unusable', () => {
  assert.equal(statusRow(missing, noState, NOW).state, 'missing');
  const noKey = verdict({
    usable: false,
    reasons: [{ code: 'missing', message: '/x/key.pem does not exist' }],
  });
  assert.equal(statusRow(noKey, noState, NOW).state, 'unusable');
  const unreadable = { ...missing, reasons: [{ code: 'unreadable' as const, message: 'permission denied' }] };
  assert.equal(statusRow(unreadable, noState, NOW).state, 'unusable');
});

test('a corrupt state file is reported in the row and the state comes from the certificate alone', () => {
  const bad: StateRead = { ok: false, problem: '/s/certs/web.json: corrupt state file (invalid JSON)' };
  const row = statusRow(verdict(), bad, NOW, { stateFile: '/s/certs/web.json' });
  assert.equal(row.state, 'ok');
  assert.equal(row.stateProblem, '/s/certs/web.json: corrupt state file (invalid JSON)');
  assert.equal(row.stateFile, '/s/certs/web.json');
  assert.equal(row.stateFileExists, true);
  assert.equal(row.lastAttempt, null);
  assert.equal(statusRow(expired, bad, NOW).state, 'unusable');
});

test('an ARI renewal time for this certificate (serial in the certID) makes renewal due earlier', () => {
  const ari = (certId: string, renewAt: string) => ({
    certId,
    windowStart: renewAt,
    windowEnd: renewAt,
    renewAt,
    fetchedAt: at(-D),
    nextFetchNotBefore: at(D),
  });
  // serial 0A1B2C: DER bytes 0a 1b 2c -> base64url "Chss"
  const mine = statusRow(verdict(), state({ ari: ari('aYhba4dGQEHhs3uEe6CuLN4ByNQ.Chss', at(-H)) }), NOW);
  assert.equal(mine.renewAt, at(-H));
  assert.equal(mine.renewalDue, true);
  assert.equal(mine.state, 'renewal-due');
  const other = statusRow(verdict(), state({ ari: ari('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE', at(-H)) }), NOW);
  assert.equal(other.renewAt, at(30 * D), "another certificate's ARI time is ignored");
  assert.equal(other.state, 'ok');
  const later = statusRow(verdict(), state({ ari: ari('x.Chss', at(40 * D)) }), NOW);
  assert.equal(later.renewAt, at(30 * D), 'the earlier of the two times wins');
});

test('ari: false in the settings ignores the remembered ARI window, as renew does', () => {
  const s = state({
    ari: {
      certId: 'x.Chss',
      windowStart: at(-H),
      windowEnd: at(-H),
      renewAt: at(-H),
      fetchedAt: at(-D),
      nextFetchNotBefore: at(D),
    },
  });
  assert.equal(statusRow(verdict(), s, NOW).state, 'renewal-due');
  const off = statusRow(verdict(), s, NOW, { ari: false });
  assert.equal(off.state, 'ok');
  assert.equal(off.renewAt, at(30 * D));
});

test('renewal-due when the settings ask for other names or another key type (renew re-issues)', () => {
  const names = statusRow(verdict(), noState, NOW, { domains: ['example.com', 'www.example.com'] });
  assert.equal(names.state, 'renewal-due');
  assert.deepEqual(
    names.dueReasons.map((r) => r.code),
    ['names-changed'],
  );
  assert.equal(names.nextAttempt, NOW.toISOString());
  const key = statusRow(verdict(), noState, NOW, { domains: ['example.com'], keyType: 'rsa2048' });
  assert.equal(key.state, 'renewal-due');
  assert.deepEqual(
    key.dueReasons.map((r) => r.code),
    ['key-type-changed'],
  );
  assert.equal(
    statusRow(verdict(), noState, NOW, { domains: ['EXAMPLE.com.'], keyType: 'ec256' }).state,
    'ok',
  );
});

test('renewal-due when the configured profile differs from the one certguard ordered with', () => {
  const serial = verdict().serial!;
  const ordered = state({ issued: { serial, profile: 'shortlived' } });
  const changed = statusRow(verdict(), ordered, NOW, { domains: ['example.com'], profile: 'tlsserver' });
  assert.equal(changed.state, 'renewal-due');
  assert.deepEqual(
    changed.dueReasons.map((r) => r.code),
    ['profile-changed'],
  );
  assert.equal(
    statusRow(verdict(), ordered, NOW, { domains: ['example.com'], profile: 'shortlived' }).state,
    'ok',
  );
  // Unknown settings (no profile in the context) are not judged.
  assert.equal(statusRow(verdict(), ordered, NOW, { domains: ['example.com'] }).state, 'ok');
});

test('a state file with fields of the wrong type is reported, not trusted (and nothing crashes)', () => {
  const weird = {
    ok: true,
    exists: true,
    state: {
      ...emptyState(),
      lastError: 'boom',
      consecutiveFailures: '3',
      lastAttempt: 'yesterday',
      ari: { certId: 7 },
    },
  } as unknown as StateRead;
  const row = statusRow(verdict(), weird, NOW, { stateFile: '/s/web.json' });
  assert.equal(row.state, 'ok');
  assert.equal(
    row.stateProblem,
    '/s/web.json: unexpected value for lastAttempt, consecutiveFailures, lastError, ari',
  );
  assert.equal(row.lastError, null);
  assert.equal(row.consecutiveFailures, 0);
  assert.equal(row.stateFileExists, true);
});

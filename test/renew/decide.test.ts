import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../../src/cert/verdict.ts';
import { ariCertIdMatchesSerial, decideRenewal, namesChanged } from '../../src/renew/decide.ts';
import type { AriState } from '../../src/store/state.ts';
import { verdictOf } from '../helpers/verdicts.ts';

const NOW = new Date('2026-06-01T00:00:00Z');

const verdict = (over: Partial<Verdict> = {}): Verdict =>
  verdictOf({ name: 'x', domains: ['example.com', 'www.example.com'], ...over });

const base = {
  domains: ['example.com', 'www.example.com'],
  keyType: 'ec256' as const,
  profile: undefined,
  issued: null,
  ari: null,
  force: false,
  now: NOW,
};
const codes = (d: ReturnType<typeof decideRenewal>) => d.reasons.map((r) => r.code);

test('a valid certificate outside its renewal window is not due, and says when it will be', () => {
  const d = decideRenewal({ ...base, verdict: verdict() });
  assert.equal(d.due, false);
  assert.deepEqual(d.reasons, []);
  assert.equal(d.dueAt?.toISOString(), '2026-06-30T00:00:00.000Z');
});

test('missing certificate is due (missing), not also unusable', () => {
  const v = verdict({
    usable: false,
    serial: null,
    keyType: null,
    renewAt: null,
    domains: [],
    reasons: [{ code: 'missing', message: 'x does not exist' }],
  });
  const d = decideRenewal({ ...base, verdict: v });
  assert.deepEqual(codes(d), ['missing']);
});

test('unusable (expired, key mismatch ...) is due', () => {
  const v = verdict({ usable: false, reasons: [{ code: 'expired', message: 'expired 2026-05-31' }] });
  const d = decideRenewal({ ...base, verdict: v });
  assert.equal(d.due, true);
  assert.deepEqual(codes(d), ['unusable']);
  assert.match(d.reasons[0]!.message, /expired 2026-05-31/);
});

test('placeholder is due', () => {
  const d = decideRenewal({ ...base, verdict: verdict({ placeholder: true, domains: ['other'] }) });
  assert.deepEqual(codes(d), ['placeholder'], 'a placeholder is not judged for names or key type');
});

test('in the renewal window is due', () => {
  const d = decideRenewal({ ...base, verdict: verdict({ renewAt: '2026-05-31T23:59:59Z' }) });
  assert.deepEqual(codes(d), ['renewal-window']);
});

test('exactly at renewAt is due (boundary)', () => {
  const d = decideRenewal({ ...base, verdict: verdict({ renewAt: NOW.toISOString() }) });
  assert.deepEqual(codes(d), ['renewal-window']);
});

test('names added or removed in the settings are due', () => {
  const added = decideRenewal({ ...base, domains: [...base.domains, 'api.example.com'], verdict: verdict() });
  assert.deepEqual(codes(added), ['names-changed']);
  assert.match(added.reasons[0]!.message, /added api\.example\.com/);
  const removed = decideRenewal({ ...base, domains: ['example.com'], verdict: verdict() });
  assert.match(removed.reasons[0]!.message, /removed www\.example\.com/);
});

test('names compare case-insensitively and ignore a trailing dot; no configured names: no judgement', () => {
  assert.equal(
    namesChanged(['Example.COM.', 'www.example.com'], ['example.com', 'www.example.com']),
    undefined,
  );
  assert.equal(namesChanged([], ['example.com']), undefined);
});

test('key type changed in the settings is due', () => {
  const d = decideRenewal({ ...base, keyType: 'rsa2048', verdict: verdict() });
  assert.deepEqual(codes(d), ['key-type-changed']);
  assert.match(d.reasons[0]!.message, /ec256.*rsa2048/);
});

test('force is due and is listed with the other reasons', () => {
  const d = decideRenewal({ ...base, force: true, verdict: verdict({ renewAt: '2026-01-01T00:00:00Z' }) });
  assert.deepEqual(codes(d), ['force', 'renewal-window']);
});

function ari(over: Partial<AriState> = {}): AriState {
  return {
    // serial 0A1B2C as DER bytes -> base64url "ChtC"
    certId: `aYhba4dGQEHhs3uEe6CuLN4ByNQ.${Buffer.from('0a1b2c', 'hex').toString('base64url')}`,
    windowStart: '2026-05-20T00:00:00Z',
    windowEnd: '2026-05-22T00:00:00Z',
    renewAt: '2026-05-21T00:00:00Z',
    fetchedAt: '2026-05-19T00:00:00Z',
    nextFetchNotBefore: '2026-05-19T06:00:00Z',
    ...over,
  };
}

test('ARI: a remembered window for this certificate that has started makes it due', () => {
  const d = decideRenewal({ ...base, ari: ari({ explanationURL: 'https://ca/why' }), verdict: verdict() });
  assert.deepEqual(codes(d), ['ari-window']);
  assert.match(d.reasons[0]!.message, /https:\/\/ca\/why/);
});

test('ARI: a future window is not due yet but moves dueAt earlier', () => {
  const d = decideRenewal({ ...base, ari: ari({ renewAt: '2026-06-10T00:00:00Z' }), verdict: verdict() });
  assert.equal(d.due, false);
  assert.equal(d.dueAt?.toISOString(), '2026-06-10T00:00:00.000Z');
});

test('ARI: an answer about another certificate (other serial) is ignored', () => {
  const d = decideRenewal({ ...base, ari: ari(), verdict: verdict({ serial: '0A1B2D' }) });
  assert.equal(d.due, false);
});

test('ARI certID serial matching keeps a leading 0x00 and ignores hex case', () => {
  const id = (hex: string) => `k.${Buffer.from(hex, 'hex').toString('base64url')}`;
  assert.equal(ariCertIdMatchesSerial(id('0087654321'), '87654321'), true);
  assert.equal(ariCertIdMatchesSerial(id('0087654321'), '0087654321'), true);
  assert.equal(ariCertIdMatchesSerial(id('abcdef'), 'ABCDEF'), true);
  assert.equal(ariCertIdMatchesSerial(id('abcdef'), 'ABCDEE'), false);
  assert.equal(ariCertIdMatchesSerial('nodot', 'ABCDEF'), false);
  // RFC 9773 example certID: serial 0x87 65 43 21 with a leading zero byte.
  assert.equal(ariCertIdMatchesSerial('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE', '87654321'), true);
});

test('a changed profile makes renewal due, but only for a certificate certguard ordered', () => {
  const issued = { serial: '0a1b2c', profile: 'shortlived' };
  const changed = decideRenewal({ ...base, verdict: verdict(), profile: 'tlsserver', issued });
  assert.deepEqual(codes(changed), ['profile-changed']);
  assert.equal(
    changed.reasons[0]!.message,
    'ordered with profile shortlived, settings ask for profile tlsserver',
  );
  const unset = decideRenewal({ ...base, verdict: verdict(), profile: undefined, issued });
  assert.match(unset.reasons[0]!.message, /settings ask for the CA's default profile$/);
  const none = { serial: '0A1B2C', profile: null };
  assert.deepEqual(codes(decideRenewal({ ...base, verdict: verdict(), profile: 'classic', issued: none })), [
    'profile-changed',
  ]);
  assert.equal(decideRenewal({ ...base, verdict: verdict(), profile: 'shortlived', issued }).due, false);
  // The record is about another certificate (another client's, or an older one): not judged.
  const other = { serial: 'FFFF', profile: 'classic' };
  assert.equal(
    decideRenewal({ ...base, verdict: verdict(), profile: 'shortlived', issued: other }).due,
    false,
  );
  // A hand-edited state with the wrong shape is ignored, not trusted.
  const bad = { serial: '0A1B2C', profile: 7 } as unknown as typeof issued;
  assert.equal(decideRenewal({ ...base, verdict: verdict(), profile: 'shortlived', issued: bad }).due, false);
});

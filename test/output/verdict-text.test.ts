import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Verdict } from '../../src/cert/verdict.ts';
import { day, humanDuration, relative } from '../../src/output/human-time.ts';
import { verdictLine } from '../../src/output/verdict-text.ts';

const now = new Date('2026-11-28T00:00:00Z');
const base: Verdict = {
  name: 'example.com',
  usable: true,
  reasons: [],
  warnings: [],
  notBefore: '2026-11-03T00:00:00.000Z',
  notAfter: '2027-02-01T00:00:00.000Z',
  remainingSeconds: 65 * 86400,
  renewalDue: false,
  renewAt: '2027-01-02T00:00:00.000Z',
  domains: ['example.com'],
  issuer: 'CN=R3',
  serial: '01',
  keyType: 'ec256',
  placeholder: false,
  fingerprint256: null,
};

describe('verdictLine', () => {
  test('usable: the issue example, at info level', () => {
    assert.deepEqual(verdictLine(base, now), {
      level: 'info',
      text: 'example.com: usable, expires 2027-02-01 (65 days), renewal due in 35 days',
    });
  });

  test('renewal due: warning level', () => {
    const v = {
      ...base,
      renewalDue: true,
      renewAt: '2026-11-20T00:00:00.000Z',
      warnings: [{ code: 'renewal-due' as const, message: 'renewal due since ...' }],
    };
    assert.deepEqual(verdictLine(v, now), {
      level: 'warning',
      text: 'example.com: usable, expires 2027-02-01 (65 days), renewal due now',
    });
  });

  test('warnings are appended, warning level', () => {
    const v = {
      ...base,
      warnings: [{ code: 'self-signed' as const, message: 'the certificate is self-signed' }],
    };
    assert.deepEqual(verdictLine(v, now), {
      level: 'warning',
      text: 'example.com: usable, expires 2027-02-01 (65 days), renewal due in 35 days; warning: the certificate is self-signed',
    });
  });

  test('unusable: every reason, error level', () => {
    const v = {
      ...base,
      usable: false,
      renewalDue: true,
      reasons: [
        { code: 'expired' as const, message: 'expired 2026-11-01T00:00:00.000Z' },
        { code: 'name-not-covered' as const, message: 'no SAN covers www.example.com' },
      ],
    };
    assert.deepEqual(verdictLine(v, now), {
      level: 'err',
      text: 'example.com: UNUSABLE: expired 2026-11-01T00:00:00.000Z; no SAN covers www.example.com',
    });
  });
});

describe('human time', () => {
  test('humanDuration picks the largest whole unit', () => {
    assert.equal(humanDuration(65 * 86400 + 3600), '65 days');
    assert.equal(humanDuration(86400), '1 day');
    assert.equal(humanDuration(7200), '2 hours');
    assert.equal(humanDuration(61), '1 minute');
    assert.equal(humanDuration(1), '1 second');
    assert.equal(humanDuration(0), '0 seconds');
    assert.equal(humanDuration(-3 * 3600), '3 hours');
  });
  test('more parts: adjacent units from the largest, zeros left out, always rounded down', () => {
    assert.equal(humanDuration(7_775_790, { parts: 2 }), '89 days 23 hours');
    assert.equal(humanDuration(8_640_000, { parts: 4 }), '100 days');
    assert.equal(humanDuration(86400 + 300, { parts: 2 }), '1 day');
    assert.equal(humanDuration(86400 + 300, { parts: 3 }), '1 day 5 minutes');
    assert.equal(humanDuration(99.9 * 86400), '99 days');
    assert.equal(humanDuration(3 * 3600 + 120, { style: 'short', parts: 2 }), '3 h 2 min');
    assert.equal(humanDuration(0.7, { style: 'short' }), '0 s');
  });
  test('relative', () => {
    assert.equal(relative(new Date(now.getTime() + 3 * 86400_000), now), 'in 3 days');
    assert.equal(relative(new Date(now.getTime() - 3 * 3600_000), now), '3 hours ago');
    assert.equal(relative(new Date(now.getTime() - 3 * 3600_000), now, { style: 'short' }), '3 h ago');
    assert.equal(relative(now, now), 'just now');
    assert.equal(relative(new Date(now.getTime() - 999), now), 'just now');
    assert.equal(relative(new Date(now.getTime() + 500), now), 'now');
    assert.equal(relative(new Date(now.getTime() - 1000), now), '1 second ago');
  });
  test('day is the UTC date', () => assert.equal(day('2027-02-01T23:59:59.000Z'), '2027-02-01'));
});

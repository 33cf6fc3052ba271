import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultFractionLeft, renewalPoint } from '../../src/cert/renewal-point.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const nb = new Date('2026-01-01T00:00:00Z');
const after = (ms: number) => new Date(nb.getTime() + ms);
/** Hours left at the renewal point of a certificate with this lifetime. */
const hoursLeft = (lifetimeMs: number, rb: Parameters<typeof renewalPoint>[2] = { kind: 'auto' }) =>
  (nb.getTime() + lifetimeMs - renewalPoint(nb, after(lifetimeMs), rb).getTime()) / HOUR;

describe('renewalPoint, the default (auto) rule', () => {
  test('90 days: due with 30 days (1/3) left', () => {
    assert.equal(
      renewalPoint(nb, after(90 * DAY), { kind: 'auto' }).toISOString(),
      '2026-03-02T00:00:00.000Z',
    );
    assert.equal(hoursLeft(90 * DAY), 30 * 24);
  });

  test('45 days (tlsserver): due with 15 days (1/3) left', () => {
    assert.equal(hoursLeft(45 * DAY), 15 * 24);
  });

  test('6 days (shortlived): due with 4 days (2/3) left, so a 72-hour outage leaves a day', () => {
    assert.equal(hoursLeft(6 * DAY), 96);
    assert.ok(hoursLeft(6 * DAY) - 72 >= 24);
    // Let's Encrypt's shortlived certificates are 160 h: renewed about every 2.2 days (LE: 2-3).
    assert.ok(Math.abs(hoursLeft(160 * HOUR) - 160 * (2 / 3)) < 1e-9);
  });

  test('the short-lived share is at least certbot 4 rule (1/2) below 10 days, 1/3 from 10 days', () => {
    assert.ok(defaultFractionLeft(9.99 * 86400) >= 1 / 2);
    assert.equal(defaultFractionLeft(10 * 86400), 1 / 3);
    assert.equal(defaultFractionLeft(3600), defaultFractionLeft(6 * 86400));
  });

  test('an explicit fraction or duration is used as given, whatever the lifetime', () => {
    assert.equal(hoursLeft(6 * DAY, { kind: 'fraction', fraction: 1 / 3 }), 48);
    assert.equal(hoursLeft(90 * DAY, { kind: 'seconds', seconds: 86400 }), 24);
    assert.equal(
      renewalPoint(nb, after(90 * DAY), { kind: 'fraction', fraction: 1 / 3 }).toISOString(),
      '2026-03-02T00:00:00.000Z',
    );
  });

  test('a notAfter before notBefore (hostile certificate) counts as zero lifetime, not negative', () => {
    const p = renewalPoint(after(DAY), nb, { kind: 'auto' });
    assert.equal(p.getTime(), nb.getTime());
  });
});

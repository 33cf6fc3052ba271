/**
 * The fleet simulation behind docs/renew.md "Timing": the shipped timers and the default renewal
 * point keep a 6-day certificate through a 72-hour CA outage; the old module timer did not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FleetOptions,
  OLD_MODULE_TIMER,
  SHIPPED_TIMER,
  simulateFleet,
  TWELVE_STARTS,
} from '../../bench/fleet-sim.ts';

const base: Omit<FleetOptions, 'lifetimeHours' | 'rule' | 'timer'> = {
  hosts: 1000,
  outageHours: 72,
  outageStartsHours: TWELVE_STARTS,
};

test('shipped timer + default rule: no 6-day (144 h) or 160-hour certificate expires in a 72-hour outage', () => {
  for (const lifetimeHours of [144, 160]) {
    const r = simulateFleet({ ...base, lifetimeHours, rule: { kind: 'auto' }, timer: SHIPPED_TIMER });
    assert.equal(r.expiredShare, 0, `${lifetimeHours} h`);
    // 96 h left at the renewal point - 72 h outage - up to 1 h timer and backoff: about a day.
    assert.ok(r.worstMarginHours > 20, `${lifetimeHours} h: worst margin ${r.worstMarginHours} h`);
    // A fixed offset per host: the fleet's requests are spread over the whole day (1000 hosts:
    // some noise; the old timer's busiest hour carries over twice the mean, see below).
    assert.ok(r.peakHourLoad < 1.6, `peak ${r.peakHourLoad}`);
  }
});

test('45- and 90-day certificates: no expiry, days of margin', () => {
  for (const lifetimeHours of [45 * 24, 90 * 24]) {
    const r = simulateFleet({
      ...base,
      hosts: 200,
      lifetimeHours,
      rule: { kind: 'auto' },
      timer: SHIPPED_TIMER,
    });
    assert.equal(r.expiredShare, 0);
    // A third of the lifetime, less the outage, a backoff (at most a day) and one timer period.
    assert.ok(r.worstMarginHours > lifetimeHours / 3 - 72 - 24 - 1, `worst ${r.worstMarginHours} h`);
  }
});

test('the old module timer at half the lifetime loses certificates (the issue: about 2.3 %)', () => {
  const r = simulateFleet({
    ...base,
    lifetimeHours: 160,
    rule: { kind: 'fraction', fraction: 1 / 2 },
    timer: OLD_MODULE_TIMER,
  });
  assert.ok(r.expiredShare > 0.01 && r.expiredShare < 0.05, `expired ${r.expiredShare}`);
  assert.ok(r.worstMarginHours < -12, `worst ${r.worstMarginHours} h`);
  // Two UTC-aligned 6-hour windows a day: the busiest hour carries over twice the mean load.
  assert.ok(r.peakHourLoad > 2, `peak ${r.peakHourLoad}`);
});

test('why 2/3 and not certbot 1/2 below 10 days: at 1/2 a 144-hour certificate expires even with hourly runs', () => {
  const r = simulateFleet({
    ...base,
    lifetimeHours: 144,
    rule: { kind: 'fraction', fraction: 1 / 2 },
    timer: SHIPPED_TIMER,
  });
  assert.ok(r.expiredShare > 0);
});

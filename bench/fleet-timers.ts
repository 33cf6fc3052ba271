/**
 * Fleet simulation: 10 000 hosts, a 72-hour CA outage at twelve start times, old and new timers and
 * renewal points (see bench/fleet-sim.ts for the model). Prints the table of docs/renew.md.
 *
 *   npx tsx bench/fleet-timers.ts [--hosts 10000] [--outage 72]
 */
import type { RenewBefore } from '../src/config/duration.ts';
import {
  HOURLY_30MIN_TIMER,
  OLD_MODULE_TIMER,
  SHIPPED_TIMER,
  simulateFleet,
  type TimerModel,
  TWELVE_STARTS,
} from './fleet-sim.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const hosts = Number(opt('hosts', '10000'));
const outageHours = Number(opt('outage', '72'));

const timers: [string, TimerModel][] = [
  ['00,12 UTC + 6h random (old module)', OLD_MODULE_TIMER],
  ['hourly + 30min random', HOURLY_30MIN_TIMER],
  ['hourly + fixed 1h offset (shipped)', SHIPPED_TIMER],
];
const rules: [string, RenewBefore][] = [
  ['1/2 left (ARI-like)', { kind: 'fraction', fraction: 1 / 2 }],
  ['auto (2/3 left < 10 d)', { kind: 'auto' }],
];

console.log(`${hosts} hosts, ${outageHours} h CA outage, 12 start times 2 h apart`);
console.log('| lifetime | renewal point | timer | expired | worst margin | peak hour load (steady) |');
console.log('|---|---|---|---|---|---|');
for (const lifetimeHours of [160, 144]) {
  for (const [ruleName, rule] of rules) {
    for (const [timerName, timer] of timers) {
      const r = simulateFleet({
        hosts,
        lifetimeHours,
        rule,
        timer,
        outageHours,
        outageStartsHours: TWELVE_STARTS,
      });
      console.log(
        `| ${lifetimeHours} h | ${ruleName} | ${timerName} | ${(r.expiredShare * 100).toFixed(2)} % | ` +
          `${r.worstMarginHours > 0 ? '+' : ''}${r.worstMarginHours.toFixed(1)} h | ${r.peakHourLoad.toFixed(1)}x |`,
      );
    }
  }
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeLabel, renderMetrics, rowSamples } from '../../src/status/metrics.ts';
import { parseOwnMetrics } from '../../src/status/metrics-parse.ts';
import { STATUS_STATES } from '../../src/status/row.ts';
import { promtoolCheck } from './promtool.ts';
import { at, D, failingRow, H, row } from './rows.ts';

const sec = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
const missing = row({
  name: 'gone',
  state: 'missing',
  usable: false,
  notBefore: null,
  notAfter: null,
  renewAt: null,
  stateProblem: 'x: corrupt state file (invalid JSON)',
});
const succeeded = row({ name: 'ok.example', lastAttempt: at(-5 * D), lastSuccess: at(-5 * D) });
const text = renderMetrics([succeeded, failingRow, missing]);
const lines = text.split('\n');

function sample(metric: string, name: string): string | undefined {
  const prefix = `${metric}{name="${name}"} `;
  return lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
}

test('every required family has HELP and TYPE gauge lines', () => {
  for (const metric of [
    'certguard_certificate_not_after_seconds',
    'certguard_certificate_usable',
    'certguard_renewal_failing',
    'certguard_renewal_consecutive_failures',
    'certguard_renewal_last_success_timestamp_seconds',
    'certguard_renewal_last_attempt_timestamp_seconds',
    'certguard_certificate_state',
  ]) {
    assert.ok(
      lines.some((l) => l.startsWith(`# HELP ${metric} `)),
      `HELP ${metric}`,
    );
    assert.ok(lines.includes(`# TYPE ${metric} gauge`), `TYPE ${metric}`);
  }
});

test('per-certificate values: "failing but valid" is visible without running status', () => {
  assert.equal(sample('certguard_certificate_usable', 'api.example.org'), '1');
  assert.equal(sample('certguard_renewal_failing', 'api.example.org'), '1');
  assert.equal(sample('certguard_renewal_consecutive_failures', 'api.example.org'), '1');
  assert.equal(
    sample('certguard_certificate_not_after_seconds', 'api.example.org'),
    String(sec(failingRow.notAfter!)),
  );
  assert.equal(
    sample('certguard_renewal_last_attempt_timestamp_seconds', 'api.example.org'),
    String(sec(at(-2 * H))),
  );
  assert.equal(
    sample('certguard_renewal_last_success_timestamp_seconds', 'ok.example'),
    String(sec(at(-5 * D))),
  );
  assert.equal(sample('certguard_renewal_failing', 'ok.example'), '0');
  assert.equal(sample('certguard_certificate_usable', 'gone'), '0');
  assert.equal(sample('certguard_renewal_state_unreadable', 'gone'), '1');
});

test('unknown times are left out, not written as 0 (1970 would fire every age alert)', () => {
  assert.equal(sample('certguard_certificate_not_after_seconds', 'gone'), undefined);
  assert.equal(sample('certguard_renewal_last_success_timestamp_seconds', 'api.example.org'), undefined);
  assert.equal(sample('certguard_renewal_last_attempt_timestamp_seconds', 'gone'), undefined);
});

test('the state enum has one series per state with exactly one 1', () => {
  const series = lines.filter((l) => l.startsWith('certguard_certificate_state{name="api.example.org",'));
  assert.equal(series.length, STATUS_STATES.length);
  assert.deepEqual(
    series.filter((l) => l.endsWith(' 1')),
    ['certguard_certificate_state{name="api.example.org",state="renewal-failing"} 1'],
  );
});

test('label values are escaped', () => {
  assert.equal(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const weird = renderMetrics([row({ name: 'we"ird\\name\nx' })]);
  assert.ok(weird.includes('certguard_certificate_usable{name="we\\"ird\\\\name\\nx"} 1'));
});

test('promtool check metrics accepts the output without lint findings', (t) => {
  const weird = renderMetrics([succeeded, failingRow, missing, row({ name: 'we"ird\\name\nx' })]);
  const r = promtoolCheck(t, weird);
  if (!r) return;
  assert.equal(r.output, '');
  assert.equal(r.status, 0);
});

test('promtool rejects a broken exposition (the check can fail)', (t) => {
  const r = promtoolCheck(t, `${text}certguard_certificate_usable{name="x"} not-a-number\n`);
  if (!r) return;
  assert.notEqual(r.status, 0);
});

test('no certificates: HELP/TYPE only, still valid', (t) => {
  const empty = renderMetrics([]);
  assert.doesNotMatch(empty, /^certguard_/m);
  const r = promtoolCheck(t, empty);
  if (r) assert.equal(r.status, 0, r.output);
});

test('parseOwnMetrics reads back exactly what was written, per certificate', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  const rows = [succeeded, failingRow, missing, row({ name: 'we"ird\\name' })];
  const parsed = parseOwnMetrics(renderMetrics(rows, now));
  assert.ok(parsed);
  assert.equal(parsed.fullRefreshAt.toISOString(), now.toISOString());
  assert.deepEqual([...parsed.certs.keys()].sort(), rows.map((r) => r.name).sort());
  for (const r of rows) {
    const want = [...rowSamples(r)].filter(([, lines]) => lines.length > 0);
    assert.deepEqual([...parsed.certs.get(r.name)!], want);
  }
  assert.equal(parseOwnMetrics('certguard_certificate_usable{name="a"} 1\n'), null, 'no mark: not ours');
  assert.equal(parseOwnMetrics(`${renderMetrics(rows, now)}other_metric{name="a"} 1\n`), null);
});

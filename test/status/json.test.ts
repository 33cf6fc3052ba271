import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderJson } from '../../src/status/json.ts';
import { failingRow, NOW, row } from './rows.ts';

/** The documented --json element (docs/status.md): renaming or dropping a field breaks users. */
const FIELDS = [
  'name',
  'state',
  'usable',
  'reasons',
  'warnings',
  'notBefore',
  'notAfter',
  'remainingSeconds',
  'renewAt',
  'renewalDue',
  'dueReasons',
  'placeholder',
  'domains',
  'issuer',
  'serial',
  'fingerprint256',
  'renewalFailing',
  'lastAttempt',
  'lastSuccess',
  'lastError',
  'consecutiveFailures',
  'nextAttemptNotBefore',
  'nextAttempt',
  'stateProblem',
  'stateFileExists',
  'stateFile',
  'issuedBy',
  'display',
];

test('--json is an array of rows with every documented field, raw timestamps and the table text', () => {
  const out = JSON.parse(renderJson([row(), failingRow], NOW));
  assert.ok(Array.isArray(out));
  assert.equal(out.length, 2);
  for (const el of out) assert.deepEqual(Object.keys(el).sort(), [...FIELDS].sort());
  const f = out[1];
  assert.equal(f.state, 'renewal-failing');
  assert.equal(f.lastError.class, 'ca-unreachable');
  assert.equal(f.lastError.at, failingRow.lastError!.at);
  assert.match(f.notAfter, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.deepEqual(f.display, {
    state: 'renewal-failing',
    expires: '2026-12-20 (in 23 days)',
    lastAttempt: '2 h ago: ca-unreachable (connection refused)',
    nextAttempt: 'in 41 min',
  });
});

test('--json with no certificates is an empty array', () => {
  assert.deepEqual(JSON.parse(renderJson([], NOW)), []);
});

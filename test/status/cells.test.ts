import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanDuration } from '../../src/output/human-time.ts';
import { ago, oneLine, rowCells } from '../../src/status/cells.ts';
import { at, D, failingRow, H, MIN, NOW, row } from './rows.ts';

test('the issue example: expires, last attempt and next attempt of a failing renewal', () => {
  assert.deepEqual(rowCells(failingRow, NOW), {
    state: 'renewal-failing',
    expires: '2026-12-20 (in 23 days)',
    lastAttempt: '2 h ago: ca-unreachable (connection refused)',
    nextAttempt: 'in 41 min',
  });
});

test('repeated failures are counted; a success reads "renewed"; nothing yet reads "never"', () => {
  assert.equal(
    rowCells({ ...failingRow, consecutiveFailures: 4 }, NOW).lastAttempt,
    '2 h ago: ca-unreachable (connection refused), 4 in a row',
  );
  assert.equal(
    rowCells(row({ lastAttempt: at(-5 * D), lastSuccess: at(-5 * D) }), NOW).lastAttempt,
    '5 days ago: renewed',
  );
  assert.equal(
    rowCells(row({ lastAttempt: at(-3 * H), lastSuccess: at(-5 * D) }), NOW).lastAttempt,
    '3 h ago',
  );
  assert.equal(rowCells(row(), NOW).lastAttempt, 'never');
});

test('unusable lists its reason codes; missing has no expiry; a due attempt reads "next run"', () => {
  const unusable = row({
    state: 'unusable',
    usable: false,
    reasons: [
      { code: 'expired', message: 'expired' },
      { code: 'key-mismatch', message: 'no' },
    ],
    notAfter: at(-D - H),
    nextAttempt: NOW.toISOString(),
  });
  const cells = rowCells(unusable, NOW);
  assert.equal(cells.state, 'unusable (expired, key-mismatch)');
  assert.equal(cells.expires, '2026-11-26 (1 day ago)');
  assert.equal(cells.nextAttempt, 'next run');
  const missing = rowCells(row({ state: 'missing', notAfter: null, nextAttempt: null }), NOW);
  assert.equal(missing.expires, '-');
  assert.equal(missing.nextAttempt, '-');
});

test('an unreadable state file is shown without its path', () => {
  const cells = rowCells(
    row({
      stateProblem: '/var/lib/certguard/certs/web.json: corrupt state file (invalid JSON)',
      stateFile: '/var/lib/certguard/certs/web.json',
      stateFileExists: true,
    }),
    NOW,
  );
  assert.equal(cells.lastAttempt, 'unknown (state file: corrupt state file (invalid JSON))');
});

test('CA error text cannot inject terminal escapes or break the line, and is cut short', () => {
  const evil = { ...failingRow.lastError!, message: 'bad\u001b[2J\u001b]0;owned\u0007\nsecond line\r' };
  const cell = rowCells({ ...failingRow, lastError: evil }, NOW).lastAttempt;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
  assert.doesNotMatch(cell, /[\u0000-\u001f\u007f-\u009f]/);
  assert.equal(oneLine('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
});

test('cells use the short style of the one duration formatter: the largest whole unit', () => {
  const short = (s: number) => humanDuration(s, { style: 'short' });
  assert.equal(short(59), '59 s');
  assert.equal(short(41 * 60 + 59), '41 min');
  assert.equal(short(2 * 3600 + 59 * 60), '2 h');
  assert.equal(short(86400), '1 day');
  assert.equal(short(23 * 86400 + 7200), '23 days');
  assert.equal(ago(at(41 * MIN), NOW), 'in 41 min');
  assert.equal(ago(at(-2 * H), NOW), '2 h ago');
  assert.equal(ago(at(-5_000), NOW), '5 s ago');
});

test('an attempt this very second was "just now", not "0 s ago"', () => {
  assert.equal(ago(at(0), NOW), 'just now');
  assert.equal(ago(at(-400), NOW), 'just now');
  assert.equal(
    rowCells({ ...row(), lastAttempt: at(0), lastSuccess: at(0) }, NOW).lastAttempt,
    'just now: renewed',
  );
});

test('renewal-due names an unusual reason (names or key type changed, ARI) but not the usual window', () => {
  const due = (codes: string[]) =>
    row({
      state: 'renewal-due',
      renewalDue: true,
      dueReasons: codes.map((code) => ({ code, message: code }) as never),
    });
  assert.equal(rowCells(due(['renewal-window']), NOW).state, 'renewal-due');
  assert.equal(
    rowCells(due(['names-changed', 'key-type-changed']), NOW).state,
    'renewal-due (names-changed, key-type-changed)',
  );
  assert.equal(rowCells(due(['ari-window']), NOW).state, 'renewal-due (ari-window)');
});

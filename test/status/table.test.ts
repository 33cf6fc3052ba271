import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTable } from '../../src/status/table.ts';
import { D, failingRow, NOW, row } from './rows.ts';

const rows = [
  row({ name: 'a' }),
  failingRow,
  row({ name: 'gone', state: 'missing', usable: false, notAfter: null, nextAttempt: NOW.toISOString() }),
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching SGR sequences
const SGR = /\u001b\[[0-9;]*m/g;

test('plain table: a header and one aligned line per certificate, no escape codes', () => {
  const text = renderTable(rows, NOW, false);
  assert.doesNotMatch(text, SGR);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.equal(
    lines[0],
    'NAME             STATE            EXPIRES                  NEXT ATTEMPT  LAST ATTEMPT',
  );
  assert.equal(
    lines[2],
    'api.example.org  renewal-failing  2026-12-20 (in 23 days)  in 41 min     2 h ago: ca-unreachable (connection refused)',
  );
  // Every column starts at the same offset on every line.
  for (const header of ['STATE', 'EXPIRES', 'NEXT ATTEMPT', 'LAST ATTEMPT']) {
    const col = lines[0]!.indexOf(header);
    for (const line of lines.slice(1))
      assert.match(line.slice(col - 2, col), /^ {2}$/, `${header} in ${line}`);
  }
  assert.match(lines[3]!, /^gone +missing +- +next run +never$/);
});

test('colour table: only the state cell is coloured and the alignment is the plain one', () => {
  const coloured = renderTable(rows, NOW, true);
  assert.ok(coloured.includes('\u001b[1;33mrenewal-failing\u001b[0m'), coloured);
  assert.ok(coloured.includes('\u001b[1;31mmissing\u001b[0m'));
  assert.ok(coloured.includes('\u001b[32mok\u001b[0m'));
  assert.equal(coloured.replace(SGR, ''), renderTable(rows, NOW, false));
});

test('no certificates: one explanatory line', () => {
  assert.equal(renderTable([], NOW, false), 'no certificates configured\n');
});

test('a long name widens its column for every row', () => {
  const long = 'x'.repeat(70);
  const lines = renderTable(
    [row({ name: long }), row({ name: 'b', notAfter: new Date(NOW.getTime() + D).toISOString() })],
    NOW,
    false,
  ).split('\n');
  assert.equal(lines[2]!.indexOf('ok'), long.length + 2);
});

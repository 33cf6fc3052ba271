import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatRenewBefore, parseDuration, parseRenewBefore } from '../../src/config/duration.ts';
import { UsageError } from '../../src/exit-codes.ts';

describe('parseDuration', () => {
  const good: [unknown, number][] = [
    ['90s', 90],
    ['15m', 900],
    ['12h', 43200],
    ['30d', 2592000],
    ['2w', 1209600],
    ['3600', 3600],
    [' 1.5h ', 5400],
    ['0', 0],
    [0, 0],
    [86400, 86400],
  ];
  for (const [input, seconds] of good) {
    test(`${JSON.stringify(input)} = ${seconds}s`, () => assert.equal(parseDuration(input, 'x'), seconds));
  }
  for (const input of ['', 'abc', '-5', '5 days', '1e3', '30D', '1/3', -1, null, true, Number.NaN]) {
    test(`rejects ${JSON.stringify(input)} naming the field`, () => {
      assert.throws(
        () => parseDuration(input, '--min-validity'),
        (e: unknown) => e instanceof UsageError && /^--min-validity: expected a duration/.test(e.message),
      );
    });
  }
});

describe('parseRenewBefore', () => {
  test('auto: the lifetime rule', () => {
    assert.deepEqual(parseRenewBefore('auto', 'x'), { kind: 'auto' });
    assert.equal(formatRenewBefore({ kind: 'auto' }), '1/3 of the lifetime (2/3 under 10 days)');
  });
  test('fractions', () => {
    assert.deepEqual(parseRenewBefore('1/3', 'x'), { kind: 'fraction', fraction: 1 / 3 });
    assert.deepEqual(parseRenewBefore(' 2 / 5 ', 'x'), { kind: 'fraction', fraction: 0.4 });
  });
  test('durations', () => {
    assert.deepEqual(parseRenewBefore('30d', 'x'), { kind: 'seconds', seconds: 2592000 });
    assert.deepEqual(parseRenewBefore(600, 'x'), { kind: 'seconds', seconds: 600 });
  });
  for (const input of ['0/3', '3/3', '4/3', '1/0', 'soon', '1/3d', '']) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseRenewBefore(input, '--renew-before'),
        (e: unknown) => e instanceof UsageError && /^--renew-before: /.test(e.message),
      );
    });
  }
  test('formatRenewBefore', () => {
    assert.equal(formatRenewBefore({ kind: 'fraction', fraction: 1 / 3 }), '0.333 of the lifetime');
    assert.equal(formatRenewBefore({ kind: 'seconds', seconds: 60 }), '60s');
  });
});

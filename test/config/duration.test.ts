import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatRenewBefore,
  parseDuration,
  parseRenewBefore,
  VALIDITY_RULE,
  WAIT_RULE,
} from '../../src/config/duration.ts';
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
    assert.deepEqual(parseRenewBefore('600s', 'x'), { kind: 'seconds', seconds: 600 });
    assert.deepEqual(parseRenewBefore(0, 'x'), { kind: 'seconds', seconds: 0 });
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

describe('no silent traps: units and bounds', () => {
  const refuse = (f: () => unknown, pattern: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof UsageError && pattern.test(e.message));

  test('a bare number for a validity period is refused, suggesting days', () => {
    refuse(
      () => parseRenewBefore(30, 'certs.a.renewBefore'),
      /^certs\.a\.renewBefore: 30 has no unit: write "30d"/,
    );
    refuse(() => parseRenewBefore('30', 'x'), /"30" has no unit: write "30d"/);
    refuse(() => parseDuration(30, 'certs.a.minValidity', VALIDITY_RULE), /30 has no unit: write "30d"/);
    assert.equal(parseDuration(0, 'x', VALIDITY_RULE), 0);
    assert.equal(parseDuration('0', 'x', VALIDITY_RULE), 0);
    // Waits are short: seconds are what people mean there.
    assert.equal(parseDuration(30, 'dnsPropagation', WAIT_RULE), 30);
  });

  test('huge values are refused with the maximum, never reach a Date', () => {
    refuse(
      () => parseRenewBefore(1e300, 'renewBefore'),
      /^renewBefore: 1e\+300 .*longer than the maximum of 3650d/,
    );
    refuse(
      () => parseRenewBefore('99999999999999999999d', 'renewBefore'),
      /longer than the maximum of 3650d/,
    );
    refuse(() => parseDuration('3651d', 'minValidity', VALIDITY_RULE), /maximum of 3650d/);
    assert.equal(parseDuration('3650d', 'minValidity', VALIDITY_RULE), 3650 * 86400);
    refuse(
      () => parseDuration('30d', 'dnsPropagation', WAIT_RULE),
      /^dnsPropagation: "30d" is longer than the maximum of 1h/,
    );
    assert.equal(parseDuration('1h', 'dnsPropagation', WAIT_RULE), 3600);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nearest, quoted } from '../../src/cli/did-you-mean.ts';

const COMMANDS = ['check', 'renew', 'status'];

test('a swap of neighbours, a missing, extra or wrong letter: the nearest candidate', () => {
  assert.equal(nearest('stauts', COMMANDS), 'status');
  assert.equal(nearest('chekc', COMMANDS), 'check');
  assert.equal(nearest('renw', COMMANDS), 'renew');
  assert.equal(nearest('checks', COMMANDS), 'check');
  assert.equal(nearest('rebew', COMMANDS), 'renew');
  assert.equal(nearest('cofnig', ['config', 'cert', 'chain']), 'config');
});

test('nothing close, a one-letter word or a huge one: no guess', () => {
  assert.equal(nearest('frobnicate', COMMANDS), undefined);
  assert.equal(nearest('x', ['h', 'json']), undefined);
  assert.equal(nearest('ab', ['cd']), undefined);
  assert.equal(nearest(`status${'s'.repeat(10_000)}`, COMMANDS), undefined);
});

test('quoted: control characters escaped, long words cut', () => {
  assert.equal(quoted('a\u001bb'), '"a\\u001bb"');
  assert.equal(quoted('x'.repeat(100)), `"${'x'.repeat(37)}..."`);
});

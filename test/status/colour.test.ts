import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paint, useColour } from '../../src/status/colour.ts';

test('colour on a terminal only, and never with NO_COLOR set', () => {
  assert.equal(useColour(true, {}), true);
  assert.equal(useColour(false, {}), false);
  assert.equal(useColour(true, { NO_COLOR: '1' }), false);
  assert.equal(useColour(true, { NO_COLOR: '' }), true, 'no-color.org: an empty NO_COLOR is unset');
  assert.equal(useColour(true, { TERM: 'dumb' }), false);
});

test('FORCE_COLOR turns colour on without a terminal; NO_COLOR still wins', () => {
  assert.equal(useColour(false, { FORCE_COLOR: '1' }), true);
  assert.equal(useColour(false, { FORCE_COLOR: '0' }), false);
  assert.equal(useColour(false, { FORCE_COLOR: '' }), false);
  assert.equal(useColour(false, { FORCE_COLOR: '1', NO_COLOR: '1' }), false);
});

test('paint wraps the text in an SGR sequence and resets afterwards', () => {
  assert.equal(paint('unusable', 'x'), '\u001b[1;31mx\u001b[0m');
  assert.equal(paint('ok', 'x'), '\u001b[32mx\u001b[0m');
});

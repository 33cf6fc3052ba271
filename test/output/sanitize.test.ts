import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanLines, cleanText } from '../../src/output/sanitize.ts';

test('control characters become visible escapes; plain text and Unicode letters stay', () => {
  assert.equal(cleanText('renewal failed\u001b[2K\r renewed OK'), 'renewal failed\\x1b[2K\\x0d renewed OK');
  assert.equal(cleanText('bell\u0007 csi\u009b del\u007f nul\u0000'), 'bell\\x07 csi\\x9b del\\x7f nul\\x00');
  assert.equal(cleanText('rtl \u202e override'), 'rtl \\u{202e} override');
  assert.equal(cleanText('bücher.test: ok'), 'bücher.test: ok');
  assert.equal(cleanText('a'.repeat(30), 10), `${'a'.repeat(10)}...`);
  assert.equal(cleanLines('one\u001b\ntwo'), 'one\\x1b\ntwo');
});

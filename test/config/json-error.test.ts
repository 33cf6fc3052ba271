import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateJsonError } from '../../src/config/json-error.ts';

// Every case must also be rejected by JSON.parse: the scanner only explains errors, it never decides.
const cases: [string, number, number, string][] = [
  ['{"a": }', 1, 7, 'unexpected "}"'],
  ['{"a":1,}', 1, 8, 'unexpected "}"'],
  ['[1,2', 1, 5, 'unexpected end of input'],
  ['{"a" 1}', 1, 6, 'unexpected "1"'],
  ['{\n"a":\n  01}', 3, 4, 'unexpected "1"'],
  ['{"a": "x\ny"}', 1, 9, 'unexpected "\\n"'],
  ['{"a": "\\q"}', 1, 9, 'unexpected "q"'],
  ['{"a": "\\u12"}', 1, 9, 'unexpected "u"'],
  ['{"a": -}', 1, 7, 'unexpected "-"'],
  ['{} {}', 1, 4, 'unexpected "{"'],
  ['{"é": 1,, }', 1, 9, 'unexpected ","'],
  ['nul', 1, 4, 'unexpected end of input'],
  [
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
    1,
    87,
    'unexpected end of input',
  ],
];
for (const [text, line, column, what] of cases) {
  test(`${JSON.stringify(text.slice(0, 20))} -> ${line}:${column} ${what}`, () => {
    assert.throws(() => JSON.parse(text));
    assert.deepEqual(locateJsonError(text), { line, column, what });
  });
}

test('a very deep nesting does not crash the scanner', () => {
  const text = '['.repeat(200_000);
  assert.throws(() => JSON.parse(text));
  const at = locateJsonError(text);
  assert.equal(at.line, 1);
  assert.ok(at.column > 1);
});

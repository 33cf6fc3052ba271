/** The lean flag parser shared by certguard-preflight and certguard check. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECK_HELP, parseCheckOptions } from '../../src/cli/check-options.ts';
import { parseFlags } from '../../src/cli/parse-flags.ts';
import { UsageError } from '../../src/exit-codes.ts';

function usage(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseCheckOptions(argv),
    (e: unknown) => e instanceof UsageError && message.test(e.message),
  );
}

describe('parseCheckOptions', () => {
  test('all check options, both spellings', () => {
    const o = parseCheckOptions([
      '--cert',
      'c.pem',
      '--key=k.pem',
      '--chain',
      'ch.pem',
      '--domain',
      'a.example',
      '--domain=b.example',
      '--min-validity',
      '1d',
      '--renew-before=1/4',
      '--json',
    ]);
    assert.equal(o.cert, 'c.pem');
    assert.equal(o.key, 'k.pem');
    assert.equal(o.chain, 'ch.pem');
    assert.deepEqual(o.domains, ['a.example', 'b.example']);
    assert.equal(o.minValidity, '1d');
    assert.equal(o.renewBefore, '1/4');
    assert.equal(o.json, true);
    assert.equal(o.name, undefined);
  });

  test('NAME and --config', () => {
    const o = parseCheckOptions(['site', '--config', '/etc/c.json']);
    assert.equal(o.name, 'site');
    assert.equal(o.config, '/etc/c.json');
    assert.equal(o.json, false);
  });

  test('--help and -h need nothing else; --version too', () => {
    assert.equal(parseCheckOptions(['--help']).help, true);
    assert.equal(parseCheckOptions(['-h']).help, true);
    assert.equal(parseCheckOptions(['--version']).version, true);
  });

  test('a value may start with a dash when attached with =', () => {
    assert.equal(parseCheckOptions(['--cert=-odd-name.pem']).cert, '-odd-name.pem');
  });

  test('after --, everything is positional', () => {
    assert.equal(parseCheckOptions(['--', '--weird']).name, '--weird');
  });

  const errors: [string[], RegExp][] = [
    [[], /give a certificate NAME from the config file, or --cert FILE/],
    [['--key', 'k.pem'], /give a certificate NAME/],
    [['--cert'], /^option --cert needs a value$/],
    [['--cert', '--json'], /^option --cert needs a value$/],
    [['--cert='], /^option --cert needs a value$/],
    [['--domain', '-x', '--cert', 'c'], /^option --domain needs a value$/],
    [['--bogus'], /^unknown option --bogus$/],
    [['--bogus=1'], /^unknown option --bogus$/],
    [['-x'], /^unknown option -x$/],
    [['--json=yes', '--cert', 'c'], /^option --json takes no value$/],
    [['--cert', 'a', '--cert', 'b'], /^option --cert given twice$/],
    [['a', 'b'], /^expected at most one certificate NAME, got a b$/],
    [['--cert', 'c', '--min-validity', 'soon'], /^--min-validity: expected a duration/],
    [
      ['--cert', 'c', '--renew-before', '1/1'],
      /^--renew-before: a fraction of the lifetime must be between 0 and 1/,
    ],
    [['--cert', 'c', '--renew-before', 'x'], /^--renew-before: expected a duration \(30d\) or a fraction/],
    [['--cert', 'c', '--domain', 'a b'], /^--domain: "a b" is not a valid DNS name/],
    [['--cert', 'c', '--domain', '*.com'], /^--domain: "\*.com": a wildcard must be/],
    [['--cert', 'c', '--on-unusable', 'ignore'], /^--on-unusable: expected one of fail, placeholder, warn/],
  ];
  for (const [argv, message] of errors) {
    test(`usage error: ${JSON.stringify(argv)}`, () => usage(argv, message));
  }
});

describe('parseFlags', () => {
  test('repeatable and optional-value flags', () => {
    const r = parseFlags(['--d', 'x', '--d=y', '--o', '--p=5s', 'pos'], {
      d: { value: true, repeat: true },
      o: { optionalValue: true },
      p: { optionalValue: true },
    });
    assert.deepEqual(r.flags, { d: ['x', 'y'], o: true, p: '5s' });
    assert.deepEqual(r.positionals, ['pos']);
  });
  test('a lone dash is a positional', () => {
    assert.deepEqual(parseFlags(['-'], {}).positionals, ['-']);
  });
});

test('--help documents every exit code and option', () => {
  for (const s of ['0  usable', '1  unusable', '2  usage or configuration error'])
    assert.ok(CHECK_HELP.includes(s), s);
  for (const flag of [
    '--cert',
    '--key',
    '--chain',
    '--domain',
    '--min-validity',
    '--renew-before',
    '--json',
    '--config',
  ]) {
    assert.ok(CHECK_HELP.includes(flag), flag);
  }
});

test('--trust FILE|system is parsed and checked under its own name', () => {
  assert.equal(parseCheckOptions(['--cert', 'c.pem', '--trust', 'system']).trust, 'system');
  assert.equal(parseCheckOptions(['--cert', 'c.pem', '--trust=/etc/ca.pem']).trust, '/etc/ca.pem');
  assert.equal(parseCheckOptions(['--cert', 'c.pem']).trust, undefined);
  usage(['--cert', 'c.pem', '--trust', 'a\tb'], /^--trust: expected "system" or the path of a PEM bundle/);
  assert.ok(CHECK_HELP.includes('--trust FILE|system'));
});

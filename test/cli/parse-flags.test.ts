/**
 * One CLI voice: the same mistakes, given to every command of the BUILT executables, get the same
 * one-line answer and exit 2, whichever parser the command uses (check and renew: parse-flags.ts;
 * status: yargs, behind the same checks); every command's --help names its values and exit codes;
 * a mistyped command is named, with the command it probably meant.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CERTGUARD, PREFLIGHT, requireBuild, run } from './preflight-run.ts';

const COMMANDS: Record<string, string[]> = {
  'certguard-preflight': [PREFLIGHT],
  'certguard check': [CERTGUARD, 'check'],
  'certguard renew': [CERTGUARD, 'renew'],
  'certguard status': [CERTGUARD, 'status'],
};

/** Mistakes with options every command has (--config FILE, --json), and the one answer to each. */
const MISTAKES: [string[], string][] = [
  [['--bogus'], 'unknown option --bogus'],
  [['--bogus=1'], 'unknown option --bogus'],
  [['-x'], 'unknown option -x'],
  [['--cofnig', 'f.json'], 'unknown option --cofnig (did you mean --config?)'],
  [['--jsno'], 'unknown option --jsno (did you mean --json?)'],
  [['--\u001b[31mred'], 'unknown option "--\\u001b[31mred"'],
  [['--config'], 'option --config needs a value'],
  [['--config', '--json'], 'option --config needs a value'],
  [['--config='], 'option --config needs a value'],
  [['--config', 'a.json', '--config', 'b.json'], 'option --config given twice'],
  [['--json', '--json'], 'option --json given twice'],
  [['--json=yes'], 'option --json takes no value'],
];

describe('the same mistakes against every command', () => {
  for (const [command, argv] of Object.entries(COMMANDS)) {
    for (const [args, message] of MISTAKES) {
      test(`${command} ${JSON.stringify(args)}: "${message}", exit 2`, () => {
        requireBuild();
        const r = run([...argv, ...args]);
        assert.equal(r.stderr, `certguard: ${message}\n`);
        assert.equal(r.status, 2);
        assert.equal(r.stdout, '');
      });
    }
  }
});

describe('every --help names values and exit codes', () => {
  const helps: Record<string, string[]> = {
    ...COMMANDS,
    'certguard status -h': [CERTGUARD, 'status'],
    certguard: [CERTGUARD],
  };
  for (const [command, argv] of Object.entries(helps)) {
    test(`${command} --help`, () => {
      requireBuild();
      const r = run([...argv, command.endsWith('-h') ? '-h' : '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^Usage:\n/);
      assert.match(r.stdout, /^Exit codes:\n(?: +\d+ .*\n)+/m);
      assert.match(r.stdout, /^ +2 +usage or configuration error/m);
      if (command !== 'certguard')
        assert.match(r.stdout, /^ +--config FILE +\S/m, 'value names in the options');
    });
  }
});

describe('unknown commands', () => {
  const cases: [string[], string][] = [
    [['stauts', '--config', 'F'], 'unknown command "stauts" (did you mean "status"?)'],
    [['chekc', 'example.org'], 'unknown command "chekc" (did you mean "check"?)'],
    [['renwe', '--force'], 'unknown command "renwe" (did you mean "renew"?)'],
    [['stat'], 'unknown command "stat" (did you mean "status"?)'],
    [['frobnicate'], 'unknown command "frobnicate" (commands: check, renew, status)'],
    [['x\u0007y'], 'unknown command "x\\u0007y" (commands: check, renew, status)'],
  ];
  for (const [args, message] of cases) {
    test(`certguard ${JSON.stringify(args)}: "${message}", exit 2`, () => {
      requireBuild();
      const r = run([CERTGUARD, ...args]);
      assert.equal(r.stderr, `certguard: ${message}\n`);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
    });
  }

  test('no command, or an option where the command belongs: one line, exit 2', () => {
    requireBuild();
    const none = run([CERTGUARD]);
    assert.equal(none.stderr, 'certguard: give a command: check, renew, status (see certguard --help)\n');
    assert.equal(none.status, 2);
    const bogus = run([CERTGUARD, '--config', 'f.json', 'status']);
    assert.equal(bogus.stderr, 'certguard: unknown option --config\n');
    assert.equal(bogus.status, 2);
  });
});

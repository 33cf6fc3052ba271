#!/usr/bin/env node
import './node-guard.ts';
import { runCheck } from './check-command.ts';
import { runRenewArgv } from './renew-command.ts';
import { reportError } from './report-error.ts';
import { COMMANDS, unknownCommand } from './unknown-command.ts';

// `certguard check` takes the lean path shared with certguard-preflight (same parser, same output,
// no yargs load), and so does `renew`, which a timer runs often and which is usually not due: both
// are bundled into this one file. Every other command goes through the full yargs CLI, a lazy file
// loaded only then, as is the ACME code once renewal is due (see scripts/build.mjs). No top-level
// await: the bundle is CommonJS, which starts faster.
const argv = process.argv.slice(2);
const exitWith = (code: number) => {
  process.exitCode = code;
};
if (argv[0] === 'check') {
  runCheck(argv.slice(1)).then(exitWith);
} else if (argv[0] === 'renew') {
  runRenewArgv(argv.slice(1)).then(exitWith);
} else if (argv[0] && !argv[0].startsWith('-') && !(COMMANDS as readonly string[]).includes(argv[0])) {
  // A mistyped command is answered here, before its options are looked at (or yargs is loaded).
  process.exitCode = reportError(unknownCommand(argv[0]));
} else {
  import('./yargs-cli.ts').then(({ runCli }) => runCli(argv), reportError).then(exitWith);
}

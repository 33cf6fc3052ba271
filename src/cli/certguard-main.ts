#!/usr/bin/env node
import './node-guard.ts';
import { runCheck } from './check-command.ts';
import { runRenewArgv } from './renew-command.ts';
import { reportError } from './report-error.ts';

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
} else {
  import('./yargs-cli.ts').then(({ runCli }) => runCli(argv), reportError).then(exitWith);
}

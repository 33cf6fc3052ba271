#!/usr/bin/env node
import { runCheck } from './check-command.ts';
import { runCompanion } from './companion-command.ts';
import { runRenewArgv } from './renew-command.ts';

// `certguard check` takes the lean path shared with certguard-preflight (same parser, same output,
// no yargs load), and so does `renew`, which a timer runs often and which is usually not due: both
// are bundled into this one file. Every other command goes through the full yargs CLI, a lazy file
// loaded only then, as is the ACME code once renewal is due (see scripts/build.mjs).
const argv = process.argv.slice(2);
if (argv[0] === 'check') {
  process.exitCode = await runCheck(argv.slice(1));
} else if (argv[0] === 'renew') {
  process.exitCode = await runRenewArgv(argv.slice(1));
} else if (argv[0] === 'companion') {
  // ExecCondition= of another client's renewal unit, at every timer tick: the same lean path.
  process.exitCode = await runCompanion(argv.slice(1));
} else {
  const { runCli } = await import('./yargs-cli.ts');
  process.exitCode = await runCli(argv);
}

#!/usr/bin/env node
import { runCheck } from './check-command.ts';

// `certguard check` takes the lean path shared with certguard-preflight (same parser, same output,
// no yargs load), and so does `renew`, which a timer runs often and which is usually not due.
// Every other command goes through the full yargs CLI, loaded only then.
const argv = process.argv.slice(2);
if (argv[0] === 'check') {
  process.exitCode = await runCheck(argv.slice(1));
} else if (argv[0] === 'renew') {
  const { runRenewArgv } = await import('./renew-command.ts');
  process.exitCode = await runRenewArgv(argv.slice(1));
} else {
  const { runCli } = await import('./yargs-cli.ts');
  process.exitCode = await runCli(argv);
}

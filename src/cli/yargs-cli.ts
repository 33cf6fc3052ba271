import yargs from 'yargs';
import { EXIT, UsageError } from '../exit-codes.ts';
import { VERSION } from '../version.ts';
import { reportError } from './report-error.ts';
import { statusCommand } from './status-command.ts';

/** Set by a command handler; yargs handlers cannot return an exit code themselves. */
export interface CommandResult {
  code: number;
}

export async function runCli(argv: string[]): Promise<number> {
  const result: CommandResult = { code: EXIT.ok };
  try {
    await yargs(argv)
      .scriptName('certguard')
      .usage(
        'certguard <command> [options]\n\nKeeps TLS certificates working: offline preflight, local-first renewal, status.',
      )
      .command('check', 'decide offline whether a certificate is usable (see certguard check --help)')
      .command(
        'renew',
        'renew a certificate over ACME when (and only when) it is due (see certguard renew --help)',
      )
      .command(statusCommand(result))
      .demandCommand(1, 'give a command: check, renew or status')
      .strict()
      .version(VERSION)
      .help()
      .epilog(
        'Exit codes: 0 ok; 1 unusable / hard failure; 2 usage or configuration error;\n' +
          '75 (renew) renewal failed but the installed certificate is still usable.',
      )
      .fail((msg, err) => {
        // yargs' own validation failures (unknown option, missing argument) arrive as a message or
        // as a YError: both are usage errors (exit 2). Anything else came from a command handler.
        if (!err || err.name === 'YError') throw new UsageError(msg || err?.message || 'invalid arguments');
        throw err;
      })
      .parseAsync();
  } catch (err) {
    return reportError(err, EXIT.unusable);
  }
  return result.code;
}

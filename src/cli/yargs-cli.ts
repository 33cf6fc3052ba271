import yargs from 'yargs';
import { EXIT } from '../exit-codes.ts';
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
        throw err ?? new UsageErrorFromYargs(msg);
      })
      .parseAsync();
  } catch (err) {
    return reportError(err instanceof UsageErrorFromYargs ? err.toUsage() : err, EXIT.unusable);
  }
  return result.code;
}

import { UsageError } from '../exit-codes.ts';

class UsageErrorFromYargs extends Error {
  toUsage(): UsageError {
    return new UsageError(this.message);
  }
}

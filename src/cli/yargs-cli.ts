import yargs from 'yargs';
import { EXIT, UsageError } from '../exit-codes.ts';
import { writeOut } from '../output/journal.ts';
import { VERSION } from '../version.ts';
import { type FlagSpec, parseFlags } from './parse-flags.ts';
import { reportError } from './report-error.ts';
import { STATUS_FLAGS, STATUS_HELP, statusCommand } from './status-command.ts';
import { COMMANDS, unknownCommand } from './unknown-command.ts';

/** Set by a command handler; yargs handlers cannot return an exit code themselves. */
export interface CommandResult {
  code: number;
}

const TOP_FLAGS: Record<string, FlagSpec> = { help: {}, h: {}, version: {} };

/**
 * Everything but `check` and `renew` (certguard-main.ts runs those on the lean path): the
 * top-level help and version, and `status`. Arguments first go through the parser check and renew
 * use, so that every command words a mistake the same way and help reads alike; yargs then
 * parses what is known to be valid, and its own strict checks stay as a backstop.
 */
export async function runCli(argv: string[]): Promise<number> {
  const result: CommandResult = { code: EXIT.ok };
  try {
    const [command, ...rest] = argv;
    if (command === undefined) {
      throw new UsageError(`give a command: ${COMMANDS.join(', ')} (see certguard --help)`);
    }
    if (command.startsWith('-')) {
      const { flags } = parseFlags(argv, TOP_FLAGS);
      if (flags.version === true) writeOut(`${VERSION}\n`);
      else if (flags.help === true || flags.h === true) writeOut(TOP_HELP);
      else throw new UsageError('give the command first: certguard <command> [options]');
      return EXIT.ok;
    }
    if (command !== 'status') throw unknownCommand(command);
    const { flags } = parseFlags(rest, STATUS_FLAGS);
    if (flags.help === true || flags.h === true) {
      writeOut(STATUS_HELP);
      return EXIT.ok;
    }
    await yargs(argv)
      .scriptName('certguard')
      .command(statusCommand(result))
      .strict()
      .help(false)
      .version(false)
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

export const TOP_HELP = `Usage:
  certguard <command> [options]

Keeps TLS certificates working: offline preflight, local-first renewal, status.

Commands:
  check    decide offline whether a certificate is usable (certguard-preflight is the same)
  renew    renew a certificate over ACME when, and only when, renewal is due
  status   every certificate at a glance, offline
  certguard <command> --help lists a command's options and exit codes.

Options:
  --help, -h   show this help
  --version    print the version

Exit codes:
  0   usable / not due or renewed / every listed certificate usable
  1   unusable, or renewal failed and no usable certificate is installed
  2   usage or configuration error
  75  (renew) renewal was due and failed, but the installed certificate is still usable
`;

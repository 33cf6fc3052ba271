import type { CommandModule } from 'yargs';
import { configPath, loadConfigFile } from '../config/config-file.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { journalConnected } from '../output/journal.ts';
import { useColour } from '../status/colour.ts';
import { renderJson } from '../status/json.ts';
import { writeMetricsFile } from '../status/metrics-file.ts';
import { renderTable } from '../status/table.ts';
import type { FlagSpec } from './parse-flags.ts';
import type { CommandResult } from './yargs-cli.ts';

interface StatusArgs {
  names?: string[];
  config?: string;
  json?: boolean;
  prometheus?: string;
}

/**
 * The options `status` accepts, for the shared parser that checks them before yargs parses them
 * (yargs-cli.ts): keep in step with the builder below.
 */
export const STATUS_FLAGS: Record<string, FlagSpec> = {
  config: { value: true },
  json: {},
  prometheus: { value: true },
  help: {},
  h: {},
};

/**
 * `certguard status [NAME...]`: every certificate at a glance. Offline by construction: it imports
 * nothing from src/acme (a test proves no ACME or HTTP code is loaded) and reads only local files.
 * Exit 0 when every listed certificate is usable, 1 when any is unusable or missing, 2 for a usage
 * or config error (including an unknown NAME or an unwritable --prometheus file).
 */
export function statusCommand(result: CommandResult): CommandModule<object, StatusArgs> {
  return {
    command: 'status [names..]',
    describe: 'show every certificate at a glance (offline)',
    builder: (y) =>
      y
        .positional('names', { type: 'string', array: true, describe: 'certificates to show (default: all)' })
        .option('config', { type: 'string', describe: 'config file (JSON)' })
        .option('json', { type: 'boolean', describe: 'print a JSON array instead of the table' })
        .option('prometheus', {
          type: 'string',
          describe: 'also write node_exporter textfile metrics to FILE (atomically)',
        }) as never,
    handler: async (args) => {
      result.code = await runStatus(args);
    },
  };
}

export async function runStatus(args: StatusArgs, now: Date = new Date()): Promise<number> {
  const prometheus = args.prometheus;
  const config = loadConfigFile(configPath(args.config));
  const names = (args.names ?? []).map(String);
  // Imported here so that the bundler gives parallel.ts its own chunk: worker threads load that
  // chunk (and the shared check code), not the whole CLI with yargs.
  const { collectStatusParallel } = await import('../status/parallel.ts');
  const rows = await collectStatusParallel(config, names, now);
  if (prometheus !== undefined) {
    try {
      writeMetricsFile(prometheus, rows, now);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(`--prometheus ${prometheus}: cannot write (${e.code ?? e.message})`);
    }
  }
  const text = args.json
    ? renderJson(rows, now)
    : renderTable(rows, now, !journalConnected(1) && useColour(process.stdout.isTTY === true));
  process.stdout.write(text);
  return rows.every((r) => r.usable) ? EXIT.ok : EXIT.unusable;
}

export const STATUS_HELP = `Usage:
  certguard status [NAME...] [--config FILE] [--json] [--prometheus FILE]

Shows every certificate in the config file (or the NAMEs given) at a glance: its state (ok,
renewal-due, renewal-failing, placeholder, unusable, missing), expiry, and renew's last and next
attempt. Offline: reads local files only and never contacts the CA.

Options:
  NAME                     certificate NAME in the config file (repeatable; default: all)
  --config FILE            config file (default $CERTGUARD_CONFIG or /etc/certguard/certguard.json)
  --json                   print a JSON array instead of the table (fields in docs/status.md)
  --prometheus FILE        also write node_exporter textfile metrics to FILE (atomically)

Exit codes:
  0  every listed certificate usable (renewal failing but still valid counts as usable)
  1  any listed certificate unusable or missing
  2  usage or configuration error (an unknown NAME, an unwritable --prometheus FILE)
`;

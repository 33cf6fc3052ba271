import type { CommandModule } from 'yargs';
import { configPath, loadConfigFile } from '../config/config-file.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { journalConnected } from '../output/journal.ts';
import { useColour } from '../status/colour.ts';
import { renderJson } from '../status/json.ts';
import { writeMetricsFile } from '../status/metrics-file.ts';
import { renderTable } from '../status/table.ts';
import type { CommandResult } from './yargs-cli.ts';

interface StatusArgs {
  names?: string[];
  config?: string | string[];
  json?: boolean;
  prometheus?: string | string[];
}

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
  const configFlag = fileFlag(args.config, '--config');
  const prometheus = fileFlag(args.prometheus, '--prometheus');
  const config = loadConfigFile(configPath(configFlag));
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

/**
 * One file name per flag. Checked here rather than with yargs' requiresArg, whose error does not
 * arrive as a usage error; a repeated flag (yargs makes an array) is refused rather than guessed.
 */
function fileFlag(value: string | string[] | undefined, flag: string): string | undefined {
  if (Array.isArray(value)) throw new UsageError(`${flag} given more than once`);
  if (value === '') throw new UsageError(`${flag}: expected a file name`);
  return value;
}

import type { CommandModule } from 'yargs';
import { UsageError } from '../exit-codes.ts';
import type { CommandResult } from './yargs-cli.ts';

export function statusCommand(_result: CommandResult): CommandModule {
  return {
    command: 'status [names..]',
    describe: 'show every certificate at a glance',
    handler: () => {
      throw new UsageError('status is not implemented yet');
    },
  };
}

import type { CommandModule } from 'yargs';
import { UsageError } from '../exit-codes.ts';
import type { CommandResult } from './yargs-cli.ts';

export function renewCommand(_result: CommandResult): CommandModule {
  return {
    command: 'renew [name]',
    describe: 'renew a certificate over ACME when (and only when) renewal is due',
    handler: () => {
      throw new UsageError('renew is not implemented yet');
    },
  };
}

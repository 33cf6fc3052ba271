import { UsageError } from '../exit-codes.ts';
import { nearest, quoted } from './did-you-mean.ts';

/** The commands of `certguard`; anything else in the command position is a usage error. */
export const COMMANDS = ['check', 'renew', 'status'] as const;

/** `unknown command "stauts" (did you mean "status"?)`: exit 2, before any option is looked at. */
export function unknownCommand(word: string): UsageError {
  const guess = nearest(word, COMMANDS);
  const hint = guess ? `did you mean "${guess}"?` : `commands: ${COMMANDS.join(', ')}`;
  return new UsageError(`unknown command ${quoted(word)} (${hint})`);
}

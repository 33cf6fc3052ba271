import { EXIT, UsageError } from '../exit-codes.ts';
import { writeLine, writeOut } from '../output/journal.ts';
import { missingPartLine } from './missing-part.ts';

/**
 * The last line of defence: any error becomes one line and a documented exit code, never a stack
 * trace. Usage/config errors exit 2; anything unexpected is `unexpectedCode` (the command's
 * "failed" code) and asks for a bug report, with the stack only under CERTGUARD_DEBUG=1.
 */
export function reportError(err: unknown, unexpectedCode: number = EXIT.unusable): number {
  // By name too: lazily loaded unit-mode modules (dist/lazy/) carry their own copy of the class.
  if (err instanceof UsageError || (err instanceof Error && err.name === 'UsageError')) {
    writeLine('err', `certguard: ${err.message}`);
    return EXIT.usage;
  }
  const missing = missingPartLine(err);
  if (missing !== undefined) {
    writeLine('err', `certguard: ${missing}`);
    return unexpectedCode;
  }
  const e = err as Error;
  writeLine('err', `certguard: internal error: ${e?.message ?? String(err)} (please report this bug)`);
  if (process.env.CERTGUARD_DEBUG === '1' && e?.stack) writeOut(`${e.stack}\n`, 2);
  return unexpectedCode;
}

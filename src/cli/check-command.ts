import { inspectCertificate } from '../check/inspect.ts';
import { resolveCheckTarget } from '../check/target.ts';
import { applyUnitPolicy } from '../check/unit-policy.ts';
import { EXIT } from '../exit-codes.ts';
import { writeLine } from '../output/journal.ts';
import { verdictLine } from '../output/verdict-text.ts';
import { VERSION } from '../version.ts';
import { CHECK_HELP, parseCheckOptions } from './check-options.ts';
import { reportError } from './report-error.ts';

/**
 * `certguard check` and `certguard-preflight`. Offline by construction: this module and everything
 * it imports statically touch only local files (a test proves no ACME or HTTP code is loaded).
 */
export async function runCheck(argv: readonly string[]): Promise<number> {
  // A reader that goes away early (`... | head -c0`) makes writes fail with EPIPE: that must not
  // become an uncaught exception with a stack trace; the exit code still tells the verdict.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  try {
    const opts = parseCheckOptions(argv);
    if (opts.help) {
      process.stdout.write(CHECK_HELP);
      return EXIT.ok;
    }
    if (opts.version) {
      process.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const target = resolveCheckTarget(opts);
    const now = new Date();
    const verdict = inspectCertificate(target.settings, now, target.named);
    return await applyUnitPolicy(opts, target, verdict, now, {
      print(v) {
        if (opts.json) process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
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

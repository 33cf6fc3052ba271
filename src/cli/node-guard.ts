import { nodeTooOld } from './node-version.ts';

// Imported first by every executable for this side effect: in the CommonJS bundles it is the first
// code that runs, before anything an older Node cannot handle is loaded (scripts/build.mjs keeps
// the bundles' syntax parseable by Node 18, Debian 12's own). One line and exit 2, never a trace.
const problem = nodeTooOld(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}

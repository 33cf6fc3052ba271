// Runs one built executable in this process as `node EXECUTABLE ARGS...` would, and at exit saves the
// V8 code cache of its bundle to CACHE (see scripts/code-cache.mjs and src/cli/launch.ts, which
// reads CACHE at start-up: a run here starts from the cache of the run before).
//   node scripts/code-cache-run.cjs EXECUTABLE CACHE ARGS...
'use strict';
const { renameSync, writeFileSync } = require('node:fs');

const [executable, cache, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], executable, ...args];
process.on('exit', () => {
  // Set by launch.ts (SCRIPT_KEY in src/cli/code-cache-file.ts).
  const script = globalThis[Symbol.for('certguard.bundle-script')];
  if (!script || process.exitCode) return;
  writeFileSync(`${cache}.tmp`, script.createCachedData(), { mode: 0o644 });
  renameSync(`${cache}.tmp`, cache);
});
require(executable);

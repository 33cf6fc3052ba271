#!/usr/bin/env node
import './node-guard.ts';
import { runCheck } from './check-command.ts';

// The lean ExecStartPre binary: only the check path is bundled here (no yargs, no ACME code).
// No top-level await: the bundle is CommonJS, which starts faster (see scripts/build.mjs).
runCheck(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

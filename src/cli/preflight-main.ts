#!/usr/bin/env node
import { runCheck } from './check-command.ts';

// The lean ExecStartPre binary: only the check path is bundled here (no yargs, no ACME code).
process.exitCode = await runCheck(process.argv.slice(2));

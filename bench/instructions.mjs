// Instructions a command executes (all threads), counted by valgrind's callgrind: slow (~30 s a
// command), but hardly disturbed by other load, which makes wall times noisy on a shared host.
// JIT-compiled code needs --smc-check. Shared by bench/preflight.mjs and bench/renew-vs-lego.ts.
import { spawnSync } from 'node:child_process';

export function countInstructions(argv, env = process.env) {
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', ...argv],
    { encoding: 'utf8', env },
  );
  const m = /Collected : (\d+)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`valgrind could not count ${argv.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return Number(m[1]);
}

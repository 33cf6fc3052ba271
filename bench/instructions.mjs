// Instructions a command executes (all threads), counted by valgrind's callgrind: slow (~30 s a
// command), but hardly disturbed by other load, which makes wall times noisy on a shared host.
// JIT-compiled code needs --smc-check. Node commands get --random-seed=1: V8 derives its hash seed
// from a random number, and setting it up costs a random 0-10 M instructions per start, which would
// drown differences of a few M; the flag leaves the code cache valid (V8 still accepts it).
// Shared by bench/preflight.mjs and bench/renew-vs-lego.ts.
import { spawnSync } from 'node:child_process';

export function countInstructions(argv, env = process.env) {
  const [command, ...rest] = argv;
  const seeded = command === process.execPath ? [command, '--random-seed=1', ...rest] : argv;
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', ...seeded],
    { encoding: 'utf8', env },
  );
  const m = /Collected : (\d+)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`valgrind could not count ${argv.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return Number(m[1]);
}

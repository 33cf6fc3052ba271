import { spawn } from 'node:child_process';

const MAIN = new URL('../../src/cli/certguard-main.ts', import.meta.url).pathname;

export interface RenewRun {
  code: number | null;
  /** stdout and stderr interleaved, as a user sees them. */
  out: string;
  /** Wall time of the whole command, node start-up included. */
  ms: number;
}

/**
 * `certguard renew ARGS` as a child process: from source through tsx, or a bundled certguard.mjs
 * (`bin`) as shipped. The journal is off so lines arrive as plain text.
 */
export function runRenew(
  args: string[],
  opts: { bin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RenewRun> {
  const argv = opts.bin ? [opts.bin, 'renew', ...args] : ['--import', 'tsx', MAIN, 'renew', ...args];
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, argv, {
      env: { ...process.env, JOURNAL_STREAM: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
  });
}

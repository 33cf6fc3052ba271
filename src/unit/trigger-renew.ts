import { spawn } from 'node:child_process';

export type TriggerResult = { ok: true } | { ok: false; message: string };

/**
 * Asks systemd to start the renew unit and returns as soon as the job is queued (`--no-block`):
 * the preflight runs inside the protected service's start job, and waiting there for another
 * unit's start job can deadlock on ordering and would let a slow CA delay the service. The
 * timeout only guards against a wedged systemctl; it never waits for the renewal itself.
 */
export function triggerRenew(
  unit: string,
  opts: { systemctl?: string; timeoutMs?: number } = {},
): Promise<TriggerResult> {
  const systemctl = opts.systemctl ?? process.env.CERTGUARD_SYSTEMCTL ?? 'systemctl';
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const done = (r: TriggerResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const child = spawn(systemctl, ['start', '--no-block', unit], { stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({
        ok: false,
        message: `${systemctl} start --no-block ${unit}: no answer within ${opts.timeoutMs ?? 10_000} ms`,
      });
    }, opts.timeoutMs ?? 10_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 2000) stderr += chunk;
    });
    child.on('error', (err) => done({ ok: false, message: `cannot run ${systemctl}: ${err.message}` }));
    child.on('close', (code, signal) => {
      if (code === 0) done({ ok: true });
      else {
        const why = stderr.trim().split('\n').pop() || (signal ? `killed by ${signal}` : `exit code ${code}`);
        done({ ok: false, message: `${systemctl} start --no-block ${unit} failed: ${why}` });
      }
    });
  });
}

import type { CertSettings } from '../config/settings.ts';
import { cleanText } from '../output/sanitize.ts';

/** A reload or post-run command gets this long; a hung hook must not hold the renewal lock forever. */
export const HOOK_TIMEOUT_MS = 120_000;
/** How long to wait for a unit that is still starting before reloading it. */
export const ACTIVATION_WAIT_MS = 60_000;

/**
 * After a successful install: `systemctl try-reload-or-restart UNIT` for each reload unit (reload
 * where supported, restart otherwise, nothing if the unit is not running), then the post-run
 * command through `/bin/sh -c` in the certificate's directory, as NixOS's `postRun` does. A failing
 * hook is reported and returned; the new certificate stays installed either way.
 */
export async function runHooks(
  settings: CertSettings,
  log: (level: 'info' | 'warning' | 'err', text: string) => void,
): Promise<string[]> {
  if (settings.reloadServices.length === 0 && !settings.postRun) return [];
  const { execa } = await import('execa');
  const failures: string[] = [];
  for (const unit of settings.reloadServices) {
    await waitWhileStarting(execa, unit);
    // `--`: a unit name can never be read as an option (the names are validated too).
    const r = await execa('systemctl', ['try-reload-or-restart', '--', unit], {
      reject: false,
      timeout: HOOK_TIMEOUT_MS,
      stdin: 'ignore',
      all: true,
    });
    if (r.failed) {
      const why = r.timedOut ? `timed out after ${HOOK_TIMEOUT_MS / 1000}s` : describe(r.exitCode, r.all);
      failures.push(`reload of ${unit} failed: ${why}`);
    } else {
      log('info', `${settings.name}: reloaded ${unit}`);
    }
  }
  if (settings.postRun) {
    const r = await execa('/bin/sh', ['-c', settings.postRun], {
      reject: false,
      timeout: HOOK_TIMEOUT_MS,
      cwd: settings.directory,
      stdin: 'ignore',
      all: true,
      env: { CERTGUARD_NAME: settings.name, CERTGUARD_DIRECTORY: settings.directory },
    });
    if (r.failed) {
      const why = r.timedOut ? `timed out after ${HOOK_TIMEOUT_MS / 1000}s` : describe(r.exitCode, r.all);
      failures.push(`post-run command failed: ${why}`);
    }
  }
  for (const f of failures)
    log('warning', `${settings.name}: WARNING: ${f}; the new certificate stays installed`);
  return failures;
}

/**
 * `try-reload-or-restart` does nothing for a unit that is still activating. On first boot that is
 * exactly when renew may finish: the service started on the placeholder moments ago and would keep
 * serving it. So wait (bounded) until the unit has left `activating`/`reloading`.
 */
async function waitWhileStarting(execa: typeof import('execa').execa, unit: string): Promise<void> {
  const deadline = Date.now() + ACTIVATION_WAIT_MS;
  while (Date.now() < deadline) {
    const r = await execa('systemctl', ['show', '-p', 'ActiveState', '--value', '--', unit], {
      reject: false,
      timeout: 10_000,
      stdin: 'ignore',
    });
    const state = typeof r.stdout === 'string' ? r.stdout.trim() : '';
    if (state !== 'activating' && state !== 'reloading') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function describe(exitCode: number | undefined, output: unknown): string {
  const text = typeof output === 'string' ? cleanText(output.trim().split('\n').slice(-3).join(' | ')) : '';
  const code = exitCode === undefined ? 'could not run' : `exit ${exitCode}`;
  return text ? `${code}: ${text.slice(0, 300)}` : code;
}

/**
 * A private build of the two executables for the systemd tests. `npm run build` wipes and rewrites
 * dist/, and other test runs may do that at any moment; the guests get their own copy, built by
 * scripts/build.mjs (the same layout as dist/) into a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stop } from 'esbuild';
import { buildCertguard } from '../../../scripts/build.mjs';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

let built: Promise<string> | undefined;

/** Builds once per test process; returns the directory holding certguard.cjs, certguard-preflight.cjs, chunks/. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'certguard-build-'));
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    await buildCertguard(outdir, { logLevel: 'error' });
    // esbuild's service process would keep the test process alive for ~20 s after the last test.
    await stop();
    return outdir;
  })();
  return built;
}

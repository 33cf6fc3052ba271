import { join } from 'node:path';
import { stop } from 'esbuild';
import { buildCertguard } from '../../scripts/build.mjs';

/**
 * Builds the executables with scripts/build.mjs into `outdir` (a temp dir), so tests and the
 * benchmark run the shipped bundle without racing a concurrent `npm run build` that wipes dist/.
 * Returns the path of certguard.cjs.
 */
export async function bundleCli(outdir: string): Promise<string> {
  const out = await buildCertguard(outdir, { logLevel: 'error' });
  // esbuild's service process would otherwise keep the calling process alive for a while.
  await stop();
  return join(out, 'certguard.cjs');
}

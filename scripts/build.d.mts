/** Types for scripts/build.mjs, so tests can build a private copy of the executables. */
export function buildCertguard(
  outdir?: string,
  options?: { logLevel?: 'silent' | 'error' | 'warning' | 'info' },
): Promise<string>;

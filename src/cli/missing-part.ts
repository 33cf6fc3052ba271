/**
 * The executables load their lazy parts from the lazy/ and chunks/ folders beside them. Copied away
 * from those, Node would fail with ERR_MODULE_NOT_FOUND and a stack trace: instead, one line naming
 * the missing file and where it was looked for. Undefined for any other error.
 */
export function missingPartLine(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || typeof e.message !== 'string') return undefined;
  const m = /^Cannot find module '([^']+)' imported from (.+)$/.exec(e.message);
  if (!m) return undefined;
  const [, missing = '', importer = ''] = m;
  const folder = missing.slice(0, missing.lastIndexOf('/') + 1);
  return (
    `missing file ${missing} (looked in ${folder}, as ${importer} needs it): ` +
    'install certguard together with the lazy/ and chunks/ folders it was built with'
  );
}

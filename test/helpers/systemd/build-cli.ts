/**
 * A private build of the two executables for the systemd tests. `npm run build` wipes and rewrites
 * dist/, and other test runs may do that at any moment; the guests get their own copy, built with
 * the options of scripts/build.mjs into a temporary directory.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

let built: Promise<string> | undefined;

/** Builds once per test process; returns the directory holding certguard.mjs, certguard-preflight.mjs, chunks/. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'certguard-build-'));
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    await build({
      absWorkingDir: REPO,
      entryPoints: {
        certguard: 'src/cli/certguard-main.ts',
        'certguard-preflight': 'src/cli/preflight-main.ts',
      },
      outdir,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      define: { CERTGUARD_VERSION: JSON.stringify(pkg.version) },
      banner: {
        js: "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    // esbuild's service process would keep the test process alive for ~20 s after the last test.
    await stop();
    chmodSync(join(outdir, 'certguard.mjs'), 0o755);
    chmodSync(join(outdir, 'certguard-preflight.mjs'), 0o755);
    return outdir;
  })();
  return built;
}

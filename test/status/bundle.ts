import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles the certguard CLI like scripts/build.mjs, into `outdir` (a temp dir), so tests and the
 * benchmark run the shipped shape (code-split ESM) without racing a concurrent `npm run build`
 * that deletes dist/. Returns the path of the entry file.
 */
export async function bundleCli(outdir: string): Promise<string> {
  await build({
    entryPoints: { certguard: 'src/cli/certguard-main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    define: { CERTGUARD_VERSION: '"test"' },
    banner: {
      js: "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return join(outdir, 'certguard.mjs');
}

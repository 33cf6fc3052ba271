// Bundles the two executables. The preflight is its own entry so that its bundle holds only the
// check path; `certguard` code-splits so that ACME code loads only when renew runs.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: {
    certguard: 'src/cli/certguard-main.ts',
    'certguard-preflight': 'src/cli/preflight-main.ts',
  },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { CERTGUARD_VERSION: JSON.stringify(pkg.version) },
  // acme-client and axios are CommonJS: give the ESM bundle a require().
  banner: {
    js: "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: false,
});
chmodSync('dist/certguard.mjs', 0o755);
chmodSync('dist/certguard-preflight.mjs', 0o755);

// Bundles the two executables.
// - certguard: code-split, so that ACME code (acme-client, axios) loads only when renew runs.
// - certguard-preflight: ONE file holding only the check path. It runs as ExecStartPre= before
//   every TLS service, so start-up time is its point (see bench/preflight.mjs): as an entry of the
//   split build it loaded 14 module files, and resolving, reading and compiling each cost about
//   a tenth of Node's own start-up. Its dynamic imports (unit mode: trigger a renewal, renew
//   inline, install a placeholder) stay lazy: they point at entries of the certguard build under
//   dist/lazy/, loaded only when a unit actually needs them.
// CERTGUARD_OUTDIR builds elsewhere than dist/ (e.g. a private copy for tests while others rebuild).
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outdir = process.env.CERTGUARD_OUTDIR || 'dist';
const common = {
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { CERTGUARD_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};
rmSync(outdir, { recursive: true, force: true });

// The preflight first: its relative dynamic imports name the lazy entries certguard must provide.
const lazy = {};
await build({
  ...common,
  entryPoints: { 'certguard-preflight': 'src/cli/preflight-main.ts' },
  splitting: false,
  plugins: [
    {
      name: 'lazy-entries',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          if (args.kind !== 'dynamic-import') return undefined;
          const source = relative(process.cwd(), join(args.resolveDir, args.path));
          const name = `lazy/${source.replace(/^src\//, '').replace(/\.ts$/, '')}`;
          lazy[name] = source;
          return { path: `./${name}.mjs`, external: true };
        });
      },
    },
  ],
});
await build({
  ...common,
  entryPoints: { certguard: 'src/cli/certguard-main.ts', ...lazy },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  // acme-client and axios are CommonJS: give the ESM bundle a require().
  banner: {
    js: "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);",
  },
});
chmodSync(join(outdir, 'certguard.mjs'), 0o755);
chmodSync(join(outdir, 'certguard-preflight.mjs'), 0o755);

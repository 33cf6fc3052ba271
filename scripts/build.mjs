// Bundles the two executables.
// - certguard: code-split, so that ACME code (acme-client, axios) loads only when renew runs.
// - certguard-preflight: ONE file holding only the check path. It runs as ExecStartPre= before
//   every TLS service, so start-up time is its point (see bench/preflight.mjs): as an entry of the
//   split build it loaded 14 module files, and resolving, reading and compiling them cost about a
//   tenth of Node's own start-up. Its dynamic imports (unit mode: trigger a renewal, renew inline,
//   install a placeholder) stay lazy: they point at entries of the certguard build under
//   dist/lazy/, loaded only when a unit actually needs them.
//
// `node scripts/build.mjs` builds into dist/ (or $CERTGUARD_OUTDIR). Tests that need a private
// copy (others may rebuild dist/ at any moment) can `import { buildCertguard }` and pass a
// temporary directory; call esbuild's stop() afterwards so its service does not keep them alive.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function buildCertguard(outdir = 'dist', { logLevel = 'warning' } = {}) {
  const out = isAbsolute(outdir) ? outdir : resolve(ROOT, outdir);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const common = {
    absWorkingDir: ROOT,
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    define: { CERTGUARD_VERSION: JSON.stringify(pkg.version) },
    logLevel,
  };
  rmSync(out, { recursive: true, force: true });

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
            const source = relative(ROOT, join(args.resolveDir, args.path));
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
  chmodSync(join(out, 'certguard.mjs'), 0o755);
  chmodSync(join(out, 'certguard-preflight.mjs'), 0o755);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildCertguard(process.env.CERTGUARD_OUTDIR || 'dist');
}

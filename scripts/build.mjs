// Bundles the two executables, each ONE CommonJS file, because start-up time is their point (see
// bench/): as entries of a split build they loaded 14-22 module files, and resolving, reading and
// compiling them cost about a tenth of Node's own start-up; as ES modules they paid another ~5 ms
// per start for Node's ES module loader, which a CommonJS main file never starts.
// - certguard-preflight.cjs: only the check path (it runs as ExecStartPre= before every TLS service).
// - certguard.cjs: the check path and renew's local decision (a timer runs it often; usually not due).
// Their dynamic imports (yargs CLI and status, ACME client once renewal is due, unit mode's
// placeholder and inline renewal, hooks) are lazy ES module entries of a code-split build under
// dist/lazy/ (sharing dist/chunks/), which the CommonJS files load with import() only when a run
// needs them. The executables' syntax targets Node 18, so that Debian 12's own Node can parse them
// and reach their first statement, the Node version check (src/cli/node-guard.ts).
//
// `node scripts/build.mjs` builds into dist/ (or $CERTGUARD_OUTDIR). Tests that need a private
// copy (others may rebuild dist/ at any moment) can `import { buildCertguard }` and pass a
// temporary directory; call esbuild's stop() afterwards so its service does not keep them alive.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { makeCodeCaches, NO_CACHE } from './code-cache.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The executables, built as dist/<name>.cjs. */
const EXECUTABLES = {
  'certguard-preflight': 'src/cli/preflight-main.ts',
  certguard: 'src/cli/certguard-main.ts',
};

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

  // The two executables are single CommonJS files, so that start-up reads and compiles one script:
  // the check path, and for certguard also the not-due renew path. Their relative dynamic imports
  // (yargs CLI, ACME client, placeholder, hooks, ...) become lazy entries of a split build under
  // dist/lazy/, loaded only when a run needs them.
  const lazy = {};
  const lazyEntries = {
    name: 'lazy-entries',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const source = relative(ROOT, join(args.resolveDir, args.path));
        const name = `lazy/${source.replace(/^src\//, '').replace(/\.ts$/, '')}`;
        lazy[name] = source;
        // Relative to the importing bundle, which sits at the top of outdir.
        return { path: `./${name}.mjs`, external: true };
      });
    },
  };
  const bundles = await build({
    ...common,
    entryPoints: EXECUTABLES,
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    target: 'node18',
    splitting: false,
    plugins: [lazyEntries],
    write: false,
  });
  // Each executable is src/cli/launch.ts holding its bundle as a string, which it compiles with
  // the V8 code cache made below (see launch.ts for why).
  for (const file of bundles.outputFiles) {
    // Its import() calls of lazy parts become calls of the launcher's lazyImport (see launch.ts).
    const body = file.text
      .replace(/^#!.*\n/, '')
      .replace(/\bimport\("(\.\/lazy\/)/g, '__certguardImport("$1');
    if (/\bimport\(/.test(body)) throw new Error(`${file.path}: an import() the launcher cannot serve`);
    await build({
      ...common,
      entryPoints: ['src/cli/launch.ts'],
      outdir: undefined,
      outExtension: undefined,
      outfile: file.path,
      format: 'cjs',
      target: 'node18',
      banner: { js: '#!/usr/bin/env node' },
      define: {
        ...common.define,
        // makeCodeCaches writes the real hash in once the cache exists (scripts/code-cache.mjs).
        CERTGUARD_CACHE_SHA256: JSON.stringify(NO_CACHE),
        CERTGUARD_BUNDLE: JSON.stringify(
          `(function (exports, require, module, __filename, __dirname, __certguardImport) {${body}\n})`,
        ),
      },
    });
  }
  await build({
    ...common,
    entryPoints: lazy,
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    // acme-client and axios are CommonJS: give the ESM bundle a require().
    banner: {
      js: "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);",
    },
  });
  for (const name of Object.keys(EXECUTABLES)) chmodSync(join(out, `${name}.cjs`), 0o755);
  await makeCodeCaches(out);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildCertguard(process.env.CERTGUARD_OUTDIR || 'dist');
}

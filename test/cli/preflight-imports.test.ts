/**
 * The check path must stay offline and lean: neither `certguard-preflight` nor `certguard check`
 * may load acme-client, axios, node-forge or yargs. The built binaries run with a preload that
 * records every ESM resolution (module.register hook) and every CommonJS Module._load; each loaded
 * file is then searched for the package, whether it was left external (a node_modules path) or
 * bundled into a chunk (esbuild marks bundled code with `// node_modules/<package>/...`).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeChain, tempDir, writeFile } from '../helpers/fixtures.ts';
import { BINARIES, requireBuild, run } from './preflight-run.ts';

const FORBIDDEN = ['acme-client', 'axios', 'node-forge', 'yargs'];
const { dir, cleanup } = tempDir();
after(cleanup);

const hooks = join(dir, 'hooks.mjs');
const preload = join(dir, 'preload.mjs');
let files: Record<string, string>;

before(async () => {
  requireBuild();
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.CG_LOAD_LOG, 'esm ' + r.url + '\\n');
  return r;
}
`,
  );
  writeFileSync(
    preload,
    `import { register } from 'node:module';
import Module from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(`file://${hooks}`)});
const load = Module._load;
Module._load = function (request, ...rest) {
  appendFileSync(process.env.CG_LOAD_LOG, 'cjs ' + request + '\\n');
  return load.call(this, request, ...rest);
};
`,
  );
  const { leaf, intermediate } = await makeChain({ sans: ['example.com'] });
  files = {
    fullchain: writeFile(dir, 'fullchain.pem', leaf.certPem + intermediate.certPem),
    cert: writeFile(dir, 'cert.pem', leaf.certPem),
    key: writeFile(dir, 'key.pem', leaf.keyPem),
    config: writeFile(
      dir,
      'certguard.json',
      JSON.stringify({ certs: { site: { directory: dir, domains: ['example.com'] } } }),
    ),
  };
});

let n = 0;
/** Runs one command under the recording preload; returns the loaded files and module names. */
function loads(argv: string[]): { files: string[]; requests: string[]; status: number | null } {
  const log = join(dir, `loads-${n++}.log`);
  writeFileSync(log, '');
  const [script, ...args] = argv;
  const r = run(['--import', preload, script!, ...args], { env: { CG_LOAD_LOG: log } });
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const urls = lines.filter((l) => l.startsWith('esm ')).map((l) => l.slice(4));
  return {
    files: [...new Set(urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)))],
    requests: [...new Set([...urls, ...lines.filter((l) => l.startsWith('cjs ')).map((l) => l.slice(4))])],
    status: r.status,
  };
}

const scenarios: [string, () => string[], number][] = [
  [
    'usable certificate',
    () => ['--cert', files.fullchain!, '--key', files.key!, '--domain', 'example.com'],
    0,
  ],
  ['unusable certificate', () => ['--cert', files.cert!, '--domain', 'other.example'], 1],
  ['--json', () => ['--cert', files.fullchain!, '--json'], 0],
  ['NAME from the config file', () => ['site', '--config', files.config!], 0],
  ['usage error', () => ['--no-such-flag'], 2],
  ['--help', () => ['--help'], 0],
];

for (const [binary, argv] of Object.entries(BINARIES)) {
  describe(`${binary} loads no ACME, HTTP or yargs code`, () => {
    for (const [label, args, exit] of scenarios) {
      test(label, () => {
        const seen = loads(argv(args()));
        assert.equal(seen.status, exit);
        // The recorder must have worked: at least the entry file was seen.
        assert.ok(seen.files.length >= 1, 'recorded no module file at all');
        let markers = 0;
        for (const file of seen.files) {
          for (const pkg of FORBIDDEN) {
            assert.ok(!file.includes(`/node_modules/${pkg}/`), `${binary} loaded ${file}`);
          }
          const text = readFileSync(file, 'utf8');
          if (text.includes('// src/cert/verdict.ts')) markers++;
          for (const pkg of FORBIDDEN) {
            assert.ok(
              !text.includes(`// node_modules/${pkg}/`),
              `${binary} loaded ${file}, which bundles ${pkg}`,
            );
          }
        }
        // Without esbuild's path comments (a minified build) this test could not see bundled
        // packages: fail loudly rather than pass blindly.
        assert.equal(markers, 1, 'no chunk with "// src/cert/verdict.ts": is the build minified?');
        for (const request of seen.requests) {
          for (const pkg of FORBIDDEN) {
            assert.ok(!new RegExp(`(^|/)${pkg}($|/)`).test(request), `${binary} required ${request}`);
          }
        }
      });
    }
  });
}

test('certguard-preflight is one module file on the check path (start-up cost, see bench/)', () => {
  const seen = loads(BINARIES['certguard-preflight'](['--cert', files.fullchain!, '--key', files.key!]));
  assert.equal(seen.status, 0);
  assert.deepEqual(
    seen.files.map((f) => f.split('/').pop()),
    ['certguard-preflight.cjs'],
  );
});

test('the recorder does see yargs when the full CLI loads it (the test can fail)', () => {
  const seen = loads([BINARIES['certguard check']([])[0]!, '--help']);
  assert.equal(seen.status, 0);
  const bundlesYargs = seen.files.some((f) => readFileSync(f, 'utf8').includes('// node_modules/yargs/'));
  assert.ok(bundlesYargs, 'certguard --help should load yargs, and the recorder should notice');
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

test('importing the ACME layer loads no acme-client/axios/node-forge until an order starts', () => {
  const script = `
import { createRequire } from 'node:module';
await import('./src/acme/order.ts');
await import('./src/acme/ari.ts');
const req = createRequire(process.cwd() + '/');
const loaded = () => Object.keys(req.cache).filter((k) => /node_modules\\/(acme-client|axios|node-forge)\\//.test(k)).length;
const before = loaded();
const { loadAcmeClient } = await import('./src/acme/client.ts');
await loadAcmeClient();
console.log(JSON.stringify({ before, after: loaded() }));
`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const { before, after } = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    before: number;
    after: number;
  };
  assert.equal(before, 0, 'nothing of acme-client at import time');
  assert.ok(after > 0, 'loadAcmeClient really loads it (the check above can fail)');
});

test('the check path (src/cert, src/check, src/config, check CLI) imports nothing from src/acme', () => {
  const files = ['cert', 'check', 'config']
    .flatMap((d) => list(join(ROOT, 'src', d)))
    .concat(
      ['check-command.ts', 'check-options.ts', 'preflight-main.ts', 'parse-flags.ts'].map((f) =>
        join(ROOT, 'src', 'cli', f),
      ),
    );
  assert.ok(files.length > 5);
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    assert.doesNotMatch(text, /from '(\.\.\/)+acme\/|from '\.\/acme\/|import\(['"][^'"]*\/acme\//, f);
    assert.doesNotMatch(text, /['"]acme-client['"]/, f);
  }
});

function list(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? list(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

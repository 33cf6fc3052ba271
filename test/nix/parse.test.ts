import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { hasNixInstantiate, nixInstantiate, projectNixFiles, REPO, skipLoudly } from './nix-eval.ts';

// Parsing needs nothing but nix-instantiate, so it runs in CI (nix-bin) on every .nix file.
test('the Nix files this test must cover exist', () => {
  const files = projectNixFiles().map((f) => relative(REPO, f));
  for (const expected of [
    'flake.nix',
    'nix/package.nix',
    'nix/module.nix',
    'nix/tests/vm-test.nix',
    'test/nix/systemd-options.nix',
  ]) {
    assert.ok(files.includes(expected), `${expected} missing from ${files.join(', ')}`);
  }
});

for (const file of projectNixFiles()) {
  const name = relative(REPO, file);
  test(`nix-instantiate --parse ${name}`, (t) => {
    if (!hasNixInstantiate()) return skipLoudly(t, 'nix-instantiate not installed (apt-get install nix-bin)');
    const r = nixInstantiate(['--parse', file]);
    assert.equal(r.status, 0, `${name} does not parse:\n${r.stderr}`);
    assert.notEqual(r.stdout.trim(), '');
  });
}

// Proves the parse check above can fail: a file with a syntax error is rejected.
test('nix-instantiate --parse rejects a broken file', (t) => {
  if (!hasNixInstantiate()) return skipLoudly(t, 'nix-instantiate not installed (apt-get install nix-bin)');
  const dir = mkdtempSync(join(tmpdir(), 'certguard-nix-parse-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, 'broken.nix');
  writeFileSync(broken, '{ lib, ... }: { options = { x = 1; ; }');
  const r = nixInstantiate(['--parse', broken]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /syntax error/);
});

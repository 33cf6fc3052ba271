import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveCheckTarget } from '../../src/check/target.ts';
import { parseCheckOptions } from '../../src/cli/check-options.ts';
import { installPlaceholder, placeholderTargetProblem } from '../../src/unit/install-placeholder.ts';
import { makeSite, servedLeaf, writeRealCert } from './unit-test-kit.ts';

function settingsOf(configPath: string, extra: string[] = []) {
  return resolveCheckTarget(parseCheckOptions(['site', '--config', configPath, ...extra]), {}).settings;
}

test('first install: a traversable directory, the key readable by the group only', async (t) => {
  if (process.getuid?.() !== 0) {
    console.warn('SKIPPED: not root: chown to the key group needs root');
    t.skip('SKIPPED: not root: chown to the key group needs root');
    return;
  }
  const s = makeSite({ group: '65534' });
  t.after(s.cleanup);
  const warnings: string[] = [];
  const outcome = await installPlaceholder(settingsOf(s.configPath), new Date(), (w) => warnings.push(w));
  assert.equal(outcome.installed, true);
  assert.equal(outcome.verdict.placeholder, true);
  assert.deepEqual(warnings, []);
  // The service's user must reach the files: the directory itself is 0755 ...
  assert.equal(statSync(s.certDir).mode & 0o777, 0o755);
  // ... while the key is 0640, group as configured.
  const key = statSync(join(s.certDir, 'key.pem'));
  assert.equal(key.mode & 0o777, 0o640);
  assert.equal(key.gid, 65534);
});

test('a usable certificate is left alone', async (t) => {
  const s = makeSite();
  t.after(s.cleanup);
  const fp = await writeRealCert(s.certDir);
  const outcome = await installPlaceholder(settingsOf(s.configPath), new Date(), () => {});
  assert.equal(outcome.installed, false);
  assert.equal(outcome.verdict.usable, true);
  assert.equal(servedLeaf(s.certDir).fingerprint256, fp);
});

test('placeholderTargetProblem: only when the checked file is the directory fullchain.pem', (t) => {
  const s = makeSite();
  t.after(s.cleanup);
  assert.equal(placeholderTargetProblem(settingsOf(s.configPath)), undefined);
  assert.match(
    placeholderTargetProblem(settingsOf(s.configPath, ['--cert', '/elsewhere.pem'])) ?? '',
    /installs into/,
  );
});

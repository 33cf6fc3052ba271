import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveCert } from '../../src/config/resolve.ts';
import { UsageError } from '../../src/exit-codes.ts';
import { runHooks } from '../../src/renew/hooks.ts';
import { tempDir } from '../helpers/fixtures.ts';

test('a reload unit that is still activating is waited for, then reloaded', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const calls = join(dir, 'calls');
  const count = join(dir, 'count');
  writeFileSync(count, '0');
  // A fake systemctl: the unit reports "activating" twice, then "active"; every call is recorded.
  writeFileSync(
    join(dir, 'systemctl'),
    `#!/bin/sh
echo "$@" >> '${calls}'
if [ "$1" = show ]; then
  n=$(cat '${count}'); echo $((n + 1)) > '${count}'
  if [ "$n" -lt 2 ]; then echo activating; else echo active; fi
fi
`,
  );
  chmodSync(join(dir, 'systemctl'), 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  t.after(() => {
    process.env.PATH = oldPath;
  });
  const settings = resolveCert('web', [{ directory: dir, reloadServices: ['nginx.service'] }], 'test');
  const failures = await runHooks(settings, () => {});
  assert.deepEqual(failures, []);
  assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [
    'show -p ActiveState --value -- nginx.service',
    'show -p ActiveState --value -- nginx.service',
    'show -p ActiveState --value -- nginx.service',
    'try-reload-or-restart -- nginx.service',
  ]);
});

test('reload entries that look like options are refused as unit names', () => {
  for (const unit of ['-Hroot@host', '--root=/tmp', 'a b', '']) {
    assert.throws(
      () => resolveCert('web', [{ reloadServices: ['nginx.service', unit] }], 'options'),
      (e: unknown) =>
        e instanceof UsageError && /^options\.reloadServices: .* is not a systemd unit name$/.test(e.message),
      unit,
    );
  }
  resolveCert('web', [{ reloadServices: ['php-fpm@www.service', 'nginx', 'a\\x2db.mount'] }], 'options');
});

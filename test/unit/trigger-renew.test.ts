import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renewUnitName } from '../../src/unit/renew-unit-name.ts';
import { triggerRenew } from '../../src/unit/trigger-renew.ts';
import { tempDir, writeFile } from '../helpers/fixtures.ts';

// A stand-in for systemctl that records its arguments: the real systemctl is exercised against a
// real systemd in test/systemd/; here we pin down argv and error reporting.
function fakeSystemctl(dir: string, body: string): string {
  return writeFile(
    dir,
    'systemctl',
    `#!/bin/sh\nprintf '%s\\n' "$@" > ${join(dir, 'argv')}\n${body}\n`,
    0o755,
  );
}

test('renewUnitName is the template instance for NAME', () => {
  assert.equal(renewUnitName('example.com'), 'certguard-renew@example.com.service');
});

test('queues the unit with start --no-block', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const r = await triggerRenew('certguard-renew@a.service', { systemctl: fakeSystemctl(dir, 'exit 0') });
  assert.deepEqual(r, { ok: true });
  assert.deepEqual(readFileSync(join(dir, 'argv'), 'utf8').trim().split('\n'), [
    'start',
    '--no-block',
    'certguard-renew@a.service',
  ]);
});

test('a failing systemctl is reported with its last stderr line', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const r = await triggerRenew('u.service', {
    systemctl: fakeSystemctl(dir, 'echo "Failed to connect to bus: No such file or directory" >&2; exit 1'),
  });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /Failed to connect to bus/);
});

test('a missing systemctl is reported, not thrown', async () => {
  const r = await triggerRenew('u.service', { systemctl: '/nonexistent/systemctl' });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /cannot run/);
});

test('a wedged systemctl is abandoned after the guard timeout', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const r = await triggerRenew('u.service', {
    systemctl: fakeSystemctl(dir, 'exec sleep 30'),
    timeoutMs: 200,
  });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /no answer/);
});

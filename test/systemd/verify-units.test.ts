import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/systemd/build-cli.ts';
import { bootGuest } from '../helpers/systemd-harness.ts';
import { skipWithoutSystemd } from './scenario-kit.ts';

const UNITS = join(REPO, 'systemd');

/**
 * `systemd-analyze verify` fails on unknown keys, bad values, bad calendar specs and missing
 * executables. It runs inside a guest where /usr/bin/certguard exists, as it would on a host
 * where certguard is installed as docs/systemd.md says.
 */
test('the shipped units and example drop-ins pass systemd-analyze verify', async (t) => {
  if (skipWithoutSystemd(t)) return;
  const example = (p: string) => ({
    path: p.replace(/^examples/, '/etc/systemd/system'),
    copyFrom: join(UNITS, p),
  });
  const guest = await bootGuest({
    files: [
      {
        path: '/etc/systemd/system/certguard-renew@.service',
        copyFrom: join(UNITS, 'certguard-renew@.service'),
      },
      { path: '/etc/systemd/system/certguard-renew@.timer', copyFrom: join(UNITS, 'certguard-renew@.timer') },
      example('examples/certguard-renew@example.com.service.d/credentials.conf'),
      example('examples/certguard-renew@example.com.service.d/challenge.conf'),
      example('examples/nginx.service.d/certguard.conf'),
      // A stand-in nginx (not installed here) so the example drop-in has a unit to apply to.
      { path: '/usr/sbin/nginx', content: '#!/bin/sh\nexit 0\n', mode: 0o755 },
      {
        path: '/etc/systemd/system/nginx.service',
        content: '[Service]\nExecStartPre=/usr/sbin/nginx -t\nExecStart=/usr/sbin/nginx\n',
      },
    ],
  });
  t.after(() => guest.stop());
  for (const unit of [
    'certguard-renew@example.com.service',
    'certguard-renew@example.com.timer',
    'nginx.service',
  ]) {
    const r = await guest.run(['systemd-analyze', 'verify', '--man=no', unit]);
    assert.equal(r.code, 0, `${unit}:\n${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim(), '', `${unit} has warnings:\n${r.stderr}`);
  }
  // The example drop-in really puts the preflight first (drop-in ExecStartPre= lines are appended).
  const pre = await guest.must(['systemctl', 'show', 'nginx.service', '--property=ExecStartPre']);
  const order = [...pre.matchAll(/path=([^ ;]+)/g)].map((m) => m[1]);
  assert.deepEqual(order, ['/usr/bin/certguard-preflight', '/usr/sbin/nginx'], pre);
  const wants = await guest.must([
    'systemctl',
    'show',
    'nginx.service',
    '--property=Wants',
    '--property=After',
  ]);
  assert.match(wants, /Wants=.*certguard-renew@example\.com\.service/);
  assert.doesNotMatch(wants, /After=.*certguard-renew/, 'no After= on the renew unit');
  // The hardening stays in place: systemd's own exposure rating (9.6 for an unhardened root
  // service, 2.2 for the shipped unit when this was written).
  const security = await guest.must([
    'systemd-analyze',
    'security',
    '--no-pager',
    'certguard-renew@example.com.service',
  ]);
  const level = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(security)?.[1]);
  assert.ok(level <= 3, `exposure level ${level} (expected at most 3.0):\n${security}`);
  // The timer activates the instance of the renew template.
  const timer = await guest.must([
    'systemctl',
    'show',
    'certguard-renew@example.com.timer',
    '--property=Unit',
  ]);
  assert.equal(timer.trim(), 'Unit=certguard-renew@example.com.service');
  // Hourly with one fixed per-host offset in the hour, as systemd itself reads the file.
  const schedule = await guest.must([
    'systemctl',
    'show',
    'certguard-renew@example.com.timer',
    '--property=TimersCalendar,RandomizedDelayUSec,FixedRandomDelay,Persistent',
  ]);
  assert.match(schedule, /TimersCalendar={ OnCalendar=\*-\*-\* \*:00:00 ;/);
  assert.match(schedule, /RandomizedDelayUSec=1h\n/);
  assert.match(schedule, /FixedRandomDelay=yes/);
  assert.match(schedule, /Persistent=yes/);
});

test('a broken unit fails systemd-analyze verify (the check can fail)', async (t) => {
  if (skipWithoutSystemd(t)) return;
  const broken = readFileSync(join(UNITS, 'certguard-renew@.service'), 'utf8').replace(
    'SuccessExitStatus=75',
    'SuccessExitStatus=75\nProtectSystem=stricter\nExecStartPost=/usr/bin/no-such-program',
  );
  const guest = await bootGuest({
    files: [{ path: '/etc/systemd/system/certguard-renew@.service', content: broken }],
  });
  t.after(() => guest.stop());
  const r = await guest.run(['systemd-analyze', 'verify', '--man=no', 'certguard-renew@x.service']);
  assert.notEqual(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /no-such-program/);
});

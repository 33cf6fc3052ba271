import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { writeFile } from '../helpers/fixtures.ts';
import { buildCli } from '../helpers/systemd/build-cli.ts';
import { DAY, makeSite, writeRealCert } from './unit-test-kit.ts';

/**
 * Files reachable from `entry` through static imports or top-level require()s (the executables
 * are CommonJS, the lazy parts ES modules): what node loads before running anything.
 */
function staticGraph(entry: string): string[] {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)(?:import\s*(?:[^;]*?from\s*)?|.*\brequire\()"(\.[^"]+)"/g)) {
      walk(resolve(dirname(file), m[1]!));
    }
  };
  walk(entry);
  return [...seen];
}

function preflight(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(dir, 'certguard-preflight.cjs'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the preflight bundle loads no placeholder, renewal or ACME code before it needs it', async () => {
  const dir = await buildCli();
  const files = staticGraph(join(dir, 'certguard-preflight.cjs'));
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  const markers = ['X509CertificateGenerator', 'renewCertificate', 'acme-client', 'axios'];
  // Nor a process spawner or network module: the usable path only reads files.
  markers.push('"node:child_process"', '"node:https"', '"node:http"', '"node:net"');
  for (const marker of markers) {
    assert.equal(text.includes(marker), false, `${marker} is loaded statically by the preflight`);
  }
  // ...while the bundle as a whole does contain them (the check above can fail).
  const all = spawnSync('grep', ['-rl', 'X509CertificateGenerator', dir], { encoding: 'utf8' }).stdout;
  assert.notEqual(all.trim(), '');
});

test('bundled preflight, placeholder policy, --json: one JSON object on stdout, warning on stderr', async (t) => {
  const dir = await buildCli();
  const s = makeSite({ onUnusable: 'placeholder' });
  t.after(s.cleanup);
  const r = preflight(dir, ['site', '--config', s.configPath, '--json'], { INVOCATION_ID: 'test' });
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as { placeholder: boolean; usable: boolean };
  assert.deepEqual([v.usable, v.placeholder], [true, true]);
  assert.match(r.stderr, /WARNING: no usable certificate; installed a self-signed PLACEHOLDER/);
});

test('bundled preflight, --trigger-renew on a due certificate runs systemctl start --no-block', async (t) => {
  const dir = await buildCli();
  const s = makeSite();
  t.after(s.cleanup);
  await writeRealCert(s.certDir, {
    notBefore: new Date(Date.now() - 80 * DAY),
    notAfter: new Date(Date.now() + 10 * DAY),
  });
  const systemctl = writeFile(s.dir, 'systemctl', `#!/bin/sh\necho "$@" > ${join(s.dir, 'argv')}\n`, 0o755);
  const r = preflight(dir, ['site', '--config', s.configPath, '--trigger-renew'], {
    CERTGUARD_SYSTEMCTL: systemctl,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    readFileSync(join(s.dir, 'argv'), 'utf8').trim(),
    'start --no-block certguard-renew@site.service',
  );
  assert.match(r.stdout, /renewal due, started certguard-renew@site.service/);
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../src/config/config-file.ts';
import { refreshMetricsFile } from '../../src/status/refresh.ts';
import { makeChain } from '../helpers/fixtures.ts';
import { promtoolCheck } from './promtool.ts';
import { HOUR, iso, makeInstall } from './setup.ts';

test('refreshMetricsFile writes every configured certificate to prometheusFile, valid for promtool', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  const c = await makeChain({ sans: ['a.example'] });
  inst.addCert('a', c.leaf, { issuers: [c.intermediate] });
  inst.addCert('b', c.leaf, { issuers: [c.intermediate] });
  inst.addCert('gone', null);
  const at = iso(Date.now() - HOUR);
  inst.setState('b', {
    lastAttempt: at,
    lastError: { class: 'ca-error', message: 'boom', at },
    consecutiveFailures: 1,
  });
  const prom = join(inst.dir, 'certguard.prom');
  // A previous file is replaced, not appended to.
  writeFileSync(prom, 'stale 1\n');
  const config = loadConfigFile(inst.writeConfig({ prometheusFile: prom }));
  refreshMetricsFile(config);
  const text = readFileSync(prom, 'utf8');
  assert.doesNotMatch(text, /stale/);
  assert.match(text, /^certguard_renewal_failing\{name="b"\} 1$/m);
  assert.match(text, /^certguard_certificate_usable\{name="a"\} 1$/m);
  assert.match(text, /^certguard_certificate_state\{name="gone",state="missing"\} 1$/m);
  assert.deepEqual(
    readdirSync(dirname(prom)).filter((f) => f.includes('.tmp')),
    [],
    'no temporary file left behind',
  );
  const r = promtoolCheck(t, text);
  if (r) assert.equal(r.status, 0, r.output);
});

test('refreshMetricsFile is a no-op without prometheusFile', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  inst.addCert('gone', null);
  const config = loadConfigFile(inst.writeConfig());
  const before = readdirSync(inst.dir).sort();
  refreshMetricsFile(config);
  assert.deepEqual(readdirSync(inst.dir).sort(), before);
});

test('refreshMetricsFile throws (and leaves no temp file) when the directory does not exist', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  inst.addCert('gone', null);
  const config = loadConfigFile(inst.writeConfig({ prometheusFile: join(inst.dir, 'no', 'such', 'x.prom') }));
  assert.throws(() => refreshMetricsFile(config), /ENOENT/);
});

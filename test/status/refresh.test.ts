import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../src/config/config-file.ts';
import { FULL_REFRESH_INTERVAL_MS, refreshMetricsFile } from '../../src/status/refresh.ts';
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

test('incremental refresh (only): re-inspects the named certificates, keeps the others, within the interval', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  const c = await makeChain({ sans: ['a.example'] });
  inst.addCert('a', c.leaf, { issuers: [c.intermediate] });
  inst.addCert('b', c.leaf, { issuers: [c.intermediate] });
  const prom = join(inst.dir, 'certguard.prom');
  const config = loadConfigFile(inst.writeConfig({ prometheusFile: prom }));
  const t0 = new Date();
  refreshMetricsFile(config, t0);
  assert.match(readFileSync(prom, 'utf8'), new RegExp(`^# certguard: full refresh at ${t0.toISOString()}\n`));

  // Both now have a failed attempt on record; a renew run of "b" refreshes only "b".
  const at = iso(t0.getTime());
  for (const name of ['a', 'b']) {
    inst.setState(name, {
      lastAttempt: at,
      lastError: { class: 'ca-error', message: 'x', at },
      consecutiveFailures: 1,
    });
  }
  const t1 = new Date(t0.getTime() + 10 * 60_000);
  refreshMetricsFile(config, t1, ['b']);
  let text = readFileSync(prom, 'utf8');
  assert.match(text, /^certguard_renewal_failing\{name="b"\} 1$/m);
  assert.match(text, /^certguard_renewal_failing\{name="a"\} 0$/m, '"a" was not inspected again');
  assert.match(
    text,
    new RegExp(`^# certguard: full refresh at ${t0.toISOString()}\n`),
    'the full-refresh mark stays',
  );
  const r = promtoolCheck(t, text);
  if (r) assert.equal(r.status, 0, r.output);

  // Past the interval, the next refresh inspects everything.
  const t2 = new Date(t0.getTime() + FULL_REFRESH_INTERVAL_MS + 1000);
  refreshMetricsFile(config, t2, ['b']);
  text = readFileSync(prom, 'utf8');
  assert.match(text, /^certguard_renewal_failing\{name="a"\} 1$/m);
  assert.match(text, new RegExp(`^# certguard: full refresh at ${t2.toISOString()}\n`));
});

test('incremental refresh adds certificates new to the config and drops removed ones', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  const c = await makeChain({ sans: ['a.example'] });
  inst.addCert('a', c.leaf, { issuers: [c.intermediate] });
  inst.addCert('old', c.leaf, { issuers: [c.intermediate] });
  const prom = join(inst.dir, 'certguard.prom');
  refreshMetricsFile(loadConfigFile(inst.writeConfig({ prometheusFile: prom })));
  delete inst.certs.old;
  inst.addCert('new', null);
  refreshMetricsFile(loadConfigFile(inst.writeConfig({ prometheusFile: prom })), new Date(), ['a']);
  const text = readFileSync(prom, 'utf8');
  assert.doesNotMatch(text, /name="old"/);
  assert.match(text, /^certguard_certificate_state\{name="new",state="missing"\} 1$/m);
  assert.match(text, /^certguard_certificate_usable\{name="a"\} 1$/m);
});

test('a metrics file certguard did not write is rebuilt in full, not merged', async (t) => {
  const inst = makeInstall();
  t.after(inst.cleanup);
  inst.addCert('gone', null);
  const prom = join(inst.dir, 'certguard.prom');
  writeFileSync(
    prom,
    `# certguard: full refresh at ${new Date().toISOString()}\nsomething_else{name="x"} 1\n`,
  );
  refreshMetricsFile(loadConfigFile(inst.writeConfig({ prometheusFile: prom })), new Date(), ['gone']);
  const text = readFileSync(prom, 'utf8');
  assert.doesNotMatch(text, /something_else/);
  assert.match(text, /^certguard_certificate_usable\{name="gone"\} 0$/m);
});

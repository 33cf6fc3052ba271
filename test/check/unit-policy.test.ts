import assert from 'node:assert/strict';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Verdict } from '../../src/cert/verdict.ts';
import { inspectCertificate } from '../../src/check/inspect.ts';
import { resolveCheckTarget } from '../../src/check/target.ts';
import { applyUnitPolicy, defaultEffects, type UnitEffects } from '../../src/check/unit-policy.ts';
import { parseCheckOptions } from '../../src/cli/check-options.ts';
import { EXIT, UsageError } from '../../src/exit-codes.ts';
import { DAY, makeSite, type Site, servedLeaf, writeRealCert } from '../unit/unit-test-kit.ts';

interface Run {
  code: number;
  printed: Verdict[];
  lines: string[];
  triggered: string[];
  inline: number[];
}

/**
 * Runs the preflight's unit mode as check-command does, on real files. Only the two effects that
 * reach outside the host's files are replaced: systemctl (proven in test/systemd/) and the ACME
 * renewal (its own tests); placeholder generation and installation are real.
 */
async function preflight(site: Site, args: string[], fx: Partial<UnitEffects> = {}): Promise<Run> {
  const opts = parseCheckOptions([...args, '--config', site.configPath]);
  const target = resolveCheckTarget(opts, {});
  const now = new Date();
  const verdict = inspectCertificate(target.settings, now, target.named);
  const run: Run = { code: -1, printed: [], lines: [], triggered: [], inline: [] };
  const effects: UnitEffects = {
    ...defaultEffects,
    async trigger(unit) {
      run.triggered.push(unit);
      return { ok: true };
    },
    log(level, text) {
      run.lines.push(`${level}: ${text}`);
    },
    async renewInline(_s, _g, budgetMs) {
      run.inline.push(budgetMs);
      return { exitCode: 75, summary: 'CA unreachable (test)' };
    },
    // These tests model a preflight run by systemd, which sets INVOCATION_ID (unit mode).
    env: { INVOCATION_ID: 'test' },
    ...fx,
  };
  run.code = await applyUnitPolicy(
    opts,
    target,
    verdict,
    now,
    { print: (v) => run.printed.push(v) },
    effects,
  );
  return run;
}

function site(t: { after(fn: () => void): void }, entry: Record<string, unknown> = {}): Site {
  const s = makeSite(entry);
  t.after(s.cleanup);
  return s;
}

test('usable and not due: exit 0, nothing triggered, nothing written', async (t) => {
  const s = site(t);
  const fp = await writeRealCert(s.certDir);
  const run = await preflight(s, ['site', '--trigger-renew']);
  assert.equal(run.code, EXIT.ok);
  assert.deepEqual(run.triggered, []);
  assert.equal(run.printed.length, 1);
  assert.equal(run.printed[0]!.usable, true);
  assert.equal(servedLeaf(s.certDir).fingerprint256, fp);
});

test('usable but due: exit 0 and --trigger-renew queues certguard-renew@NAME.service', async (t) => {
  const s = site(t);
  await writeRealCert(s.certDir, {
    notBefore: new Date(Date.now() - 80 * DAY),
    notAfter: new Date(Date.now() + 10 * DAY),
  });
  const run = await preflight(s, ['site', '--trigger-renew']);
  assert.equal(run.code, EXIT.ok);
  assert.deepEqual(run.triggered, ['certguard-renew@site.service']);
  assert.equal(run.printed[0]!.renewalDue, true);
});

test('usable but due without --trigger-renew: nothing is triggered', async (t) => {
  const s = site(t);
  await writeRealCert(s.certDir, {
    notBefore: new Date(Date.now() - 80 * DAY),
    notAfter: new Date(Date.now() + 10 * DAY),
  });
  const run = await preflight(s, ['site']);
  assert.equal(run.code, EXIT.ok);
  assert.deepEqual(run.triggered, []);
});

test('--renew-unit names the unit that --trigger-renew starts', async (t) => {
  const s = site(t);
  await writeRealCert(s.certDir, {
    notBefore: new Date(Date.now() - 80 * DAY),
    notAfter: new Date(Date.now() + 10 * DAY),
  });
  const run = await preflight(s, ['site', '--trigger-renew', '--renew-unit', 'acme-site.service']);
  assert.deepEqual(run.triggered, ['acme-site.service']);
});

test('a failure to trigger the renewal is a warning, never a failed start', async (t) => {
  const s = site(t);
  await writeRealCert(s.certDir, {
    notBefore: new Date(Date.now() - 80 * DAY),
    notAfter: new Date(Date.now() + 10 * DAY),
  });
  const run = await preflight(s, ['site', '--trigger-renew'], {
    trigger: async () => ({ ok: false, message: 'Failed to connect to bus' }),
  });
  assert.equal(run.code, EXIT.ok);
  assert.ok(
    run.lines.some(
      (l) =>
        l.includes('could not start certguard-renew@site.service') && l.includes('Failed to connect to bus'),
    ),
    run.lines.join('\n'),
  );
});

test('expired with on-unusable=fail: exit 1, says why, leaves the files alone', async (t) => {
  const s = site(t);
  const fp = await writeRealCert(s.certDir, {
    notBefore: new Date(Date.now() - 90 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  const run = await preflight(s, ['site', '--trigger-renew']);
  assert.equal(run.code, EXIT.unusable);
  assert.ok(
    run.lines.some((l) => l.startsWith('err: ') && l.includes('on-unusable=fail')),
    run.lines.join('\n'),
  );
  assert.equal(run.printed[0]!.reasons[0]!.code, 'expired');
  assert.equal(servedLeaf(s.certDir).fingerprint256, fp);
  assert.deepEqual(run.triggered, [], 'an unusable certificate is not a job for --trigger-renew');
});

test("companion mode (issuedBy): an unusable certificate queues the other client's renewal unit", async (t) => {
  const s = site(t, { issuedBy: 'security.acme', onUnusable: 'warn' });
  await writeRealCert(s.certDir, {
    notBefore: new Date(Date.now() - 90 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  const run = await preflight(s, [
    'site',
    '--trigger-renew',
    '--renew-unit',
    'acme-order-renew-site.service',
  ]);
  assert.equal(run.code, EXIT.ok, 'warn: the service starts, as security.acme alone would');
  assert.deepEqual(run.triggered, ['acme-order-renew-site.service']);
  assert.equal(run.printed[0]!.reasons[0]!.code, 'expired');
});

test('missing with on-unusable=warn (config): exit 0 with a loud warning', async (t) => {
  const s = site(t, { onUnusable: 'warn' });
  const run = await preflight(s, ['site']);
  assert.equal(run.code, EXIT.ok);
  assert.ok(
    run.lines.some((l) => l.startsWith('warning: site: WARNING: certificate unusable, starting anyway')),
    run.lines.join('\n'),
  );
  assert.equal(existsSync(s.certDir), false, 'warn never writes anything');
});

test('--on-unusable on the command line overrides the config', async (t) => {
  const s = site(t, { onUnusable: 'warn' });
  const run = await preflight(s, ['site', '--on-unusable', 'fail']);
  assert.equal(run.code, EXIT.unusable);
});

test('missing with on-unusable=placeholder: installs a recognisable, usable self-signed stand-in', async (t) => {
  const s = site(t, { onUnusable: 'placeholder', keyType: 'ec384' });
  const run = await preflight(s, ['site']);
  assert.equal(run.code, EXIT.ok);
  const final = run.printed.at(-1)!;
  assert.equal(final.usable, true);
  assert.equal(final.placeholder, true);
  assert.equal(final.keyType, 'ec384');
  assert.ok(final.warnings.some((w) => w.code === 'placeholder'));
  assert.deepEqual(final.domains, ['example.com', 'www.example.com']);
  assert.ok(
    run.lines.some(
      (l) =>
        l.startsWith('warning: ') && l.includes('PLACEHOLDER') && l.includes('certguard-renew@site.service'),
    ),
    run.lines.join('\n'),
  );
  // Check (a separate run) reports it as a placeholder, and renewal is due at once.
  const again = await preflight(s, ['site', '--trigger-renew']);
  assert.equal(again.code, EXIT.ok);
  assert.equal(again.printed[0]!.placeholder, true);
  assert.deepEqual(again.triggered, ['certguard-renew@site.service']);
});

test('placeholder replaces an expired certificate but keeps the old files in the previous generation', async (t) => {
  const s = site(t, { onUnusable: 'placeholder' });
  const oldKey = await writeRealCert(s.certDir, {
    notBefore: new Date(Date.now() - 90 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  const run = await preflight(s, ['site']);
  assert.equal(run.code, EXIT.ok);
  assert.equal(run.printed.at(-1)!.placeholder, true);
  const current = realpathSync(join(s.certDir, 'fullchain.pem'));
  const generations = readdirSync(s.certDir).filter((e) => e.startsWith('.gen-'));
  const kept = generations
    .map((g) => join(s.certDir, g, 'fullchain.pem'))
    .filter((p) => p !== current && existsSync(p))
    .map((p) => servedLeaf(join(p, '..')).fingerprint256);
  assert.ok(kept.includes(oldKey), 'the expired certificate is still on disk');
});

test('a placeholder never overwrites a certificate that became usable meanwhile', async (t) => {
  const s = site(t, { onUnusable: 'placeholder' });
  const opts = parseCheckOptions(['site', '--config', s.configPath]);
  const target = resolveCheckTarget(opts, {});
  const stale = inspectCertificate(target.settings, new Date(), true);
  assert.equal(stale.usable, false);
  // A renewal lands between the preflight's first look and its install.
  const fp = await writeRealCert(s.certDir);
  const result = await applyUnitPolicy(
    opts,
    target,
    stale,
    new Date(),
    { print() {} },
    {
      ...defaultEffects,
      log() {},
      env: { INVOCATION_ID: 'test' },
    },
  );
  assert.equal(result, EXIT.ok);
  assert.equal(servedLeaf(s.certDir).fingerprint256, fp);
  assert.equal(servedLeaf(s.certDir).subject.includes('placeholder'), false);
});

test('--renew-inline: a successful renewal makes the preflight pass without any policy', async (t) => {
  const s = site(t); // fail policy
  let fp = '';
  const run = await preflight(s, ['site', '--renew-inline=5s'], {
    async renewInline(_settings, _global, budgetMs) {
      assert.equal(budgetMs, 5000);
      fp = await writeRealCert(s.certDir);
      return { exitCode: 0, summary: 'renewed' };
    },
  });
  assert.equal(run.code, EXIT.ok);
  assert.equal(run.printed.at(-1)!.usable, true);
  assert.equal(run.printed.at(-1)!.fingerprint256, fp);
});

test('--renew-inline that fails falls through to the policy (default budget 30s)', async (t) => {
  const s = site(t, { onUnusable: 'warn' });
  const run = await preflight(s, ['site', '--renew-inline']);
  assert.deepEqual(run.inline, [30_000]);
  assert.equal(run.code, EXIT.ok);
  assert.ok(
    run.lines.some((l) =>
      l.includes('inline renewal did not produce a usable certificate: CA unreachable (test)'),
    ),
  );
  assert.ok(run.lines.some((l) => l.includes('on-unusable=warn')));
});

test('--renew-inline is not attempted for a usable certificate', async (t) => {
  const s = site(t);
  await writeRealCert(s.certDir);
  const run = await preflight(s, ['site', '--renew-inline=5s']);
  assert.equal(run.code, EXIT.ok);
  assert.deepEqual(run.inline, []);
});

test('--json prints exactly one object: the final verdict', async (t) => {
  const s = site(t, { onUnusable: 'placeholder' });
  const run = await preflight(s, ['site', '--json']);
  assert.equal(run.code, EXIT.ok);
  assert.equal(run.printed.length, 1);
  assert.equal(run.printed[0]!.placeholder, true);
});

test('unit-mode flags that need a NAME, or a valid budget, are usage errors', async (t) => {
  const s = site(t);
  const key = join(s.dir, 'missing.pem');
  const bad = [
    ['--cert', key, '--trigger-renew'],
    ['--cert', key, '--renew-inline'],
    ['--cert', key, '--on-unusable', 'placeholder'],
    ['site', '--renew-inline=soon'],
    ['site', '--renew-inline=0s'],
    ['site', '--renew-unit', 'x.service'],
  ];
  for (const args of bad) {
    await assert.rejects(() => preflight(s, args), UsageError, args.join(' '));
  }
  assert.equal(existsSync(s.certDir), false);
});

test('placeholder refuses a --cert that points outside the certificate directory', async (t) => {
  const s = site(t, { onUnusable: 'placeholder' });
  const elsewhere = join(s.dir, 'other.pem');
  const run = await preflight(s, ['site', '--cert', elsewhere]);
  assert.equal(run.code, EXIT.unusable);
  assert.ok(run.lines.some((l) => l.includes('cannot install a placeholder')));
  assert.equal(existsSync(s.certDir), false);
  assert.equal(existsSync(elsewhere), false);
});

test('outside a unit (no unit flag, no INVOCATION_ID) the config onUnusable is not applied: exit 1, nothing installed', async (t) => {
  const s = site(t, { onUnusable: 'placeholder' });
  const run = await preflight(s, ['site'], { env: {} });
  assert.equal(run.code, EXIT.unusable);
  assert.equal(run.printed.length, 1);
  assert.equal(run.printed[0]!.usable, false);
  assert.ok(
    !existsSync(join(s.certDir, 'fullchain.pem')),
    'a placeholder was installed by an interactive check',
  );
  assert.deepEqual(run.lines, []);
});

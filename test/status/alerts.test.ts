import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { METRIC_FAMILIES } from '../../src/status/metrics.ts';
import { tempDir } from '../helpers/fixtures.ts';

const DOC = new URL('../../docs/status.md', import.meta.url);
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/** The alerting rules docs/status.md shows administrators. */
function documentedRules(): string {
  const m = /```yaml\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'));
  assert.ok(m, 'docs/status.md has a yaml block');
  return m[1]!;
}

test('the documented alerting rules use only metrics certguard writes', () => {
  const used = new Set(documentedRules().match(/\bcertguard_[a-z_]+/g));
  const written = new Set(METRIC_FAMILIES.map((f) => f.name));
  for (const name of used) assert.ok(written.has(name), name);
});

test('the documented alerting rules fire as described (promtool test rules)', (t) => {
  if (!PROMTOOL) {
    const why = 'SKIPPED: promtool not installed (Debian package "prometheus"): alert rules not tested';
    console.warn(why);
    t.skip(why);
    return;
  }
  const { dir, cleanup } = tempDir('certguard-alerts-');
  t.after(cleanup);
  writeFileSync(join(dir, 'rules.yml'), documentedRules());
  // Series as certguard writes them; promtool's clock starts at 0, so notAfter 864000 = 10 days left.
  writeFileSync(
    join(dir, 'test.yml'),
    `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - { series: 'certguard_certificate_not_after_seconds{name="failing"}', values: '864000x10' }
      - { series: 'certguard_renewal_failing{name="failing"}', values: '1x10' }
      - { series: 'certguard_certificate_usable{name="failing"}', values: '1x10' }
      - { series: 'certguard_certificate_not_after_seconds{name="failing-later"}', values: '8640000x10' }
      - { series: 'certguard_renewal_failing{name="failing-later"}', values: '1x10' }
      - { series: 'certguard_certificate_not_after_seconds{name="ok"}', values: '864000x10' }
      - { series: 'certguard_renewal_failing{name="ok"}', values: '0x10' }
      - { series: 'certguard_certificate_usable{name="gone"}', values: '0x10' }
      - { series: 'certguard_certificate_state{name="new",state="placeholder"}', values: '1x90' }
    alert_rule_test:
      - eval_time: 2m
        alertname: CertificateRenewalFailing
        exp_alerts:
          - exp_labels: { name: failing }
            exp_annotations: { summary: 'failing: renewal failing, certificate expires in 9d 23h 58m 0s' }
      - eval_time: 2m
        alertname: CertificateUnusable
        exp_alerts:
          - exp_labels: { name: gone }
      - eval_time: 30m
        alertname: CertificatePlaceholder
        exp_alerts: []
      - eval_time: 61m
        alertname: CertificatePlaceholder
        exp_alerts:
          - exp_labels: { name: new, state: placeholder }
`,
  );
  const r = spawnSync(PROMTOOL, ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from './nix-eval.ts';
import { CERTGUARD_MODULE, evalNixos, requireNixos } from './nixos-eval.ts';

/**
 * nix/module/companion.nix evaluated beside NixOS's real security.acme module and NixOS's own
 * systemd option declarations (test/nix/nixos/eval.nix; skipped loudly without $NIXOS_FILES and
 * $NIXPKGS_LIB). The stored security.acme module (see $NIXOS_FILES/SOURCES) may be the older one
 * whose acme-<name>.service talks to the CA; the module recognises either.
 */
const WEB_SERVERS = join(REPO, 'test/nix/companion-web-servers.nix');
const acme = (certs: Record<string, object>, extra: object = {}) => ({
  security: { acme: { acceptTerms: true, defaults: { email: 'admin@example.org' }, certs } },
  services: { certguard: { acme: { enable: true } } },
  ...extra,
});
// A stand-in consumer: a service someone else defines (as nginx's module would).
const consumer = { systemd: { services: { 'my-tls': { serviceConfig: { ExecStart: '/bin/true' } } } } };

test('one option: the renewal unit carries the condition and the recorder, the config file the entry', (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const r = evalNixos(env, {
    modules: [CERTGUARD_MODULE],
    withAcme: true,
    configuration: acme(
      {
        'example.org': {
          webroot: '/var/lib/acme/acme-challenge',
          extraDomainNames: ['www.example.org'],
          validMinDays: 20,
          reloadServices: ['my-tls.service'],
        },
      },
      consumer,
    ),
  });
  assert.deepEqual(r.failedAssertions, []);
  const renew =
    Object.keys(r.services).find((s) => s === 'acme-order-renew-example.org') ?? 'acme-example.org';
  const text = r.units[`${renew}.service`]!;
  assert.match(
    text,
    /\nExecCondition=\+\/nix\/store\/\S+\/bin\/certguard companion condition example\.org --config \/etc\/certguard\/certguard\.json\n/,
  );
  assert.match(
    text,
    /\nExecStopPost=\+\S+ -c 'test "\$\$SERVICE_RESULT" = exec-condition \|\| exec \/nix\/store\/\S+\/bin\/certguard companion record example\.org --config \/etc\/certguard\/certguard\.json'\n/,
  );
  assert.match(text, /\nStartLimitIntervalSec=0\n/);
  assert.match(text, /\nSuccessExitStatus=10\nSuccessExitStatus=11\n/);
  // security.acme's own unit is otherwise untouched: its lego script, user and credentials stay.
  assert.match(text, /\nExecStart=\/nix\/store\/\S+-start/);
  assert.equal(r.services[renew]!.serviceConfig.User, 'acme');

  const cfg = JSON.parse(r.etc['certguard/certguard.json']!);
  const entry = cfg.certs['example.org'];
  assert.equal(entry.issuedBy, 'security.acme');
  assert.equal(entry.renewBefore, '20d');
  assert.equal(entry.directory, '/var/lib/acme/example.org');
  assert.deepEqual(entry.domains, ['example.org', 'www.example.org']);
  assert.equal(entry.keyType, 'ec256');
  assert.equal(entry.onUnusable, 'warn');
  // The hash security.acme writes (sha256 of "<extra names> <domain>", 20 hex digits), in the
  // lego directory the real module's unit declares for the current lego settings.
  const hash = createHash('sha256').update('www.example.org example.org').digest('hex').slice(0, 20);
  const legoDirs = (r.services[renew]!.serviceConfig.StateDirectory as string[]).filter((d) =>
    /^acme\/\.lego\/example\.org\/[0-9a-f]{20}$/.test(d),
  );
  assert.equal(legoDirs.length, 1, JSON.stringify(r.services[renew]!.serviceConfig.StateDirectory));
  assert.deepEqual(entry.legoDomainHash, { file: `/var/lib/${legoDirs[0]}/domainhash.txt`, hash });
  // certguard renews none of them itself: no certguard-renew units, no timers of its own.
  assert.deepEqual(
    Object.keys(r.services).filter((s) => s.startsWith('certguard-renew')),
    [],
  );

  // The consumer from reloadServices gets the preflight first in ExecStartPre.
  const my = r.units['my-tls.service']!;
  assert.match(
    my,
    new RegExp(
      `\\nExecStartPre=\\+/nix/store/\\S+/bin/certguard-preflight example\\.org --config /etc/certguard/certguard\\.json --trigger-renew --renew-unit ${renew.replaceAll('.', '\\.')}\\.service\\n`,
    ),
  );
});

test("web servers' enableACME/useACMEHost consumers get the preflight first, without recursion", (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const r = evalNixos(env, {
    modules: [CERTGUARD_MODULE, WEB_SERVERS],
    withAcme: true,
    configuration: acme(
      { 'example.org': { webroot: '/w' }, 'shared.example.org': { webroot: '/w' } },
      {
        services: {
          certguard: { acme: { enable: true, onUnusable: 'fail' } },
          // What nginx's and caddy's modules read (their options are not part of this evaluation).
          nginx: {
            enable: true,
            virtualHosts: { 'example.org': { enableACME: true, serverName: 'example.org' } },
          },
          caddy: { enable: true, virtualHosts: { 'b.example.org': { useACMEHost: 'shared.example.org' } } },
        },
        systemd: {
          services: {
            // The services as their own modules define them, with a first step of their own.
            nginx: { preStart: 'nginx -t', serviceConfig: { ExecStartPre: ['/bin/echo own'] } },
            caddy: { serviceConfig: { ExecStart: '/bin/true' } },
          },
        },
      },
    ),
  });
  assert.deepEqual(r.failedAssertions, []);
  const pre = (svc: string) => r.services[svc]!.serviceConfig.ExecStartPre as string[];
  assert.match(pre('nginx')[0]!, /^\+\/nix\/store\/\S+\/bin\/certguard-preflight example\.org --config /);
  assert.equal(pre('nginx').length, 3, 'the preflight, then nginx own steps');
  assert.match(
    pre('caddy')[0]!,
    /certguard-preflight shared\.example\.org .*--renew-unit acme-(order-renew-)?shared\.example\.org\.service$/,
  );
  // `fail` is opt-in and lives in the config file (changing it does not restart the services).
  const cfg = JSON.parse(r.etc['certguard/certguard.json']!);
  assert.equal(cfg.certs['example.org'].onUnusable, 'fail');
  // Coexistence: security.acme's users, groups and vhost settings are untouched.
  assert.equal(r.users.acme?.group, 'acme');
  assert.equal(
    r.services['acme-example.org']?.serviceConfig.User ??
      r.services['acme-order-renew-example.org']?.serviceConfig.User,
    'acme',
  );
});

test('a certificate in both security.acme.certs and services.certguard.certs: an assertion names both', (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const r = evalNixos(env, {
    modules: [CERTGUARD_MODULE],
    withAcme: true,
    configuration: acme(
      { 'example.org': { webroot: '/w' } },
      {
        services: {
          certguard: {
            acme: { enable: true },
            acceptTerms: true,
            defaults: { email: 'admin@example.org' },
            certs: { 'example.org': { webroot: '/w', directory: '/srv/tls/example.org' } },
          },
        },
      },
    ),
  });
  assert.ok(
    r.failedAssertions.some(
      (m) =>
        m.includes('security.acme.certs."example.org"') &&
        m.includes('services.certguard.certs."example.org"'),
    ),
    r.failedAssertions.join('\n'),
  );
});

test('a reloadServices entry no module defines is an assertion, not a unit without ExecStart', (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const config = (exclude: string[]) =>
    acme(
      { 'example.org': { webroot: '/w', reloadServices: ['postfix.service'] } },
      {
        services: {
          certguard: { acme: { enable: true, certs: { 'example.org': { excludeServices: exclude } } } },
        },
      },
    );
  const r = evalNixos(env, { modules: [CERTGUARD_MODULE], withAcme: true, configuration: config([]) });
  assert.ok(
    r.failedAssertions.some((m) => m.includes('systemd.services."postfix"') && m.includes('excludeServices')),
    r.failedAssertions.join('\n'),
  );
  const ok = evalNixos(env, {
    modules: [CERTGUARD_MODULE],
    withAcme: true,
    configuration: config(['postfix']),
  });
  assert.deepEqual(ok.failedAssertions, []);
  assert.equal(ok.services.postfix, undefined);
});

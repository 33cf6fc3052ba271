import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type EvalUnit, evalJson, evalModule, REPO, requireEvaluator } from './nix-eval.ts';

// nix/module.nix evaluated by lib.evalModules (real nixpkgs lib from $NIXPKGS_LIB) together with
// test/nix/systemd-options.nix, NixOS's own option types for the parts the module sets.

const PKG = '/nix/store/00000000000000000000000000000000-certguard-0.1.0';
const CONFIG = '/etc/certguard/certguard.json';
const UNIT_CONFIG = '/etc/certguard/renew-units.json';

/** A host with nginx, which has its own preStart and ExecStartPre, as NixOS's nginx module does. */
function host(certguard: object, extraServices: object = {}): object {
  return {
    services: { certguard: { enable: true, acceptTerms: true, ...certguard } },
    systemd: {
      services: {
        nginx: {
          description: 'Nginx Web Server',
          wantedBy: ['multi-user.target'],
          after: ['network.target'],
          preStart: 'mkdir -p /var/cache/nginx',
          serviceConfig: { ExecStart: 'nginx -c nginx.conf', ExecStartPre: ['nginx -t'] },
        },
        ...extraServices,
      },
    },
  };
}

const DEFAULTS = {
  email: 'admin@example.org',
  server: 'https://ca.test/dir',
  webroot: '/var/lib/acme/challenge',
};

function unit(units: Record<string, EvalUnit>, name: string): EvalUnit {
  const u = units[name];
  assert.ok(u, `no unit ${name}; have ${Object.keys(units).join(', ')}`);
  return u;
}

function preflight(name: string, extra = ''): string {
  return `+${PKG}/bin/certguard-preflight ${name} --config ${CONFIG} --trigger-renew --renew-unit certguard-renew-${name}.service${extra}`;
}

test('one certificate: renew service, timer, preflight first in nginx, wants without after', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(lib, host({ defaults: DEFAULTS, certs: { 'example.org': { services: ['nginx'] } } }));
  assert.deepEqual(r.failedAssertions, []);
  assert.deepEqual(r.warnings, []);

  const renew = unit(r.services, 'certguard-renew-example.org');
  const sc = renew.serviceConfig;
  assert.equal(sc.Type, 'oneshot');
  // The renew run reads the copy without hooks; reloads and postRun run in the `+` step.
  assert.equal(sc.ExecStart, `${PKG}/bin/certguard renew example.org --config ${UNIT_CONFIG}`);
  assert.match(String(sc.ExecStartPost), /^\+\/nix\/store\/[0-9a-f]{32}-certguard-post-renew-example\.org$/);
  assert.equal(sc.User, 'certguard');
  assert.equal(sc.Group, 'certguard');
  assert.deepEqual(sc.SuccessExitStatus, [75]);
  assert.equal(sc.TimeoutStartSec, '15min');
  assert.equal(sc.StateDirectory, undefined, 'tmpfiles owns the directories: no recursive chown by systemd');
  assert.equal(sc.ProtectSystem, 'strict');
  assert.equal(sc.PrivateTmp, true);
  assert.equal(sc.NoNewPrivileges, true);
  assert.deepEqual(sc.ReadWritePaths, [
    '-/var/lib/certguard-certs/example.org',
    '-/var/lib/certguard',
    '-/var/lib/acme/challenge/.well-known/acme-challenge',
  ]);
  assert.deepEqual(sc.CapabilityBoundingSet, [''], 'no capabilities at all');
  assert.deepEqual(sc.AmbientCapabilities, []);
  assert.equal(sc.PrivateUsers, true);
  for (const [k, v] of Object.entries({
    ProtectProc: 'invisible',
    ProcSubset: 'pid',
    RemoveIPC: true,
    DevicePolicy: 'closed',
  })) {
    assert.equal(sc[k], v, k);
  }
  assert.deepEqual(
    sc.SystemCallFilter,
    ['@system-service', '@pkey', '~@privileged', '~@resources'],
    'V8 needs pkey_alloc',
  );
  assert.equal(sc.SystemCallErrorNumber, 'EPERM');
  assert.equal(sc.MemoryDenyWriteExecute, undefined, 'V8 JIT needs W+X pages');
  assert.equal(sc.LoadCredential, undefined, 'no credentials configured, none loaded');
  assert.deepEqual(sc.Environment, [`CERTGUARD_CONFIG=${UNIT_CONFIG}`]);
  // http-01 through nginx: after nginx (never nginx after renew, see below).
  assert.deepEqual(renew.after, ['network-online.target', 'nginx.service']);
  assert.deepEqual(renew.wants, ['network-online.target']);
  assert.deepEqual(renew.wantedBy, [], 'renewal is started by the timer and the protected services only');
  assert.equal(renew.unitConfig.StartLimitIntervalSec, '0', 'set through startLimitIntervalSec');

  const timer = unit(r.timers, 'certguard-renew-example.org');
  assert.deepEqual(timer.wantedBy, ['timers.target']);
  assert.deepEqual(timer.timerConfig, {
    OnCalendar: '*-*-* 00,12:00:00',
    Persistent: true,
    RandomizedDelaySec: '6h',
  });

  const nginx = unit(r.services, 'nginx');
  const pre = nginx.serviceConfig.ExecStartPre as string[];
  assert.equal(pre[0], preflight('example.org'));
  // The service's own steps keep their order after the preflight.
  assert.deepEqual(pre.slice(1), [
    '/nix/store/00000000000000000000000000000000-unit-script-nginx-pre-start',
    'nginx -t',
  ]);
  assert.equal(nginx.serviceConfig.ExecStart, 'nginx -c nginx.conf');
  assert.deepEqual(nginx.wants, ['certguard-renew-example.org.service']);
  assert.deepEqual(nginx.after, ['network.target'], 'never ordered after the renew unit');
  assert.deepEqual(nginx.wantedBy, ['multi-user.target']);
  assert.deepEqual(nginx.serviceConfig.SupplementaryGroups, ['certguard']);

  assert.deepEqual(r.tmpfiles, [
    'd /var/lib/certguard 0750 certguard certguard - -',
    'Z /var/lib/certguard - certguard certguard - -',
    'd /var/lib/certguard-certs/example.org 0750 certguard certguard - -',
    'Z /var/lib/certguard-certs/example.org - certguard certguard - -',
    'd /var/lib/acme/challenge/.well-known/acme-challenge 0755 certguard certguard - -',
  ]);
  assert.deepEqual(r.groups, ['certguard']);
  assert.deepEqual(r.users, {
    certguard: {
      isSystemUser: true,
      group: 'certguard',
      home: '/var/lib/certguard',
      description: 'certguard certificate renewal',
    },
  });
  assert.deepEqual(r.systemPackages, [PKG]);
  assert.equal(typeof r.etc['certguard/certguard.json'], 'string');
});

test('services.certguard.enable = false generates nothing', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const cfg = host({ defaults: DEFAULTS, certs: { 'example.org': { services: ['nginx'] } } }) as {
    services: { certguard: { enable: boolean } };
  };
  cfg.services.certguard.enable = false;
  const r = evalModule(lib, cfg);
  assert.deepEqual(Object.keys(r.services), ['nginx']);
  assert.deepEqual(r.services.nginx!.serviceConfig.ExecStartPre, [
    '/nix/store/00000000000000000000000000000000-unit-script-nginx-pre-start',
    'nginx -t',
  ]);
  assert.deepEqual(r.timers, {});
  assert.deepEqual(r.etc, {});
  assert.deepEqual(r.tmpfiles, []);
});

test('two certificates on one service: both preflights first, both renew units wanted, groups once', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    host(
      {
        defaults: DEFAULTS,
        certs: {
          'a.example.org': { services: ['nginx', 'postfix'] },
          'b.example.org': { services: ['nginx'], group: 'web' },
          'c.example.org': { services: ['nginx'] },
        },
      },
      { postfix: { script: 'exec postfix start-fg', serviceConfig: { User: 'postfix' } } },
    ),
  );
  assert.deepEqual(r.failedAssertions, []);
  const pre = r.services.nginx!.serviceConfig.ExecStartPre as string[];
  assert.deepEqual(pre.slice(0, 3), [
    preflight('a.example.org'),
    preflight('b.example.org'),
    preflight('c.example.org'),
  ]);
  assert.equal(pre.length, 5);
  assert.deepEqual(r.services.nginx!.wants, [
    'certguard-renew-a.example.org.service',
    'certguard-renew-b.example.org.service',
    'certguard-renew-c.example.org.service',
  ]);
  assert.deepEqual(r.services.nginx!.serviceConfig.SupplementaryGroups, ['certguard', 'web']);
  assert.deepEqual(r.services.postfix!.serviceConfig.ExecStartPre, [preflight('a.example.org')]);
  assert.deepEqual(r.services.postfix!.serviceConfig.SupplementaryGroups, ['certguard']);
  assert.deepEqual(r.groups.sort(), ['certguard', 'web']);
  assert.deepEqual(Object.keys(r.timers).sort(), [
    'certguard-renew-a.example.org',
    'certguard-renew-b.example.org',
    'certguard-renew-c.example.org',
  ]);
  for (const name of Object.keys(r.timers)) {
    assert.ok(r.services[name], `timer ${name} has its service`);
  }
});

test('standalone http-01 on a low port gets CAP_NET_BIND_SERVICE, on a high port it does not', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    host({
      defaults: { ...DEFAULTS, webroot: null },
      certs: {
        low: { domain: 'low.example.org', listenHTTP: ':80' },
        high: { domain: 'high.example.org', listenHTTP: '127.0.0.1:8080' },
        v6: { domain: 'v6.example.org', listenHTTP: '[::1]:443' },
      },
    }),
  );
  assert.deepEqual(r.failedAssertions, []);
  const caps = (n: string) => r.services[`certguard-renew-${n}`]!.serviceConfig.CapabilityBoundingSet;
  const sc = (n: string) => r.services[`certguard-renew-${n}`]!.serviceConfig;
  for (const n of ['low', 'v6']) {
    assert.deepEqual(caps(n), ['CAP_NET_BIND_SERVICE'], n);
    assert.deepEqual(sc(n).AmbientCapabilities, ['CAP_NET_BIND_SERVICE'], `${n}: the user is not root`);
    assert.equal(sc(n).PrivateUsers, false, `${n}: a user namespace would hide the capability`);
  }
  assert.deepEqual(caps('high'), ['']);
  assert.deepEqual(sc('high').AmbientCapabilities, []);
  assert.deepEqual(sc('high').ReadWritePaths, ['-/var/lib/certguard-certs/high', '-/var/lib/certguard']);
});

test('credentials and EAB reach the renew unit through LoadCredential, never a command line', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    host({
      defaults: { ...DEFAULTS, eab: { kid: 'kid-1', hmacFile: '/run/secrets/eab-hmac' } },
      certs: {
        'example.org': {
          dnsHook: '/run/current-system/sw/bin/dns-hook',
          dnsPropagation: '60s',
          credentialFiles: { CLOUDFLARE_DNS_API_TOKEN_FILE: '/run/secrets/cf-token' },
          services: ['nginx'],
        },
      },
    }),
  );
  assert.deepEqual(r.failedAssertions, []);
  const sc = r.services['certguard-renew-example.org']!.serviceConfig;
  assert.deepEqual(sc.LoadCredential, [
    'CLOUDFLARE_DNS_API_TOKEN_FILE:/run/secrets/cf-token',
    'eab-hmac:/run/secrets/eab-hmac',
  ]);
  assert.deepEqual(sc.Environment, [
    `CERTGUARD_CONFIG=${UNIT_CONFIG}`,
    'CLOUDFLARE_DNS_API_TOKEN_FILE=%d/CLOUDFLARE_DNS_API_TOKEN_FILE',
  ]);
  // dns-01 writes no webroot: only the certificate and state directories are writable.
  assert.deepEqual(sc.ReadWritePaths, ['-/var/lib/certguard-certs/example.org', '-/var/lib/certguard']);
  const commands = [sc.ExecStart, ...(r.services.nginx!.serviceConfig.ExecStartPre as string[])].join('\n');
  assert.doesNotMatch(commands, /secrets/);
});

test('renewInline adds --renew-inline to the preflight; per-certificate settings override defaults', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    host({
      defaults: { ...DEFAULTS, renewInline: '30s', renewInterval: 'daily', randomizedDelay: '1h' },
      certs: {
        'example.org': { services: ['nginx'] },
        other: {
          domain: 'other.example.org',
          renewInline: null,
          renewInterval: 'hourly',
          services: ['nginx'],
        },
      },
    }),
  );
  assert.deepEqual(r.failedAssertions, []);
  const pre = r.services.nginx!.serviceConfig.ExecStartPre as string[];
  assert.equal(pre[0], preflight('example.org', ' --renew-inline=30s'));
  assert.equal(pre[1], preflight('other'));
  assert.equal(r.timers['certguard-renew-example.org']!.timerConfig.OnCalendar, 'daily');
  assert.equal(r.timers['certguard-renew-example.org']!.timerConfig.RandomizedDelaySec, '1h');
  assert.equal(r.timers['certguard-renew-other']!.timerConfig.OnCalendar, 'hourly');
});

test('a state directory outside /var/lib and a metrics file become writable paths', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    host({
      stateDirectory: '/srv/certguard-state',
      prometheusFile: '/var/lib/node-exporter/certguard.prom',
      defaults: DEFAULTS,
      certs: { 'example.org': { directory: '/srv/tls/example', group: 'nginx' } },
    }),
  );
  assert.deepEqual(r.failedAssertions, []);
  const sc = r.services['certguard-renew-example.org']!.serviceConfig;
  assert.equal(sc.StateDirectory, undefined);
  assert.deepEqual(sc.ReadWritePaths, [
    '-/srv/tls/example',
    '-/srv/certguard-state',
    '-/var/lib/acme/challenge/.well-known/acme-challenge',
    '-/var/lib/node-exporter',
  ]);
  assert.equal(sc.Group, 'nginx', 'new files get the certificate group without chown');
  assert.deepEqual(r.tmpfiles, [
    'd /srv/certguard-state 0750 certguard certguard - -',
    'Z /srv/certguard-state - certguard certguard - -',
    'd /srv/tls/example 0750 certguard nginx - -',
    'Z /srv/tls/example - certguard nginx - -',
    'd /var/lib/acme/challenge/.well-known/acme-challenge 0755 certguard certguard - -',
  ]);
});

interface OptionDoc {
  name: string;
  type: string;
  description: string | null;
  default: string | null;
  example: string | null;
}

test('every option is documented: description, type, default, and an example for text options', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const docs = evalJson<OptionDoc[]>([
    join(REPO, 'test/nix/eval-module.nix'),
    '--arg',
    'nixpkgsLib',
    lib,
    '--argstr',
    'configuration',
    '{}',
    '--argstr',
    'only',
    'docs',
  ]);
  const names = docs.map((d) => d.name);
  for (const expected of [
    'services.certguard.enable',
    'services.certguard.package',
    'services.certguard.stateDirectory',
    'services.certguard.prometheusFile',
    'services.certguard.defaults.renewInterval',
    'services.certguard.defaults.onUnusable',
    'services.certguard.certs.<name>.services',
    'services.certguard.certs.<name>.extraDomainNames',
    'services.certguard.certs.<name>.credentialFiles',
  ]) {
    assert.ok(names.includes(expected), `${expected} missing from the documentation`);
  }
  for (const d of docs) {
    assert.ok(d.description && d.description.trim().length > 20, `${d.name}: no real description`);
    assert.ok(d.type, `${d.name}: no type`);
    // Inside `eab` both fields are required once eab is set: no default by design.
    if (!/\.eab\.(kid|hmacFile)$/.test(d.name)) assert.notEqual(d.default, null, `${d.name}: no default`);
    if (/string|path/.test(d.type) && !/submodule/.test(d.type)) {
      assert.notEqual(d.example, null, `${d.name} (${d.type}): no example`);
    }
  }
  // Per-certificate options show where their default comes from.
  const email = docs.find((d) => d.name === 'services.certguard.certs.<name>.email')!;
  assert.equal(email.default, 'config.services.certguard.defaults.email');
});

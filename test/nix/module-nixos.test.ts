import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { skipLoudly } from './nix-eval.ts';
import { CERTGUARD_MODULE, evalNixos, requireNixos } from './nixos-eval.ts';

// nix/module.nix judged by NixOS's OWN systemd declarations, types and unit renderer (and NixOS's
// real security.acme beside it), read from $NIXOS_FILES; skipped loudly without them.

const HOST = {
  services: {
    certguard: {
      enable: true,
      acceptTerms: true,
      defaults: { email: 'admin@example.org', webroot: '/var/lib/acme-challenge' },
      certs: { 'example.org': { services: ['nginx'] } },
    },
  },
  systemd: {
    services: {
      nginx: {
        wantedBy: ['multi-user.target'],
        preStart: 'nginx -t',
        serviceConfig: { Type: 'forking', ExecStart: 'nginx' },
      },
    },
  },
};

/** NixOS's real security.acme on the same host, with these certificates. */
function acme(certs: object): object {
  return { acme: { acceptTerms: true, defaults: { email: 'admin@example.org' }, certs } };
}

function tempModules(
  t: { after: (f: () => void) => void },
  files: Record<string, string>,
): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'certguard-nixos-module-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return Object.fromEntries(
    Object.entries(files).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return [name, path];
    }),
  );
}

function lines(text: string, key: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

test("NixOS's own types accept the module and its renderer writes the units", (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const r = evalNixos(env, { configuration: HOST });
  assert.deepEqual(r.failedAssertions, []);
  assert.deepEqual(r.warnings, []);
  const renew = r.units['certguard-renew-example.org.service']!;
  assert.deepEqual(
    lines(renew, 'After'),
    ['network-online.target nginx.service'],
    'webroot: after the web server',
  );
  assert.deepEqual(lines(renew, 'StartLimitIntervalSec'), ['0']);
  assert.deepEqual(lines(renew, 'User'), ['certguard']);
  assert.deepEqual(lines(renew, 'CapabilityBoundingSet'), ['']);
  assert.match(
    lines(renew, 'ExecStartPost')[0]!,
    /^\+\/nix\/store\/[0-9a-f]{32}-certguard-post-renew-example\.org$/,
  );
  assert.doesNotMatch(renew, /\[Install\]/, 'not pulled in by a target: the switch never waits for it');
  const apply = r.units['certguard-apply-example.org.service']!;
  assert.deepEqual(lines(apply, 'RemainAfterExit'), ['true']);
  assert.deepEqual(lines(apply, 'WantedBy'), ['multi-user.target']);
  assert.ok(r.units['certguard-reissue-example.org.service']);
  // The nginx unit never waits for renewal.
  const nginx = r.units['nginx.service']!;
  assert.deepEqual(lines(nginx, 'Wants'), ['certguard-renew-example.org.service']);
  assert.deepEqual(lines(nginx, 'After'), []);
  assert.deepEqual(r.users.certguard, {
    group: 'certguard',
    isSystemUser: true,
    extraGroups: [],
    home: '/var/lib/certguard',
  });
});

test('the preflight comes before another module that also uses mkBefore, in either module order', (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const { 'other.nix': other } = tempModules(t, {
    'other.nix':
      '{ lib, ... }: { systemd.services.nginx.serviceConfig.ExecStartPre = lib.mkBefore [ "/run/other-module-first" ]; }',
  });
  for (const modules of [
    [CERTGUARD_MODULE, other!],
    [other!, CERTGUARD_MODULE],
  ]) {
    const r = evalNixos(env, { modules, configuration: HOST });
    const pre = lines(r.units['nginx.service']!, 'ExecStartPre');
    assert.match(pre[0]!, /certguard-preflight example\.org /, pre.join('\n'));
    assert.equal(pre[1], '/run/other-module-first');
    assert.match(pre[2]!, /unit-script-nginx-pre-start/, 'the service own preStart last');
  }
});

test('a certificate in both security.acme.certs and services.certguard.certs is one assertion naming both', (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const r = evalNixos(env, {
    withAcme: true,
    configuration: {
      ...HOST,
      security: acme({
        'example.org': { webroot: '/var/lib/acme/acme-challenge' },
        'other.org': { webroot: '/srv/w' },
      }),
    },
  });
  const both = r.failedAssertions.filter((m) => m.includes('both define'));
  assert.equal(both.length, 1, r.failedAssertions.join('\n'));
  assert.match(
    both[0]!,
    /security\.acme\.certs\."example\.org" and services\.certguard\.certs\."example\.org"/,
  );
});

test("beside security.acme certificates, a certguard directory under /var/lib/acme is refused (acme-setup's chown)", (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const withAcme = (directory: string, acmeCerts: object) =>
    evalNixos(env, {
      withAcme: true,
      configuration: {
        ...HOST,
        services: {
          certguard: {
            ...HOST.services.certguard,
            certs: { 'example.org': { services: ['nginx'], directory } },
          },
        },
        security: acme(acmeCerts),
      },
    }).failedAssertions;
  const other = { 'other.org': { webroot: '/srv/w' } };
  const refused = withAcme('/var/lib/acme/example.org', other);
  assert.equal(refused.length, 1, refused.join('\n'));
  assert.match(
    refused[0]!,
    /services\.certguard\.certs\."example\.org"\.directory = "\/var\/lib\/acme\/example\.org"/,
  );
  assert.match(refused[0]!, /acme-setup\.service/);
  assert.deepEqual(
    withAcme('/var/lib/acme/example.org', {}),
    [],
    'no security.acme certificates: no acme-setup',
  );
  assert.deepEqual(withAcme('/var/lib/certguard-certs/example.org', other), []);
});

interface Exposure {
  certguard: number;
  acme: number;
}

function exposure(file: string): number {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', file], { encoding: 'utf8' });
  const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(`${r.stdout}${r.stderr}`);
  assert.ok(m, `systemd-analyze security ${file}:\n${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

test("systemd-analyze security: certguard's renew unit is no more exposed than security.acme's", (t) => {
  const env = requireNixos(t);
  if (!env) return;
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    skipLoudly(t, 'systemd-analyze not installed');
    return;
  }
  const r = evalNixos(env, {
    withAcme: true,
    configuration: {
      ...HOST,
      security: acme({ 'other.org': { webroot: '/srv/w' } }),
    },
  });
  assert.deepEqual(r.failedAssertions, []);
  const files = tempModules(t, {
    'certguard-renew-example.org.service': r.units['certguard-renew-example.org.service']!,
    'acme-other.org.service': r.units['acme-other.org.service']!,
  });
  const e: Exposure = {
    certguard: exposure(files['certguard-renew-example.org.service']!),
    acme: exposure(files['acme-other.org.service']!),
  };
  console.log(`systemd-analyze security (offline): ${JSON.stringify(e)}`);
  assert.ok(e.certguard <= e.acme, JSON.stringify(e));
  // Measured 1.1 (docs/nix.md); the bound keeps the hardening from eroding.
  assert.ok(e.certguard <= 1.2, JSON.stringify(e));
});

test('dnsHook takes a derivation (pkgs.writeShellScript), a package with a main program, or a string', (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const { 'hooks.nix': hooks } = tempModules(t, {
    'hooks.nix': `{ pkgs, ... }: {
      services.certguard.certs.script.dnsHook = pkgs.writeShellScript "dns-hook" "exit 0";
      services.certguard.certs.bin.dnsHook = pkgs.writeShellScriptBin "dns-hook-bin" "exit 0";
      services.certguard.certs.text.dnsHook = "/run/current-system/sw/bin/hook";
    }`,
  });
  const r = evalNixos(env, {
    modules: [CERTGUARD_MODULE, hooks!],
    configuration: {
      services: { certguard: { enable: true, acceptTerms: true, defaults: { email: 'a@example.org' } } },
    },
  });
  assert.deepEqual(r.failedAssertions, []);
  const json = JSON.parse(r.etc['certguard/certguard.json']!) as {
    certs: Record<string, { dnsHook: string }>;
  };
  assert.match(json.certs.script!.dnsHook, /^\/nix\/store\/[0-9a-f]{32}-dns-hook$/);
  assert.match(json.certs.bin!.dnsHook, /^\/nix\/store\/[0-9a-f]{32}-dns-hook-bin\/bin\/dns-hook-bin$/);
  assert.equal(json.certs.text!.dnsHook, '/run/current-system/sw/bin/hook');
});

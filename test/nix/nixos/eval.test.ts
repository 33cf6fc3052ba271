import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evalNixos, evalNixosError, requireNixos } from '../nixos-eval.ts';

// The harness itself (test/nix/nixos/eval.nix + systemd-shim.nix + stub-pkgs.nix): NixOS's own
// unit types are in force, NixOS's own renderer writes the text, the real security.acme evaluates.

test('NixOS types reject what a home-made listOf str accepts: wants without a unit suffix, a bad Type', (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const bad = (svc: object) =>
    evalNixosError(env, { modules: [], configuration: { systemd: { services: { demo: svc } } } });
  assert.match(bad({ wants: ['network-online'] }), /systemd\.services\.demo\.wants/);
  assert.match(bad({ serviceConfig: { Type: 'one-shot' } }), /Type' cannot have value `one-shot'/);
  assert.match(bad({ serviceConfig: { Restart: 'sometimes' } }), /Restart' cannot have value/);
});

test('NixOS renders a service: script becomes a job script, lists become repeated lines, booleans true/false', (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const r = evalNixos(env, {
    modules: [],
    configuration: {
      systemd: {
        services: {
          demo: {
            description: 'demo',
            wants: ['network-online.target'],
            after: ['network-online.target'],
            wantedBy: ['multi-user.target'],
            script: 'echo hi',
            startLimitIntervalSec: 0,
            serviceConfig: { Type: 'oneshot', PrivateTmp: true, ReadWritePaths: ['/a', '/b'] },
          },
        },
      },
    },
  });
  const text = r.units['demo.service']!;
  assert.match(
    text,
    /^\[Unit\]\nAfter=network-online\.target\nDescription=demo\nStartLimitIntervalSec=0\nWants=network-online\.target\n/,
  );
  assert.match(text, /\nExecStart=\/nix\/store\/[0-9a-f]{32}-unit-script-demo-start\/bin\/demo-start \n/);
  assert.match(text, /\nPrivateTmp=true\nReadWritePaths=\/a\nReadWritePaths=\/b\nType=oneshot\n/);
  assert.match(text, /\n\[Install\]\nWantedBy=multi-user\.target\n$/);
});

test("NixOS's real security.acme evaluates beside the stand-ins: units, assertions, the acme user", (t) => {
  const env = requireNixos(t);
  if (!env) return;
  const r = evalNixos(env, {
    modules: [],
    withAcme: true,
    configuration: {
      security: {
        acme: { defaults: { email: 'a@example.org' }, certs: { 'a.example.org': { webroot: '/srv/w' } } },
      },
    },
  });
  assert.ok(
    r.failedAssertions.some((m) => m.includes('security.acme.acceptTerms')),
    r.failedAssertions.join('\n'),
  );
  assert.ok(r.units['acme-a.example.org.service']);
  assert.ok(r.units['acme-a.example.org.timer']);
  assert.equal(r.services['acme-a.example.org']!.serviceConfig.User, 'acme');
  assert.deepEqual(r.users.acme, {
    group: 'acme',
    isSystemUser: true,
    extraGroups: [],
    home: '/var/lib/acme',
  });
});

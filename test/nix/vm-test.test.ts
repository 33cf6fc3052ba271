import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/config-file.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { evalJson, REPO, requireEvaluator } from './nix-eval.ts';

// nix/tests/vm-test.nix cannot run here (no nixpkgs, no KVM). Its `server` node is evaluated
// instead, with the certguard module and stand-ins for the rest of NixOS, so that its certguard
// configuration is known to pass the module's assertions and produce a config the CLI accepts.

interface VmNode {
  failedAssertions: string[];
  warnings: string[];
  configJson: object;
  nginxExecStartPre: string[];
  nginxWants: string[];
  renewAfter: string[];
  renewUser: string;
  extraDomainNames: string[];
  specialisations: string[];
}

function evalNode(lib: string, specialisation = ''): VmNode {
  return evalJson<VmNode>([
    join(REPO, 'test/nix/eval-vm-node.nix'),
    '--arg',
    'nixpkgsLib',
    lib,
    '--argstr',
    'specialisation',
    specialisation,
  ]);
}

test('the VM test node: certguard configuration valid, nginx protected, parsed by the CLI', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const node = evalNode(lib);
  assert.deepEqual(node.failedAssertions, []);
  assert.deepEqual(node.warnings, []);
  assert.match(
    node.nginxExecStartPre[0]!,
    /certguard-preflight server\.test .*--renew-unit certguard-renew-server\.test\.service$/,
  );
  assert.equal(node.nginxExecStartPre.length, 2, 'then nginx -t (preStart)');
  assert.deepEqual(node.nginxWants, ['certguard-renew-server.test.service']);
  // The test orders the first renewal after its local CA; nginx itself waits for nothing.
  assert.ok(node.renewAfter.includes('pebble.service'));
  assert.deepEqual(node.specialisations, ['more-names', 'renewal-due']);
  assert.equal(node.renewUser, 'certguard');

  const config = parseConfig(JSON.stringify(node.configJson), 'vm-test');
  const s = resolveCert('server.test', [config.defaults, config.certs['server.test']!], 'vm-test');
  assert.deepEqual(s.challenge, { type: 'webroot', webroot: '/var/lib/acme/challenge' });
  assert.equal(s.server, 'https://localhost:14000/dir');
  assert.equal(s.onUnusable, 'placeholder');
  assert.deepEqual(s.reloadServices, ['nginx.service']);
  assert.deepEqual(s.renewBefore, { kind: 'fraction', fraction: 1 / 3 });
});

test('the VM test specialisation makes renewal due (for the CA-down switch scenario)', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const node = evalNode(lib, 'renewal-due');
  assert.deepEqual(node.failedAssertions, []);
  const config = parseConfig(JSON.stringify(node.configJson), 'vm-test');
  const s = resolveCert('server.test', [config.defaults, config.certs['server.test']!], 'vm-test');
  // Longer than any certificate pebble issues: every run finds renewal due.
  assert.deepEqual(s.renewBefore, { kind: 'seconds', seconds: 3650 * 86400 });
});

test('the VM test specialisation adds a name (for the reissue-at-switch scenario)', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const node = evalNode(lib, 'more-names');
  assert.deepEqual(node.failedAssertions, []);
  assert.deepEqual(node.extraDomainNames, ['www.server.test']);
});

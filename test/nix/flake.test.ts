import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { evalJson, REPO, requireEvaluator } from './nix-eval.ts';

// flake.nix's outputs, evaluated with the real nixpkgs lib and a stand-in nixpkgs input.

interface FlakeEval {
  inputs: string[];
  nixpkgsUrl: string;
  systems: string[];
  packageFile: string;
  certguardPackageFile: string;
  module: string;
  overlay: string;
  checks: string[];
  vm: { isVmTest: boolean; name: string; nodeNames: string[]; testScript: string };
  checksRegistry: { npmRegistry: string | null };
  vmPackageRegistry: { npmRegistry: string | null };
  defaultChecksRegistry: { npmRegistry: string | null };
}

test('flake outputs: package, overlay and module come from nix/, checks hold the VM test', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const f = evalJson<FlakeEval>([join(REPO, 'test/nix/eval-flake.nix'), '--arg', 'nixpkgsLib', lib]);
  assert.deepEqual(f.inputs, ['nixpkgs']);
  assert.match(f.nixpkgsUrl, /^github:NixOS\/nixpkgs\//);
  assert.deepEqual(f.systems, ['aarch64-linux', 'x86_64-linux']);
  assert.equal(f.packageFile, 'nix/package.nix');
  assert.equal(f.certguardPackageFile, 'nix/package.nix');
  assert.equal(f.overlay, 'nix/package.nix');
  assert.equal(f.module, 'nix/module.nix');
  assert.deepEqual(f.checks, ['package', 'vm']);
  assert.equal(f.vm.isVmTest, true);
  assert.deepEqual(f.vm.nodeNames, ['server']);
  // The three scenarios the VM test exists for.
  for (const scenario of [
    'first boot:',
    'CA down, certificate valid',
    'CA down, switch',
    'a switch that adds a name',
  ]) {
    assert.ok(f.vm.testScript.includes(`subtest("${scenario}`), `no subtest "${scenario}..."`);
  }
  assert.match(f.vm.testScript, /switch-to-configuration test/);
  assert.match(f.vm.testScript, /ExecMainStatus --value certguard-renew-server\.test\.service \| grep -x 75/);
  assert.match(f.vm.testScript, /User --value certguard-renew-server\.test\.service \| grep -x certguard/);
  // npmRegistry, the package's one setting, reaches the checks (the default leaves it unset, so
  // building stops with the message saying what to set).
  assert.deepEqual(f.checksRegistry, { npmRegistry: 'https://npm-registry.test' });
  assert.deepEqual(f.vmPackageRegistry, { npmRegistry: 'https://npm-registry.test' });
  assert.deepEqual(f.defaultChecksRegistry, { npmRegistry: null });
});

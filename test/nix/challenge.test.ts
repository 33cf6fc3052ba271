import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/config-file.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { evalModule, failedAssertions, requireEvaluator } from './nix-eval.ts';

// nix/module/challenge.nix with the rfc2136 and listenTLSALPN options: what the module writes is
// what the CLI's real parser resolves, the TSIG secret reaches the renew unit only through
// LoadCredential, and mistakes are assertions naming the option.

const DEFAULTS = { email: 'admin@example.org', server: 'https://ca.test/dir', webroot: '/srv/www' };
const CERT = 'services.certguard.certs."example.org"';
const RFC2136 = {
  server: '192.0.2.53',
  zone: 'example.org',
  keyName: 'certguard',
  algorithm: 'hmac-sha512',
  secretFile: '/run/secrets/tsig',
};

function config(certs: object): object {
  return {
    services: { certguard: { enable: true, acceptTerms: true, defaults: DEFAULTS, certs } },
    systemd: { services: {} },
  };
}

test('rfc2136: JSON config resolved by the CLI, secret by credential name, LoadCredential in the unit', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    config({ 'example.org': { extraDomainNames: ['*.example.org'], rfc2136: RFC2136 } }),
  );
  assert.deepEqual(r.failedAssertions, []);
  const parsed = parseConfig(r.etc['certguard/certguard.json']!, 'generated');
  const s = resolveCert('example.org', [parsed.defaults, parsed.certs['example.org']!], 'generated');
  // The certificate's rfc2136 replaces the webroot of `defaults`.
  assert.deepEqual(s.challenge, {
    type: 'rfc2136',
    server: '192.0.2.53',
    port: 53,
    zone: 'example.org',
    keyName: 'certguard',
    algorithm: 'hmac-sha512',
    secretFile: 'rfc2136-tsig',
    propagationTimeoutSeconds: 120,
  });
  const sc = r.services['certguard-renew-example.org']!.serviceConfig;
  assert.deepEqual(sc.LoadCredential, ['rfc2136-tsig:/run/secrets/tsig']);
  assert.ok(!JSON.stringify(r.etc).includes('/run/secrets/tsig'), 'the secret path stays out of the config');
  assert.ok(!String(sc.ExecStart).includes('tsig'));
});

test('listenTLSALPN: tlsAlpnListen in the JSON, CAP_NET_BIND_SERVICE for port 443 only', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    config({
      'example.org': { listenTLSALPN: ':443' },
      high: { domain: 'high.example.org', listenTLSALPN: '127.0.0.1:8443' },
      bare: { domain: 'bare.example.org', listenTLSALPN: '[::]' },
    }),
  );
  assert.deepEqual(r.failedAssertions, []);
  const parsed = parseConfig(r.etc['certguard/certguard.json']!, 'generated');
  const s = resolveCert('example.org', [parsed.certs['example.org']!], 'generated');
  assert.deepEqual(s.challenge, { type: 'tls-alpn', listen: ':443' });
  const caps = (n: string) => {
    const sc = r.services[`certguard-renew-${n}`]!.serviceConfig;
    return [sc.CapabilityBoundingSet, sc.AmbientCapabilities];
  };
  const bind = [['CAP_NET_BIND_SERVICE'], ['CAP_NET_BIND_SERVICE']];
  assert.deepEqual(caps('example.org'), bind);
  assert.deepEqual(caps('high'), [[''], []]);
  // An address alone means port 443, as for the CLI.
  assert.deepEqual(caps('bare'), bind);
  const bare = resolveCert('bare', [parsed.certs.bare!], 'generated');
  assert.deepEqual(bare.challenge, { type: 'tls-alpn', listen: '[::]:443' });
});

test('assertions: zone, wildcard with tls-alpn-01, malformed listenTLSALPN, two challenges', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const one = (certs: object) => {
    const m = failedAssertions(lib, config(certs));
    assert.equal(m.length, 1, m.join('\n'));
    return m[0]!;
  };
  assert.match(
    one({ 'example.org': { extraDomainNames: ['other.net'], rfc2136: RFC2136 } }),
    /certs\."example\.org"\.rfc2136\.zone = "example\.org": "other\.net" not inside the zone/,
  );
  assert.ok(
    one({ 'example.org': { extraDomainNames: ['*.example.org'], listenTLSALPN: ':443' } }).includes(
      `set ${CERT}.rfc2136 or ${CERT}.dnsHook`,
    ),
  );
  assert.match(
    one({ 'example.org': { listenTLSALPN: '443' } }),
    /listenTLSALPN = "443": expected \[ADDRESS\]:PORT/,
  );
  assert.match(
    one({ 'example.org': { listenTLSALPN: ':443', rfc2136: RFC2136 } }),
    /choose one challenge, not listenTLSALPN and rfc2136/,
  );
  const w = evalModule(lib, config({ 'example.org': { rfc2136: RFC2136, renewInline: '30s' } })).warnings;
  assert.equal(w.length, 1);
  assert.match(w[0]!, /does not receive the rfc2136 TSIG secret/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evalModule, failedAssertions, requireEvaluator } from './nix-eval.ts';

// nix/module/assertions.nix and the option types: a wrong configuration is rejected at evaluation
// (nixos-rebuild) with a message that names the option to fix.

const GOOD_DEFAULTS = { email: 'admin@example.org', server: 'https://ca.test/dir', webroot: '/srv/www' };
const SERVICES = { nginx: { serviceConfig: { ExecStart: 'nginx' } } };

function config(
  certguard: { defaults?: object; certs?: object; acceptTerms?: boolean },
  services: object = SERVICES,
): object {
  return {
    services: { certguard: { enable: true, acceptTerms: true, defaults: GOOD_DEFAULTS, ...certguard } },
    systemd: { services },
  };
}

const CERT = 'services.certguard.certs."example.org"';

/** Exactly one assertion fails, and its message names every given option. */
function expectOne(messages: string[], ...mentions: (string | RegExp)[]): void {
  assert.equal(messages.length, 1, `expected one failed assertion, got:\n${messages.join('\n')}`);
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(messages[0]!.includes(m), `"${messages[0]}" does not mention ${m}`);
    else assert.match(messages[0]!, m);
  }
}

test('a correct configuration fails no assertion and warns nothing', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(lib, config({ certs: { 'example.org': { services: ['nginx'] } } }));
  assert.deepEqual(r.failedAssertions, []);
  assert.deepEqual(r.warnings, []);
});

test('email or server missing: one assertion for the host, naming every certificate and the option', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const three = { 'example.org': {}, 'b.example.org': {}, 'c.example.org': { email: 'c@example.org' } };
  expectOne(
    failedAssertions(lib, config({ defaults: { ...GOOD_DEFAULTS, email: null }, certs: three })),
    'No contact address for "b.example.org", "example.org": set services.certguard.defaults.email',
  );
  expectOne(
    failedAssertions(
      lib,
      config({ defaults: { ...GOOD_DEFAULTS, email: null, server: null }, certs: three }),
    ),
    'No contact address for "b.example.org", "example.org"',
    'No ACME server for "b.example.org", "c.example.org", "example.org": set services.certguard.defaults.server',
  );
  // Set on the certificate itself is as good as in defaults.
  assert.deepEqual(
    failedAssertions(
      lib,
      config({
        defaults: { webroot: '/srv/www' },
        certs: { 'example.org': { email: 'a@example.org', server: 'https://ca.test/dir' } },
      }),
    ),
    [],
  );
});

test("server defaults to Let's Encrypt production; acceptTerms is required, as in security.acme", (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    config({ defaults: { email: 'a@example.org', webroot: '/srv/www' }, certs: { 'example.org': {} } }),
  );
  assert.deepEqual(r.failedAssertions, []);
  const json = JSON.parse(r.etc['certguard/certguard.json']!) as {
    certs: Record<string, { server: string }>;
  };
  assert.equal(json.certs['example.org']!.server, 'https://acme-v02.api.letsencrypt.org/directory');
  expectOne(
    failedAssertions(lib, config({ acceptTerms: false, certs: { 'example.org': {}, other: {} } })),
    "You must accept the CA's terms of service",
    'services.certguard.acceptTerms = true',
  );
  // Nothing to accept without certificates.
  assert.deepEqual(failedAssertions(lib, config({ acceptTerms: false })), []);
});

test('no challenge, or more than one: the message names the options', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  expectOne(
    failedAssertions(
      lib,
      config({ defaults: { ...GOOD_DEFAULTS, webroot: null }, certs: { 'example.org': {} } }),
    ),
    `${CERT} has no challenge`,
    `${CERT}.webroot`,
    `${CERT}.listenHTTP`,
    `${CERT}.dnsHook`,
  );
  expectOne(
    failedAssertions(
      lib,
      config({ certs: { 'example.org': { webroot: '/srv/www', dnsHook: '/bin/hook' } } }),
    ),
    `${CERT}: choose one challenge, not webroot and dnsHook`,
  );
  // Both in defaults: the message points at defaults, where the fix is.
  expectOne(
    failedAssertions(
      lib,
      config({ defaults: { ...GOOD_DEFAULTS, listenHTTP: ':80' }, certs: { 'example.org': {} } }),
    ),
    'services.certguard.defaults: choose one challenge, not webroot and listenHTTP',
  );
  // One challenge on the certificate overrides the one in defaults: no conflict.
  assert.deepEqual(failedAssertions(lib, config({ certs: { 'example.org': { dnsHook: '/bin/hook' } } })), []);
});

test('invalid names: certificate name, domain, extraDomainNames', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  expectOne(
    failedAssertions(lib, config({ certs: { '../etc': { domain: 'example.org' } } })),
    'services.certguard.certs."../etc": invalid certificate name',
  );
  expectOne(
    failedAssertions(
      lib,
      config({
        certs: { 'example.org': { extraDomainNames: ['www.example.org', 'bad..name', '', 'a b.org'] } },
      }),
    ),
    `${CERT}.extraDomainNames`,
    '"bad..name", "", "a b.org"',
  );
  expectOne(
    failedAssertions(lib, config({ certs: { 'example.org': { domain: '-leading-dash.org' } } })),
    `${CERT}.domain`,
    '"-leading-dash.org"',
  );
  // IP addresses, wildcards with dns-01 and a trailing dot are valid names.
  assert.deepEqual(
    failedAssertions(
      lib,
      config({
        certs: {
          'example.org': {
            extraDomainNames: ['192.0.2.1', '2001:db8::1', '*.example.org', 'fqdn.example.org.'],
            dnsHook: '/bin/hook',
          },
        },
      }),
    ),
    [],
  );
});

test('a wildcard needs dns-01', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  expectOne(
    failedAssertions(lib, config({ certs: { 'example.org': { extraDomainNames: ['*.example.org'] } } })),
    '"*.example.org"',
    `${CERT}.dnsHook`,
  );
});

test('protected services must exist in systemd.services, named without .service', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  expectOne(
    failedAssertions(lib, config({ certs: { 'example.org': { services: ['nginx', 'ngnix'] } } })),
    `${CERT}.services: "ngnix" is not a service defined in systemd.services`,
  );
  expectOne(
    failedAssertions(lib, config({ certs: { 'example.org': { services: ['nginx.service'] } } })),
    `${CERT}.services: write systemd.services attribute names without ".service": "nginx"`,
  );
  // The service of a disabled module (its definition under a false mkIf) does not exist.
  expectOne(
    failedAssertions(
      lib,
      config(
        { certs: { 'example.org': { services: ['nginx'] } } },
        {
          _type: 'if',
          condition: false,
          content: SERVICES,
        },
      ),
    ),
    `${CERT}.services: "nginx" is not a service defined in systemd.services`,
  );
  // Defined by another module, but only behind an inner mkIf false: reported, not stubbed with a
  // unit that would run nothing but the preflight.
  expectOne(
    failedAssertions(
      lib,
      config(
        { certs: { 'example.org': { services: ['nginx'] } } },
        { nginx: { _type: 'if', condition: false, content: SERVICES.nginx } },
      ),
    ),
    `${CERT}.services: "nginx" is not a service defined in systemd.services with an ExecStart`,
  );
  // A service that some other module defines counts, however it is defined (script, preStart...).
  assert.deepEqual(
    failedAssertions(
      lib,
      config(
        { certs: { 'example.org': { services: ['nginx', 'worker'] } } },
        { ...SERVICES, worker: { script: 'run' } },
      ),
    ),
    [],
  );
});

test('malformed listenHTTP, renewBefore fraction and credential names', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  expectOne(
    failedAssertions(lib, config({ certs: { 'example.org': { listenHTTP: '80' } } })),
    `${CERT}.listenHTTP = "80": expected [ADDRESS]:PORT`,
  );
  expectOne(
    failedAssertions(lib, config({ certs: { 'example.org': { listenHTTP: ':99999' } } })),
    `${CERT}.listenHTTP = ":99999"`,
  );
  expectOne(
    failedAssertions(lib, config({ certs: { 'example.org': { renewBefore: '3/2' } } })),
    `${CERT}.renewBefore = "3/2": a fraction of the lifetime must be between 0 and 1`,
  );
  expectOne(
    failedAssertions(
      lib,
      config({
        certs: {
          'example.org': { dnsHook: '/bin/hook', credentialFiles: { 'CF-TOKEN': '/run/secrets/cf' } },
        },
      }),
    ),
    `${CERT}.credentialFiles: "CF-TOKEN"`,
  );
});

test('wrong types are rejected by Nix with the option path', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const rejects = (cfg: object, ...mentions: RegExp[]) => {
    assert.throws(
      () => evalModule(lib, cfg),
      (err: Error) => {
        for (const m of mentions) assert.match(err.message, m);
        return true;
      },
    );
  };
  rejects(
    config({ certs: { 'example.org': { keyType: 'ed25519' } } }),
    /services\.certguard\.certs\."example\.org"\.keyType/,
    /"ec256"/,
  );
  rejects(
    config({ defaults: { ...GOOD_DEFAULTS, onUnusable: 'ignore' }, certs: { 'example.org': {} } }),
    /services\.certguard\.defaults\.onUnusable/,
  );
  rejects(
    config({ certs: { 'example.org': { minValidity: '30 days' } } }),
    /services\.certguard\.certs\."example\.org"\.minValidity/,
  );
  // A bare number for a validity period would mean seconds to the CLI, which refuses it: so does Nix.
  rejects(
    config({ certs: { 'example.org': { renewBefore: 30 } } }),
    /services\.certguard\.certs\."example\.org"\.renewBefore/,
  );
  rejects(
    config({ certs: { 'example.org': { minValidity: '30' } } }),
    /services\.certguard\.certs\."example\.org"\.minValidity/,
  );
  // A secret must be a path string outside the store: relative strings (and Nix path literals,
  // which would copy the secret into the world-readable store) are not accepted.
  rejects(
    config({ certs: { 'example.org': { eab: { kid: 'k', hmacFile: 'secrets/eab' } } } }),
    /services\.certguard\.certs\."example\.org"\.eab\.hmacFile/,
  );
});

test('warning: inline renewal cannot use the dns hook credentials', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = evalModule(
    lib,
    config({
      certs: {
        'example.org': {
          dnsHook: '/bin/hook',
          credentialFiles: { TOKEN_FILE: '/run/secrets/token' },
          renewInline: '30s',
          services: ['nginx'],
        },
      },
    }),
  );
  assert.deepEqual(r.failedAssertions, []);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /services\.certguard\.certs\."example\.org"\.renewInline/);
  assert.match(r.warnings[0]!, /credentialFiles/);
});

test("the test's systemd declarations reject what NixOS does: unit names without a type, bad Type=/Restart=", (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const rejected = (svc: object) =>
    assert.throws(() => evalModule(lib, { systemd: { services: { demo: svc } } }), JSON.stringify(svc));
  rejected({ wants: ['network-online'] });
  rejected({ after: ['nginx'] });
  rejected({ serviceConfig: { Type: 'one-shot' } });
  rejected({ serviceConfig: { Restart: 'sometimes' } });
  assert.doesNotThrow(() =>
    evalModule(lib, {
      systemd: {
        services: { demo: { wants: ['network-online.target'], serviceConfig: { Type: 'oneshot' } } },
      },
    }),
  );
});

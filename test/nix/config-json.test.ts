import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/config-file.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import { makeCert, tempDir } from '../helpers/fixtures.ts';
import { evalModule, REPO, requireEvaluator } from './nix-eval.ts';

// The JSON config the module writes (nix/module/config-json.nix) read by certguard's real parser,
// and the module's exact command lines run by the real CLI against real certificate files.

const CONFIG_ETC = 'certguard/certguard.json';
const DAY = 86_400_000;

function moduleConfig(lib: string, certguard: object, services: object = {}) {
  const r = evalModule(lib, {
    services: { certguard: { enable: true, acceptTerms: true, ...certguard } },
    systemd: { services },
  });
  assert.deepEqual(r.failedAssertions, []);
  const text = r.etc[CONFIG_ETC];
  assert.equal(typeof text, 'string');
  return { r, text: text as string };
}

const NGINX = { nginx: { serviceConfig: { ExecStart: 'nginx' } }, postfix: { script: 'postfix' } };

test('every option lands in the JSON config and the real parser resolves it', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const { text } = moduleConfig(
    lib,
    {
      stateDirectory: '/var/lib/certguard',
      prometheusFile: '/var/lib/node-exporter/certguard.prom',
      defaults: {
        email: 'admin@example.org',
        server: 'https://acme.test/dir',
        caBundle: '/etc/ssl/private-ca.pem',
        eab: { kid: 'kid-1', hmacFile: '/run/secrets/eab' },
        webroot: '/var/lib/acme/challenge',
      },
      certs: {
        'example.org': {
          extraDomainNames: ['www.example.org', '*.example.org'],
          dnsHook: '/run/current-system/sw/bin/dns-hook',
          dnsPropagation: '60s',
          keyType: 'rsa2048',
          renewBefore: '30d',
          minValidity: '1d',
          reloadServices: ['postfix', 'dovecot2.service'],
          postRun: 'touch /run/renewed',
          onUnusable: 'warn',
          reuseKey: true,
          ari: false,
          group: 'web',
          services: ['nginx'],
        },
      },
    },
    NGINX,
  );
  const config = parseConfig(text, 'generated');
  assert.equal(config.stateDirectory, '/var/lib/certguard');
  assert.equal(config.prometheusFile, '/var/lib/node-exporter/certguard.prom');
  assert.deepEqual(config.defaults, {});
  assert.deepEqual(Object.keys(config.certs), ['example.org']);
  const s = resolveCert('example.org', [config.defaults, config.certs['example.org']!], 'generated');
  assert.equal(s.directory, '/var/lib/certguard-certs/example.org');
  assert.deepEqual(s.domains, ['example.org', 'www.example.org', '*.example.org']);
  // The certificate's dnsHook replaces the webroot of `defaults`: dns-01, not a conflict.
  assert.deepEqual(s.challenge, {
    type: 'dns',
    hook: '/run/current-system/sw/bin/dns-hook',
    propagationSeconds: 60,
  });
  assert.equal(s.keyType, 'rsa2048');
  assert.deepEqual(s.renewBefore, { kind: 'seconds', seconds: 30 * 86400 });
  assert.equal(s.minValiditySeconds, 86400);
  assert.equal(s.server, 'https://acme.test/dir');
  assert.equal(s.email, 'admin@example.org');
  assert.equal(s.caBundle, '/etc/ssl/private-ca.pem');
  assert.deepEqual(s.eab, { kid: 'kid-1', hmacFile: '/run/secrets/eab' });
  assert.equal(s.group, 'web');
  // Protected services first, then the extra ones, as unit names.
  assert.deepEqual(s.reloadServices, ['nginx.service', 'postfix.service', 'dovecot2.service']);
  assert.equal(s.postRun, 'touch /run/renewed');
  assert.equal(s.onUnusable, 'warn');
  assert.equal(s.reuseKey, true);
  assert.equal(s.ari, false);
});

test('defaults apply to certificates that do not override them; unset options are left out', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const { text } = moduleConfig(lib, {
    defaults: {
      email: 'a@example.org',
      server: 'https://acme.test/dir',
      webroot: '/srv/www',
      keyType: 'ec384',
    },
    certs: {
      plain: { domain: 'plain.example.org' },
      standalone: { domain: 'standalone.example.org', listenHTTP: ':8080', keyType: 'rsa4096' },
    },
  });
  const raw = JSON.parse(text) as { certs: Record<string, Record<string, unknown>> };
  assert.deepEqual(raw.certs.plain, {
    directory: '/var/lib/certguard-certs/plain',
    domains: ['plain.example.org'],
    minValidity: '0s',
    renewBefore: '1/3',
    keyType: 'ec384',
    server: 'https://acme.test/dir',
    email: 'a@example.org',
    webroot: '/srv/www',
    group: 'certguard',
    reloadServices: [],
    onUnusable: 'placeholder',
    reuseKey: false,
    ari: true,
  });
  const config = parseConfig(text, 'generated');
  const plain = resolveCert('plain', [config.defaults, config.certs.plain!], 'generated');
  const standalone = resolveCert('standalone', [config.defaults, config.certs.standalone!], 'generated');
  assert.deepEqual(plain.challenge, { type: 'webroot', webroot: '/srv/www' });
  assert.deepEqual(plain.renewBefore, { kind: 'fraction', fraction: 1 / 3 });
  assert.equal(plain.onUnusable, 'placeholder');
  assert.deepEqual(standalone.challenge, { type: 'http', listen: ':8080' });
  assert.equal(standalone.keyType, 'rsa4096');
  assert.equal(raw.certs.standalone!.webroot, undefined);
});

/** A loopback listener that counts connections: the "CA" a not-due renewal must never contact. */
async function countingListener(): Promise<{
  port: number;
  accepts: () => number;
  close: () => Promise<void>;
}> {
  let n = 0;
  const server = createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    port: address.port,
    accepts: () => n,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs a command line the module generated, with our TypeScript sources instead of the package. */
function runGenerated(command: string, configFile: string, env: Record<string, string> = {}) {
  const argv = command.replace(/^\+/, '').split(' ');
  const exe = argv.shift()!;
  const entry = exe.endsWith('/bin/certguard-preflight')
    ? 'src/cli/preflight-main.ts'
    : 'src/cli/certguard-main.ts';
  assert.ok(exe.startsWith('/nix/store/'), exe);
  // The module passes the fixed /etc paths (the renew units read their copy without hooks); point
  // them at the generated file we wrote.
  const at = argv.indexOf('--config');
  assert.ok(
    ['/etc/certguard/certguard.json', '/etc/certguard/renew-units.json'].includes(argv[at + 1]!),
    argv[at + 1],
  );
  argv[at + 1] = configFile;
  return spawnSync(process.execPath, ['--import', 'tsx', entry, ...argv], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

test("the module's preflight and renew command lines run against real certificate files", async (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const tmp = tempDir('certguard-nix-cli-');
  const ca = await countingListener();
  t.after(async () => {
    tmp.cleanup();
    await ca.close();
  });
  const now = Date.now();
  const write = async (dir: string, notBefore: number, notAfter: number) => {
    const c = await makeCert({
      sans: ['example.org', 'www.example.org'],
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
    });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'fullchain.pem'), c.certPem);
    writeFileSync(join(dir, 'key.pem'), c.keyPem, { mode: 0o600 });
  };
  const freshDir = join(tmp.dir, 'fresh');
  const dueDir = join(tmp.dir, 'due');
  await write(freshDir, now - DAY, now + 89 * DAY); // 89 of 90 days left: not due
  await write(dueDir, now - 80 * DAY, now + 10 * DAY); // 10 of 90 days left: due (1/3)

  const cert = (directory: string) => ({
    domain: 'example.org',
    extraDomainNames: ['www.example.org'],
    directory,
    onUnusable: 'fail',
    services: ['nginx'],
  });
  const { r, text } = moduleConfig(
    lib,
    {
      stateDirectory: join(tmp.dir, 'state'),
      defaults: {
        email: 'admin@example.org',
        server: `https://127.0.0.1:${ca.port}/dir`,
        webroot: join(tmp.dir, 'webroot'),
      },
      certs: { fresh: cert(freshDir), due: cert(dueDir) },
    },
    NGINX,
  );
  const configFile = join(tmp.dir, 'certguard.json');
  writeFileSync(configFile, text);

  // A stand-in systemctl that records what the preflight asks of systemd.
  const record = join(tmp.dir, 'systemctl.log');
  const systemctl = join(tmp.dir, 'systemctl');
  writeFileSync(systemctl, `#!/bin/sh\necho "$@" >> '${record}'\n`);
  chmodSync(systemctl, 0o755);
  const env = { CERTGUARD_SYSTEMCTL: systemctl };
  const recorded = () => {
    try {
      return readFileSync(record, 'utf8');
    } catch {
      return '';
    }
  };

  const pre = r.services.nginx!.serviceConfig.ExecStartPre as string[];
  assert.equal(pre.length, 2);
  const preflightOf = (name: string) => pre.find((c) => c.includes(`certguard-preflight ${name} `))!;

  const fresh = runGenerated(preflightOf('fresh'), configFile, env);
  assert.equal(fresh.status, 0, `preflight fresh: ${fresh.stdout}${fresh.stderr}`);
  assert.equal(recorded(), '', 'not due: systemd is not asked for anything');

  const due = runGenerated(preflightOf('due'), configFile, env);
  assert.equal(due.status, 0, `preflight due: ${due.stdout}${due.stderr}`);
  assert.equal(recorded().trim(), 'start --no-block certguard-renew-due.service');

  // The renew unit's ExecStart with a certificate that is not due: exit 0, the CA never contacted.
  const renewFresh = runGenerated(
    r.services['certguard-renew-fresh']!.serviceConfig.ExecStart as string,
    configFile,
    env,
  );
  assert.equal(renewFresh.status, 0, `renew fresh: ${renewFresh.stdout}${renewFresh.stderr}`);
  assert.equal(ca.accepts(), 0);

  // With the certificate gone the preflight of a `fail` certificate refuses: exit 1, not 2 (usage).
  const { rmSync } = await import('node:fs');
  rmSync(join(freshDir, 'fullchain.pem'));
  const missing = runGenerated(preflightOf('fresh'), configFile, env);
  assert.equal(missing.status, 1, `preflight missing: ${missing.stdout}${missing.stderr}`);
  assert.equal(ca.accepts(), 0);

  // The renew units' copy is the same configuration without reloads and postRun (the unprivileged
  // renew user may not reload services; the unit's `+` step does).
  const full = JSON.parse(text) as { certs: Record<string, Record<string, unknown>> };
  const unitCopy = JSON.parse(r.etc['certguard/renew-units.json']!) as typeof full;
  for (const [name, c] of Object.entries(full.certs)) {
    assert.deepEqual(c.reloadServices, ['nginx.service'], name);
    assert.deepEqual(unitCopy.certs[name], { ...c, reloadServices: [] }, name);
  }
});

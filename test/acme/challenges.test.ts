import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { obtainCertificate } from '../../src/acme/order.ts';
import { AcmeFailure } from '../../src/acme/types.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { type Pebble, startPebble } from '../helpers/pebble.ts';
import { baseRequest, pebbleSkip } from './order-setup.ts';

/** A tiny web server serving a webroot on pebble's http-01 port, as nginx would. */
async function serveWebroot(root: string, port: number): Promise<{ server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.push(path);
    const file = join(root, path);
    if (!path.includes('..') && existsSync(file)) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(readFileSync(file));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { server, hits };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function assertPair(issued: { certPem: string; keyPem: string }, names: string[]) {
  const leaf = new X509Certificate(issued.certPem);
  assert.ok(leaf.checkPrivateKey(createPrivateKey(issued.keyPem)));
  for (const n of names) assert.ok(leaf.subjectAltName?.includes(`DNS:${n}`), n);
}

/** A dns-01 hook (lego exec convention) that sets TXT records in pebble-challtestsrv. */
function writeHook(dir: string, challtestsrv: string, logFile: string): string {
  const path = join(dir, 'dns-hook.mjs');
  writeFileSync(
    path,
    `#!${process.execPath}
import { appendFileSync } from 'node:fs';
const [action, fqdn, value] = process.argv.slice(2);
if (action !== 'present' && action !== 'cleanup') process.exit(2);
const r = await fetch('${challtestsrv}/' + (action === 'present' ? 'set-txt' : 'clear-txt'), {
  method: 'POST',
  body: JSON.stringify(action === 'present' ? { host: fqdn, value } : { host: fqdn }),
});
appendFileSync(${JSON.stringify(logFile)}, action + ' ' + fqdn + ' ' + value + ' ' + r.status + '\\n');
`,
    { mode: 0o755 },
  );
  return path;
}

describe('challenges validated by pebble for real', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  let tmp: { dir: string; cleanup: () => void };
  before(async () => {
    pebble = await startPebble();
    tmp = tempDir('certguard-acme-chall-');
  });
  after(async () => {
    await pebble?.stop();
    tmp?.cleanup();
  });

  test('http-01 via webroot: token served by a web server, 0644, removed afterwards', async () => {
    const req = baseRequest(pebble, join(tmp.dir, 'webroot'), {
      domains: ['web.example.com', 'www.web.example.com'],
    });
    const webroot = (req.challenge as { webroot: string }).webroot;
    const modes: number[] = [];
    const { server, hits } = await serveWebroot(webroot, pebble.httpPort);
    const { statSync } = await import('node:fs');
    server.prependListener('request', (r) => {
      const f = join(webroot, (r.url ?? '').split('?')[0]!);
      if (existsSync(f)) modes.push(statSync(f).mode & 0o777);
    });
    try {
      const issued = await obtainCertificate(req);
      assertPair(issued, ['web.example.com', 'www.web.example.com']);
    } finally {
      await close(server);
    }
    assert.ok(
      hits.filter((h) => h.startsWith('/.well-known/acme-challenge/')).length >= 2,
      'pebble fetched tokens',
    );
    assert.ok(
      modes.length >= 2 && modes.every((m) => m === 0o644),
      `token modes ${modes.map((m) => m.toString(8))}`,
    );
    assert.deepEqual(readdirSync(webroot), [], 'tokens and the directories we created are gone');
  });

  test('http-01 standalone: listens only for the order', async () => {
    const listen = `127.0.0.1:${pebble.httpPort}`;
    const req = baseRequest(pebble, join(tmp.dir, 'standalone'), {
      domains: ['alone.example.com'],
      challenge: { type: 'http', listen },
    });
    const issued = await obtainCertificate(req);
    assertPair(issued, ['alone.example.com']);
    // The port is free again: we can bind it ourselves.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(pebble.httpPort, '127.0.0.1', () => resolve());
    });
    await close(probe);
    assert.ok(req.logged.lines.some((l) => l.includes('served token')));
  });

  test('http-01 standalone on a port already taken is local-io', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(pebble.httpPort, '127.0.0.1', () => resolve()));
    try {
      await assert.rejects(
        obtainCertificate(
          baseRequest(pebble, join(tmp.dir, 'busy'), {
            challenge: { type: 'http', listen: `127.0.0.1:${pebble.httpPort}` },
          }),
        ),
        (err: unknown) =>
          err instanceof AcmeFailure && err.failureClass === 'local-io' && /EADDRINUSE/.test(err.message),
      );
    } finally {
      await close(blocker);
    }
  });

  test('dns-01 via a hook (present/cleanup FQDN VALUE), including a wildcard', async () => {
    const dir = join(tmp.dir, 'dns');
    const logFile = join(tmp.dir, 'hook.log');
    const hook = writeHook(tmp.dir, pebble.challtestsrvManagementUrl!, logFile);
    const req = baseRequest(pebble, dir, {
      domains: ['dns.example.com', '*.dns.example.com'],
      challenge: { type: 'dns', hook, propagationSeconds: 0 },
    });
    const issued = await obtainCertificate(req);
    assertPair(issued, ['dns.example.com', '*.dns.example.com']);
    const calls = readFileSync(logFile, 'utf8').trim().split('\n');
    const presents = calls.filter((c) => c.startsWith('present '));
    const cleanups = calls.filter((c) => c.startsWith('cleanup '));
    assert.equal(presents.length, 2);
    assert.equal(cleanups.length, 2);
    for (const c of presents)
      assert.match(c, /^present _acme-challenge\.dns\.example\.com\. [A-Za-z0-9_-]{43} 200$/);
  });

  test('a failing challenge (nothing serves the token) is challenge-failed with the CA validator error', async () => {
    const req = baseRequest(pebble, join(tmp.dir, 'nobody'), { domains: ['nobody.example.com'] });
    const webroot = (req.challenge as { webroot: string }).webroot;
    await assert.rejects(obtainCertificate(req), (err: unknown) => {
      assert.ok(err instanceof AcmeFailure);
      assert.equal(err.failureClass, 'challenge-failed');
      assert.match(err.message, /authorization of nobody\.example\.com failed: http-01 connection/);
      assert.match(err.message, /refused/);
      return true;
    });
    assert.deepEqual(readdirSync(webroot), [], 'tokens removed also on failure');
  });

  test('a dns hook that is missing is local-io; one that fails is challenge-failed', async () => {
    await assert.rejects(
      obtainCertificate(
        baseRequest(pebble, join(tmp.dir, 'nohook'), {
          challenge: { type: 'dns', hook: join(tmp.dir, 'no-such-hook'), propagationSeconds: 0 },
        }),
      ),
      (err: unknown) =>
        err instanceof AcmeFailure && err.failureClass === 'local-io' && /not found/.test(err.message),
    );
    const failing = join(tmp.dir, 'failing-hook.sh');
    writeFileSync(failing, '#!/bin/sh\necho "provider API said no" >&2\nexit 3\n', { mode: 0o755 });
    await assert.rejects(
      obtainCertificate(
        baseRequest(pebble, join(tmp.dir, 'badhook'), {
          challenge: { type: 'dns', hook: failing, propagationSeconds: 0 },
        }),
      ),
      (err: unknown) => {
        assert.ok(err instanceof AcmeFailure);
        assert.equal(err.failureClass, 'challenge-failed');
        assert.match(
          err.message,
          /present _acme-challenge\.a\.example\.com\. exited with 3: provider API said no/,
        );
        return true;
      },
    );
  });

  test('a webroot that cannot be written is local-io', async () => {
    const notADir = join(tmp.dir, 'plain-file');
    writeFileSync(notADir, 'x');
    await assert.rejects(
      obtainCertificate(
        baseRequest(pebble, join(tmp.dir, 'badroot'), { challenge: { type: 'webroot', webroot: notADir } }),
      ),
      (err: unknown) =>
        err instanceof AcmeFailure &&
        err.failureClass === 'local-io' &&
        /webroot .* ENOTDIR/.test(err.message),
    );
  });
});

describe('configurations that can never work fail before any connection', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  let proxy: FaultProxy;
  let tmp: { dir: string; cleanup: () => void };
  before(async () => {
    pebble = await startPebble({ challtestsrv: false, alwaysValid: true });
    proxy = await startFaultProxy(pebble, 'pass');
    tmp = tempDir('certguard-acme-never-');
  });
  after(async () => {
    await proxy?.close();
    await pebble?.stop();
    tmp?.cleanup();
  });

  test('a wildcard name with http-01 is challenge-failed, naming dns-01, with no connection', async () => {
    await assert.rejects(
      obtainCertificate(
        baseRequest(pebble, tmp.dir, { server: proxy.directoryUrl, domains: ['*.example.com'] }),
      ),
      (err: unknown) =>
        err instanceof AcmeFailure && err.failureClass === 'challenge-failed' && /dns-01/.test(err.message),
    );
    assert.equal(proxy.acceptCount, 0);
  });

  test('a key to reuse of an unsupported type is local-io, with no connection', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await assert.rejects(
      obtainCertificate(baseRequest(pebble, tmp.dir, { server: proxy.directoryUrl, reuseKeyPem: ed })),
      (err: unknown) =>
        err instanceof AcmeFailure && err.failureClass === 'local-io' && /ed25519/.test(err.message),
    );
    assert.equal(proxy.acceptCount, 0);
  });
});

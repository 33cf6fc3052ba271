/**
 * tls-alpn-01: the certificate's shape (RFC 8737 section 3), the listener's ALPN and SNI rules, and
 * `certguard renew` validated by a real pebble connecting to the solver's port.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type PeerCertificate } from 'node:tls';
import * as x509 from '@peculiar/x509';
import {
  ACME_IDENTIFIER_OID,
  challengeCertificate,
  expandV6,
  sniName,
  TlsAlpnSolver,
} from '../../../src/acme/challenges/tls-alpn.ts';
import { tempDir } from '../../helpers/fixtures.ts';
import { freePort, type Pebble, startPebble } from '../../helpers/pebble.ts';
import { runRenew } from '../../helpers/run-renew.ts';
import { pebbleSkip } from '../order-setup.ts';

test('SNI names: DNS names as they are, IP addresses by their reverse name (RFC 8738)', () => {
  assert.equal(sniName('Example.COM.'), 'example.com');
  assert.equal(sniName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
  assert.equal(expandV6('2001:db8::1'), '20010db8000000000000000000000001');
  assert.equal(expandV6('::ffff:192.0.2.1'), '00000000000000000000ffffc0000201');
  assert.equal(
    sniName('[2001:db8::1]'),
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
  );
  assert.equal(sniName('::1'), `1${'.0'.repeat(31)}.ip6.arpa`);
});

test('the certificate: one SAN, the critical acmeIdentifier holding SHA-256(key authorization)', async () => {
  const keyAuth = 'token.thumbprint';
  const digest = createHash('sha256').update(keyAuth).digest();
  for (const [id, san] of [
    ['a.example.com', 'DNS:a.example.com'],
    ['192.0.2.7', 'IP Address:192.0.2.7'],
  ] as const) {
    const { certPem } = await challengeCertificate(id, keyAuth);
    assert.equal(new X509Certificate(certPem).subjectAltName, san);
    const ext = new x509.X509Certificate(certPem).getExtension(ACME_IDENTIFIER_OID);
    assert.ok(ext, 'acmeIdentifier present');
    assert.equal(ext.critical, true);
    // extnValue is the DER OCTET STRING of the 32-byte digest.
    assert.equal(Buffer.from(ext.value).toString('hex'), `0420${digest.toString('hex')}`);
  }
});

function handshake(
  port: number,
  servername: string,
  alpn: string[],
): Promise<{ cert: PeerCertificate; protocol: string | false | null }> {
  return new Promise((resolve, reject) => {
    const s = connect(
      { host: '127.0.0.1', port, servername, ALPNProtocols: alpn, rejectUnauthorized: false },
      () => {
        const out = { cert: s.getPeerCertificate(), protocol: s.alpnProtocol };
        s.destroy();
        resolve(out);
      },
    );
    s.once('error', reject);
  });
}

test('the listener: acme-tls/1 only, a certificate only for names being validated, gone after cleanup', async () => {
  const port = await freePort();
  const lines: string[] = [];
  const solver = new TlsAlpnSolver(`127.0.0.1:${port}`, {
    signal: new AbortController().signal,
    deadlineMs: Date.now() + 30_000,
    log: (level, text) => lines.push(`${level}: ${text}`),
  });
  await solver.start();
  try {
    const task = { domain: 'alpn.example.com', token: 't', value: 't.thumb' };
    await solver.present(task);
    const ok = await handshake(port, 'ALPN.example.com', ['acme-tls/1']);
    assert.equal(ok.protocol, 'acme-tls/1');
    assert.equal(ok.cert.subjectaltname, 'DNS:alpn.example.com');
    await assert.rejects(handshake(port, 'other.example.com', ['acme-tls/1']));
    await assert.rejects(handshake(port, 'alpn.example.com', ['http/1.1']));
    await solver.cleanup(task);
    await assert.rejects(handshake(port, 'alpn.example.com', ['acme-tls/1']));
    // An IP identifier (RFC 8738): the CA sends the reverse name as SNI, the SAN is the address.
    const ip = { domain: '::1', token: 't6', value: 't6.thumb' };
    await solver.present(ip);
    const v6 = await handshake(port, `1${'.0'.repeat(31)}.ip6.arpa`, ['acme-tls/1']);
    assert.equal(v6.cert.subjectaltname, 'IP Address:0:0:0:0:0:0:0:1');
    await solver.cleanup(ip);
  } finally {
    await solver.stop();
  }
  await assert.rejects(handshake(port, 'alpn.example.com', ['acme-tls/1']), /ECONNREFUSED/);
});

test('a port already in use is a one-line local failure', async () => {
  const port = await freePort();
  const ctx = { signal: new AbortController().signal, deadlineMs: Date.now() + 5000, log: () => {} };
  const first = new TlsAlpnSolver(`127.0.0.1:${port}`, ctx);
  await first.start();
  try {
    await assert.rejects(
      new TlsAlpnSolver(`127.0.0.1:${port}`, ctx).start(),
      /cannot listen on 127\.0\.0\.1:\d+ for tls-alpn-01: EADDRINUSE/,
    );
  } finally {
    await first.stop();
  }
});

describe('certguard renew --tls-alpn-listen, validated by pebble', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  let tmp: { dir: string; cleanup: () => void };
  before(async () => {
    pebble = await startPebble();
    tmp = tempDir('certguard-tls-alpn-');
  });
  after(async () => {
    await pebble?.stop();
    tmp?.cleanup();
  });

  const args = (name: string, listen: string, extra: string[] = []) => [
    '--directory',
    join(tmp.dir, name),
    '--domain',
    `${name}.example.com`,
    '--domain',
    `www.${name}.example.com`,
    '--server',
    pebble.directoryUrl,
    '--ca-bundle',
    pebble.caBundlePath,
    '--email',
    'admin@example.com',
    '--state-dir',
    join(tmp.dir, 'state'),
    '--tls-alpn-listen',
    listen,
    ...extra,
  ];

  test('issues a two-name certificate; nothing listens afterwards', async () => {
    const r = await runRenew(args('alpn', `127.0.0.1:${pebble.tlsPort}`));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /tls-alpn-01 validated/);
    const leaf = new X509Certificate(readFileSync(join(tmp.dir, 'alpn', 'cert.pem')));
    assert.match(leaf.subjectAltName ?? '', /DNS:www\.alpn\.example\.com/);
    await assert.rejects(handshake(pebble.tlsPort, 'alpn.example.com', ['acme-tls/1']), /ECONNREFUSED/);
  });

  test('an IP certificate (RFC 8738): pebble asks for the reverse name, the SAN is the address', async () => {
    const a = args('ip', `127.0.0.1:${pebble.tlsPort}`);
    const i = a.indexOf('--domain');
    const r = await runRenew([...a.slice(0, i), '--domain', '127.0.0.1', ...a.slice(i + 4)]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /127\.0\.0\.1: tls-alpn-01 validated/);
    const leaf = new X509Certificate(readFileSync(join(tmp.dir, 'ip', 'cert.pem')));
    assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  });

  test('nothing on the port the CA connects to: the CA says so, exit 1', async () => {
    const elsewhere = await freePort();
    const r = await runRenew(args('miss', `127.0.0.1:${elsewhere}`));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /tls-alpn-01/);
  });

  test('bad listen addresses and wildcards exit 2 with one line', async () => {
    for (const [a, re] of [
      [args('cfg', '127.0.0.1 '), /--tls-alpn-listen: expected ADDR:PORT/],
      [args('cfg', '127.0.0.1:70000'), /--tls-alpn-listen: expected ADDR:PORT/],
      [[...args('cfg', ':443'), '--domain', '*.cfg.example.com'], /wildcard names need the dns-01 challenge/],
    ] as const) {
      const r = await runRenew([...a]);
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, re);
      assert.equal(r.out.trim().split('\n').length, 1, r.out);
    }
  });
});

/**
 * IP identifiers (RFC 8738): mapping, CSR subject, and real http-01 validation by pebble's VA for
 * 127.0.0.1 and ::1 (pebble fetches the token from the address itself, no DNS involved).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkIdentifierChallenge, csrSubject, identifiersFor } from '../../src/acme/identifiers.ts';
import { obtainCertificate } from '../../src/acme/order.ts';
import { inspectCertificate } from '../../src/check/inspect.ts';
import { UsageError } from '../../src/exit-codes.ts';
import { renewCertificate } from '../../src/renew/renew.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { type Pebble, startPebble } from '../helpers/pebble.ts';
import { globalFor, pebbleSettings } from '../renew/support.ts';
import { baseRequest, pebbleSkip } from './order-setup.ts';

describe('identifiersFor / csrSubject', () => {
  test('IPv4 and IPv6 literals are ip identifiers, in canonical form; the rest dns', () => {
    assert.deepEqual(
      identifiersFor(['Example.COM.', '127.0.0.1', '[::1]', '2001:DB8:0:0:0:0:0:1', '*.a.example']),
      [
        { type: 'dns', value: 'example.com' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
        { type: 'ip', value: '2001:db8::1' },
        { type: 'dns', value: '*.a.example' },
      ],
    );
  });
  test('the CN is the first DNS name that fits; an IP-only certificate has none', () => {
    assert.deepEqual(csrSubject(identifiersFor(['192.0.2.1', 'b.example'])), {
      commonName: 'b.example',
      altNames: ['192.0.2.1', 'b.example'],
    });
    assert.deepEqual(csrSubject(identifiersFor(['192.0.2.1', '::1'])), { altNames: ['192.0.2.1', '::1'] });
    const long = `${'a'.repeat(60)}.example`;
    assert.deepEqual(csrSubject(identifiersFor([long])), { altNames: [long] });
  });
  test('dns-01 with an IP address is a usage error naming it; http-01 is fine', () => {
    const ids = identifiersFor(['a.example', '192.0.2.7']);
    checkIdentifierChallenge(ids, 'http-01');
    checkIdentifierChallenge(identifiersFor(['a.example']), 'dns-01');
    assert.throws(
      () => checkIdentifierChallenge(ids, 'dns-01'),
      (e: unknown) =>
        e instanceof UsageError &&
        /^IP addresses \(192\.0\.2\.7\) cannot be validated with dns-01/.test(e.message),
    );
  });
});

describe('IP certificates from pebble with real http-01 validation', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  const tmp = tempDir('certguard-ip-');
  before(async () => {
    pebble = await startPebble();
  });
  after(async () => {
    await pebble?.stop();
    tmp.cleanup();
  });

  for (const [ip, listen] of [
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '[::1]'],
  ] as const) {
    test(`${ip}: an ip identifier, validated over http-01, an IP SAN the preflight accepts`, async () => {
      const name = ip === '::1' ? 'ip6' : 'ip4';
      const settings = pebbleSettings(
        pebble,
        tmp.dir,
        { domains: [ip], httpListen: `${listen}:${pebble.httpPort}` },
        name,
      );
      const lines: string[] = [];
      const o = await renewCertificate(settings, globalFor(tmp.dir), {
        force: false,
        ari: false,
        log: (level, text) => lines.push(`${level}: ${text}`),
      });
      assert.equal(o.action, 'renewed', lines.join('\n'));
      assert.ok(
        lines.some((l) => l.includes(`${ip}: http-01 validated`)),
        lines.join('\n'),
      );
      const verdict = inspectCertificate(settings, new Date());
      assert.equal(verdict.usable, true, JSON.stringify(verdict.reasons));
      assert.deepEqual(verdict.domains, [ip]);
      assert.equal(verdict.reasons.length, 0);
      // And the preflight notices an IP the certificate does not carry.
      const other = inspectCertificate(
        { ...settings, domains: [ip === '::1' ? '::2' : '127.0.0.2'] },
        new Date(),
      );
      assert.deepEqual(
        other.reasons.map((r) => r.code),
        ['name-not-covered'],
      );
    });
  }

  test('a DNS name and an IP together: one certificate, DNS and IP SANs', async () => {
    const req = baseRequest(pebble, join(tmp.dir, 'mixed'), {
      domains: ['mixed.example.com', '127.0.0.1'],
      challenge: { type: 'http', listen: `127.0.0.1:${pebble.httpPort}` },
    });
    const issued = await obtainCertificate(req);
    const leaf = new X509Certificate(issued.certPem);
    assert.match(leaf.subjectAltName ?? '', /DNS:mixed\.example\.com/);
    assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  });

  test('dns-01 for an IP fails as a usage error before any network traffic', async () => {
    const req = baseRequest(pebble, join(tmp.dir, 'dns'), {
      server: 'https://127.0.0.1:1/dir',
      domains: ['127.0.0.1'],
      challenge: { type: 'dns', hook: '/bin/true', propagationSeconds: 0 },
    });
    await assert.rejects(
      obtainCertificate(req),
      (e: unknown) => e instanceof UsageError && /cannot be validated with dns-01/.test(e.message),
    );
    assert.deepEqual(req.logged.lines, []);
  });
});

import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { ariCertId, clampRetryAfter, fetchRenewalInfo, pickRenewalTime } from '../../src/acme/ari.ts';
import { AcmeFailure } from '../../src/acme/types.ts';
import { type AriFront, startAriFront } from '../helpers/ari-front.ts';
import { makeCert } from '../helpers/fixtures.ts';
import { freePort, type Pebble, startPebble } from '../helpers/pebble.ts';
import { pebbleSkip } from './order-setup.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** A certificate with a chosen AKI keyIdentifier and serial (hex), signed by a throwaway key. */
async function certWith(akiHex: string | undefined, serialHex: string): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject: 'CN=ari.example.com',
    issuer: 'CN=ari test issuer',
    notBefore: new Date(Date.now() - 86400_000),
    notAfter: new Date(Date.now() + 86400_000),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: akiHex ? [new x509.AuthorityKeyIdentifierExtension(akiHex)] : [],
  });
  return cert.toString('pem');
}

describe('ariCertId (RFC 9773 section 4.1)', () => {
  test('reproduces the example of the RFC', async () => {
    // RFC 9773 appendix: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
    // serial 0x87654321 (DER 00 87 65 43 21: the leading zero is kept).
    const pem = await certWith('69885b6b87464041e1b37b847ba0ae2cde01c8d4', '0087654321');
    assert.equal(ariCertId(pem), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  test('uses the serial DER bytes as they are (no leading zero when the high bit is clear)', async () => {
    const pem = await certWith('0102030405', '7f01');
    assert.equal(ariCertId(pem), `${Buffer.from('0102030405', 'hex').toString('base64url')}.fwE`);
  });

  test('a certificate issued by a CA (AKI from the issuer) works; without AKI there is no certID', async () => {
    const root = await makeCert({ isCa: true, cn: 'root' });
    const leaf = await makeCert({ issuer: root });
    const id = ariCertId(leaf.certPem);
    assert.ok(id);
    assert.match(id, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.equal(ariCertId(await certWith(undefined, '01')), undefined);
    assert.equal(ariCertId('not a pem'), undefined);
    assert.equal(ariCertId('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), undefined);
  });
});

describe('pickRenewalTime', () => {
  const start = new Date('2030-01-01T00:00:00Z');
  const end = new Date('2030-01-02T00:00:00Z');
  test('is uniform over [start, end)', () => {
    assert.equal(pickRenewalTime(start, end, () => 0).getTime(), start.getTime());
    assert.equal(pickRenewalTime(start, end, () => 0.5).toISOString(), '2030-01-01T12:00:00.000Z');
    const last = pickRenewalTime(start, end, () => 0.9999999999999);
    assert.ok(last.getTime() < end.getTime() && last.getTime() > start.getTime());
    for (let i = 0; i < 200; i++) {
      const t = pickRenewalTime(start, end).getTime();
      assert.ok(t >= start.getTime() && t < end.getTime());
    }
  });
});

describe('clampRetryAfter', () => {
  test('clamps to one minute .. one day, six hours when absent', () => {
    assert.equal(clampRetryAfter(1), 60);
    assert.equal(clampRetryAfter(600), 600);
    assert.equal(clampRetryAfter(10 * 86400), 86400);
    assert.equal(clampRetryAfter(undefined), 21600);
  });
});

describe('fetchRenewalInfo against pebble fronted by an ARI server', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  let front: AriFront;
  let certId: string;
  before(async () => {
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
    front = await startAriFront(pebble);
    const root = await makeCert({ isCa: true, cn: 'root' });
    certId = ariCertId((await makeCert({ issuer: root })).certPem)!;
  });
  after(async () => {
    await front?.close();
    await pebble?.stop();
  });

  test('returns the suggested window, explanationURL and Retry-After', async () => {
    front.answer = {
      start: '2030-05-01T00:00:00Z',
      end: '2030-05-03T00:00:00Z',
      explanationURL: 'https://ca.example/why',
      retryAfter: 7200,
    };
    const r = await fetchRenewalInfo(front.directoryUrl, certId, {
      caBundle: pebble.caBundlePath,
      timeoutMs: 5000,
    });
    assert.ok(r);
    assert.equal(r.windowStart.toISOString(), '2030-05-01T00:00:00.000Z');
    assert.equal(r.windowEnd.toISOString(), '2030-05-03T00:00:00.000Z');
    assert.equal(r.explanationURL, 'https://ca.example/why');
    assert.equal(r.retryAfterSeconds, 7200);
    assert.equal(front.renewalInfoRequests.at(-1), certId);
  });

  test('clamps Retry-After to 60..86400 seconds', async () => {
    front.answer = { start: '2030-05-01T00:00:00Z', end: '2030-05-03T00:00:00Z', retryAfter: 5 };
    const low = await fetchRenewalInfo(front.directoryUrl, certId, {
      caBundle: pebble.caBundlePath,
      timeoutMs: 5000,
    });
    assert.equal(low?.retryAfterSeconds, 60);
    front.answer = { ...front.answer, retryAfter: 30 * 86400 };
    const high = await fetchRenewalInfo(front.directoryUrl, certId, {
      caBundle: pebble.caBundlePath,
      timeoutMs: 5000,
    });
    assert.equal(high?.retryAfterSeconds, 86400);
  });

  test('an invalid window (end <= start) is a ca-error', async () => {
    front.answer = { start: '2030-05-03T00:00:00Z', end: '2030-05-03T00:00:00Z', retryAfter: 600 };
    await assert.rejects(
      fetchRenewalInfo(front.directoryUrl, certId, { caBundle: pebble.caBundlePath, timeoutMs: 5000 }),
      (err: unknown) => {
        assert.ok(err instanceof AcmeFailure);
        assert.equal(err.failureClass, 'ca-error');
        assert.match(err.message, /invalid suggestedWindow/);
        return true;
      },
    );
    front.answer = { rawBody: '{"suggestedWindow": {"start": "soon"}}' };
    await assert.rejects(
      fetchRenewalInfo(front.directoryUrl, certId, { caBundle: pebble.caBundlePath, timeoutMs: 5000 }),
      /without a readable suggestedWindow/,
    );
  });

  test('a CA without renewalInfo in its directory gives null', async () => {
    front.advertise = false;
    try {
      const r = await fetchRenewalInfo(front.directoryUrl, certId, {
        caBundle: pebble.caBundlePath,
        timeoutMs: 5000,
      });
      assert.equal(r, null);
      // pebble itself (2.4) has no ARI either
      assert.equal(
        await fetchRenewalInfo(pebble.directoryUrl, certId, {
          caBundle: pebble.caBundlePath,
          timeoutMs: 5000,
        }),
        null,
      );
    } finally {
      front.advertise = true;
    }
  });

  test('an HTTP error answer is a ca-error with the status', async () => {
    front.answer = { status: 404, retryAfter: 120 };
    await assert.rejects(
      fetchRenewalInfo(front.directoryUrl, certId, { caBundle: pebble.caBundlePath, timeoutMs: 5000 }),
      (err: unknown) => err instanceof AcmeFailure && err.httpStatus === 404 && err.retryAfterSeconds === 120,
    );
  });

  test('an untrusted server (no caBundle) is ca-unreachable with the TLS cause', async () => {
    await assert.rejects(
      fetchRenewalInfo(front.directoryUrl, certId, { timeoutMs: 5000 }),
      (err: unknown) => {
        assert.ok(err instanceof AcmeFailure);
        assert.equal(err.failureClass, 'ca-unreachable');
        assert.match(err.message, /certificate/i);
        return true;
      },
    );
  });
});

describe('fetchRenewalInfo without a server', () => {
  test('a refused connection is ca-unreachable with the real cause', async () => {
    const port = await freePort();
    const url = `https://127.0.0.1:${port}/dir`;
    await assert.rejects(fetchRenewalInfo(url, 'a.b', { timeoutMs: 3000 }), (err: unknown) => {
      assert.ok(err instanceof AcmeFailure);
      assert.equal(err.failureClass, 'ca-unreachable');
      assert.match(err.message, new RegExp(`connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });
});

/** The pure decision: warnings, renewal timing and chain rules, on generated certificates. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { PLACEHOLDER_ORGANIZATION } from '../../src/cert/placeholder-mark.ts';
import { decide, type Evidence, type Policy, renewalTime } from '../../src/cert/verdict.ts';
import { type Issued, makeCert, makeChain } from '../helpers/fixtures.ts';

const DAY = 86400_000;
const x = (i: Issued) => new X509Certificate(i.certPem);
const policy = (p: Partial<Policy> = {}): Policy => ({
  domains: [],
  minValiditySeconds: 0,
  renewBefore: { kind: 'fraction', fraction: 1 / 3 },
  ...p,
});
const evidence = (certs: Issued[], more: Partial<Evidence> = {}): Evidence => ({
  cert: { ok: true, certs: certs.map(x) },
  ...more,
});
const codes = (list: { code: string }[]) => list.map((f) => f.code);

let chain: Awaited<ReturnType<typeof makeChain>>;
before(async () => {
  chain = await makeChain();
});

describe('renewal timing', () => {
  // A 90-day certificate that began 10 days ago: 80 days left.
  async function ninetyDay(): Promise<Issued> {
    return makeCert({
      issuer: chain.intermediate,
      notBefore: new Date(Date.now() - 10 * DAY),
      notAfter: new Date(Date.now() + 80 * DAY),
    });
  }

  test('default: due when less than 1/3 of the lifetime is left', async () => {
    const leaf = await ninetyDay();
    const ev = evidence([leaf, chain.intermediate]);
    const notAfter = new Date(x(leaf).validTo).getTime();
    const early = decide('t', ev, policy(), new Date());
    assert.equal(early.renewalDue, false);
    assert.equal(early.renewAt, new Date(notAfter - 30 * DAY).toISOString());
    assert.deepEqual(codes(early.warnings), []);

    const late = decide('t', ev, policy(), new Date(notAfter - 29 * DAY));
    assert.equal(late.usable, true);
    assert.equal(late.renewalDue, true);
    assert.deepEqual(codes(late.warnings), ['renewal-due']);
  });

  test('--renew-before as a duration', async () => {
    const leaf = await ninetyDay();
    const notAfter = new Date(x(leaf).validTo).getTime();
    const p = policy({ renewBefore: { kind: 'seconds', seconds: 60 * 86400 } });
    assert.equal(decide('t', evidence([leaf, chain.intermediate]), p, new Date()).renewalDue, false);
    const p85 = policy({ renewBefore: { kind: 'seconds', seconds: 85 * 86400 } });
    assert.equal(decide('t', evidence([leaf, chain.intermediate]), p85, new Date()).renewalDue, true);
    const v = decide('t', evidence([leaf, chain.intermediate]), p, new Date(notAfter - 59 * DAY));
    assert.equal(v.renewalDue, true);
    assert.equal(v.renewAt, new Date(notAfter - 60 * DAY).toISOString());
  });

  test('--renew-before as a fraction', async () => {
    const leaf = await ninetyDay();
    const notAfter = new Date(x(leaf).validTo).getTime();
    const p = policy({ renewBefore: { kind: 'fraction', fraction: 0.9 } });
    const v = decide('t', evidence([leaf, chain.intermediate]), p, new Date());
    assert.equal(v.renewAt, new Date(notAfter - 81 * DAY).toISOString());
    assert.equal(v.renewalDue, true);
  });

  test('renewalTime: fraction and fixed', () => {
    const nb = new Date('2026-01-01T00:00:00Z');
    const na = new Date('2026-04-01T00:00:00Z'); // 90 days
    assert.equal(
      renewalTime(nb, na, { kind: 'fraction', fraction: 1 / 3 }).toISOString(),
      '2026-03-02T00:00:00.000Z',
    );
    assert.equal(
      renewalTime(nb, na, { kind: 'seconds', seconds: 86400 }).toISOString(),
      '2026-03-31T00:00:00.000Z',
    );
  });

  test('an unusable certificate is always due for renewal, without a renewal-due warning', async () => {
    const leaf = await makeCert({ issuer: chain.intermediate, days: 5 });
    const v = decide(
      't',
      evidence([leaf, chain.intermediate]),
      policy({ minValiditySeconds: 7 * 86400 }),
      new Date(),
    );
    assert.equal(v.usable, false);
    assert.equal(v.renewalDue, true);
    assert.deepEqual(codes(v.reasons), ['expires-too-soon']);
    assert.deepEqual(codes(v.warnings), []);
  });

  test('expires-too-soon speaks in days, as a person reads it (not 7775790s against 8640000s)', async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const leaf = await makeCert({
      issuer: chain.intermediate,
      notAfter: new Date(now.getTime() + 7_775_790_000),
    });
    const v = decide(
      't',
      evidence([leaf, chain.intermediate]),
      policy({ minValiditySeconds: 8_640_000 }),
      now,
    );
    assert.deepEqual(v.reasons, [
      {
        code: 'expires-too-soon',
        message: 'expires in 89 days 23 hours, less than the minimum validity of 100 days',
      },
    ]);
    const odd = decide(
      't',
      evidence([leaf, chain.intermediate]),
      policy({ minValiditySeconds: 8_640_090 }),
      now,
    );
    assert.equal(
      odd.reasons[0]?.message,
      'expires in 89 days 23 hours, less than the minimum validity of 100 days 1 minute 30 seconds',
    );
  });

  test('boundaries: notAfter itself is expired, notBefore itself is valid', async () => {
    // Starts after the intermediate, so only the leaf's own window is under test.
    const leaf = await makeCert({ issuer: chain.intermediate, notBefore: new Date(Date.now() - DAY / 2) });
    const ev = evidence([leaf, chain.intermediate]);
    const nb = new Date(x(leaf).validFrom);
    const na = new Date(x(leaf).validTo);
    assert.deepEqual(codes(decide('t', ev, policy(), na).reasons), ['expired']);
    assert.deepEqual(codes(decide('t', ev, policy(), new Date(na.getTime() - 1000)).reasons), []);
    assert.deepEqual(codes(decide('t', ev, policy(), nb).reasons), []);
    assert.deepEqual(codes(decide('t', ev, policy(), new Date(nb.getTime() - 1000)).reasons), [
      'not-yet-valid',
    ]);
    assert.equal(decide('t', ev, policy(), na).remainingSeconds, 0);
  });
});

describe('warnings that keep the certificate usable', () => {
  test('key file readable by others (mode o+r), not for group-readable 0640', async () => {
    const key = chain.leaf.key;
    const world = decide(
      't',
      evidence([chain.leaf, chain.intermediate], { key: { ok: true, key, mode: 0o100644 } }),
      policy(),
      new Date(),
    );
    assert.equal(world.usable, true);
    assert.deepEqual(codes(world.warnings), ['key-readable-by-others']);
    const group = decide(
      't',
      evidence([chain.leaf, chain.intermediate], { key: { ok: true, key, mode: 0o100640 } }),
      policy(),
      new Date(),
    );
    assert.deepEqual(codes(group.warnings), []);
  });

  test('chain missing', () => {
    const v = decide('t', evidence([chain.leaf]), policy(), new Date());
    assert.equal(v.usable, true);
    assert.deepEqual(codes(v.warnings), ['chain-missing']);
  });

  test('self-signed (and then no chain-missing warning)', async () => {
    const self = await makeCert({ sans: ['self.example'] });
    const v = decide('t', evidence([self]), policy({ domains: ['self.example'] }), new Date());
    assert.equal(v.usable, true);
    assert.deepEqual(codes(v.warnings), ['self-signed']);
  });

  test('placeholder: flagged, due for renewal, and not reported as merely self-signed', async () => {
    const ph = await makeCert({ sans: ['ph.example'], subjectExtra: `O=${PLACEHOLDER_ORGANIZATION}` });
    const v = decide('t', evidence([ph]), policy(), new Date());
    assert.equal(v.usable, true);
    assert.equal(v.placeholder, true);
    assert.equal(v.renewalDue, true);
    assert.deepEqual(codes(v.warnings), ['renewal-due', 'placeholder']);
  });

  test('weak key (RSA 1024)', async () => {
    const weak = await makeCert({ keyType: 'rsa1024', issuer: chain.intermediate });
    const v = decide(
      't',
      evidence([weak, chain.intermediate], { key: { ok: true, key: weak.key, mode: 0o100600 } }),
      policy(),
      new Date(),
    );
    assert.equal(v.usable, true);
    assert.deepEqual(codes(v.warnings), ['weak-key']);
    assert.equal(v.keyType, 'rsa1024');
  });
});

describe('chain', () => {
  const ok = (ev: Evidence) => {
    const v = decide('t', ev, policy(), new Date());
    assert.deepEqual(v.reasons, []);
    assert.deepEqual(codes(v.warnings), []);
  };
  const broken = (ev: Evidence, message: RegExp) => {
    const v = decide('t', ev, policy(), new Date());
    assert.deepEqual(codes(v.reasons), ['chain-broken']);
    assert.match(v.reasons[0]!.message, message);
  };

  test('fullchain in --cert (leaf, intermediate, root)', () => {
    ok(evidence([chain.leaf, chain.intermediate, chain.root]));
  });

  test('separate --chain file', () => {
    ok(evidence([chain.leaf], { chain: { ok: true, certs: [x(chain.intermediate), x(chain.root)] } }));
  });

  test('duplicated issuers: fullchain.pem as --cert plus chain.pem as --chain, or twice in one file', () => {
    ok(evidence([chain.leaf, chain.intermediate], { chain: { ok: true, certs: [x(chain.intermediate)] } }));
    ok(evidence([chain.leaf, chain.intermediate, chain.intermediate, chain.root]));
  });

  test('wrong order is broken, and the message says so', () => {
    broken(evidence([chain.leaf, chain.root, chain.intermediate]), /out of order/);
  });

  test('issuer before the leaf in the certificate file (cat chain.pem cert.pem)', () => {
    broken(
      evidence([chain.intermediate, chain.leaf]),
      /starts with a CA certificate: the leaf .* must come first/,
    );
  });

  test('a CA certificate used alone as the certificate is not an ordering problem', () => {
    const v = decide('t', evidence([chain.root]), policy(), new Date());
    assert.deepEqual(v.reasons, []);
    assert.deepEqual(codes(v.warnings), ['self-signed']);
  });

  test('an issuer that is not a CA', async () => {
    const notCa = await makeCert({ cn: 'not a ca', sans: [], issuer: chain.root, freshKey: true });
    const leaf = await makeCert({ issuer: notCa });
    broken(evidence([leaf, notCa]), /not a CA certificate/);
  });

  test('an expired intermediate', async () => {
    const old = await makeCert({
      isCa: true,
      cn: 'expired intermediate',
      issuer: chain.root,
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - DAY),
      freshKey: true,
    });
    const leaf = await makeCert({ issuer: old });
    broken(evidence([leaf, old]), /expired/);
  });

  test('a bad signature: an impostor with the same name and key id but another key', async () => {
    const impostor = await makeCert({
      isCa: true,
      cn: 'certguard test intermediate',
      issuer: chain.root,
      subjectKeyIdOf: chain.intermediate,
      freshKey: true,
    });
    // Sanity: the impostor links by name and key id, so only the signature check can catch it.
    assert.equal(x(chain.leaf).checkIssued(x(impostor)), true);
    broken(evidence([chain.leaf, impostor]), /did not issue the certificate/);
  });

  test('an unrelated issuer', async () => {
    const stranger = await makeCert({ isCa: true, cn: 'stranger', freshKey: true });
    broken(evidence([chain.leaf, stranger]), /chain certificate #1 \(CN=stranger\) did not issue/);
  });
});

describe('fields', () => {
  test('documented JSON fields are all present', () => {
    const v = decide('t', evidence([chain.leaf, chain.intermediate]), policy(), new Date());
    for (const field of [
      'name',
      'usable',
      'reasons',
      'warnings',
      'notBefore',
      'notAfter',
      'remainingSeconds',
      'renewalDue',
      'renewAt',
      'domains',
      'issuer',
      'serial',
      'keyType',
      'placeholder',
      'fingerprint256',
    ]) {
      assert.ok(field in v, field);
    }
    assert.match(v.serial!, /^[0-9A-F]+$/);
    assert.equal(v.keyType, 'ec256');
  });

  test('a certificate that failed to load yields nulls, not throws', () => {
    const v = decide(
      't',
      { cert: { ok: false, problem: { code: 'missing', message: 'x does not exist' } } },
      policy(),
      new Date(),
    );
    assert.equal(v.usable, false);
    assert.equal(v.renewalDue, true);
    assert.equal(v.notAfter, null);
    assert.equal(v.remainingSeconds, null);
    assert.deepEqual(v.domains, []);
  });
});

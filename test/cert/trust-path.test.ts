/**
 * Paths to a trust anchor: a staging-like hierarchy installed against a bundle without its root
 * (the most common real mistake), anchors inside the chain, CA rules along the path.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadTrustAnchors } from '../../src/cert/trust-store.ts';
import { decide } from '../../src/cert/verdict.ts';
import { makeCert, tempDir, writeFile } from '../helpers/fixtures.ts';
import { HAVE_OPENSSL, OpensslPki, type PkiCert } from '../helpers/openssl-pki.ts';
import { codes, judge } from './pki-verdict.ts';

describe('trust anchors', { skip: !HAVE_OPENSSL && 'SKIPPED: openssl not installed' }, () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  let pki: OpensslPki;
  let prodRoot: PkiCert;
  let prodInt: PkiCert;
  let stagingRoot: PkiCert;
  let stagingInt: PkiCert;
  let bundle: string;
  before(() => {
    pki = new OpensslPki(tmp.dir);
    prodRoot = pki.root('/O=Pretend Prod/CN=Pretend Prod Root X1');
    prodInt = pki.ca('/O=Pretend Prod/CN=Pretend Prod R1', prodRoot);
    stagingRoot = pki.root('/CN=(STAGING) Doctored Durian Root X1');
    stagingInt = pki.ca('/CN=(STAGING) Pretend Pear X1', stagingRoot);
    // A bundle like the system one: other roots, and the production root, not the staging one.
    const other = pki.root('/CN=Unrelated Root');
    bundle = pki.file('bundle.pem', other, prodRoot);
  });

  test('production chain: a path to an anchor, usable', () => {
    const v = judge([pki.leaf(prodInt, ['www.example.com']), prodInt], { trust: bundle });
    assert.deepEqual(codes(v.reasons), []);
    assert.equal(v.usable, true);
  });

  test('staging certificate against a bundle without its root: untrusted, first broken link named', () => {
    const leaf = pki.leaf(stagingInt, ['www.example.com']);
    const v = judge([leaf, stagingInt], { trust: bundle });
    assert.deepEqual(codes(v.reasons), ['untrusted']);
    assert.equal(
      v.reasons[0]!.message,
      `chain certificate #1 (CN=(STAGING) Pretend Pear X1) is issued by (STAGING) Doctored Durian Root X1, which is not a trust anchor in ${bundle}`,
    );
    const alone = judge([leaf], { trust: bundle });
    assert.match(
      alone.reasons[0]!.message,
      /^the certificate is issued by \(STAGING\) Pretend Pear X1, which is not a trust anchor/,
    );
    const withRoot = judge([leaf, stagingInt, stagingRoot], { trust: bundle });
    assert.match(
      withRoot.reasons[0]!.message,
      /chain certificate #2 \(CN=\(STAGING\) Doctored Durian Root X1\) is a self-signed root that is not a trust anchor/,
    );
    // Without trust the same files are usable: links verify, as today.
    assert.equal(judge([leaf, stagingInt]).usable, true);
  });

  test('the chain ends at a self-signed root missing from the system bundle: a warning, still usable', () => {
    const leaf = pki.leaf(stagingInt, ['www.example.com']);
    const v = judge([leaf, stagingInt, stagingRoot], { rootInSystemBundle: false });
    assert.equal(v.usable, true);
    assert.deepEqual(codes(v.warnings), ['untrusted']);
    assert.match(
      v.warnings[0]!.message,
      /ends at \(STAGING\) Doctored Durian Root X1, a self-signed root that is not in the system CA bundle/,
    );
    assert.deepEqual(
      codes(judge([leaf, stagingInt, stagingRoot], { rootInSystemBundle: true }).warnings),
      [],
    );
  });

  test('an anchor may be an intermediate, or the root included in the chain', () => {
    const leaf = pki.leaf(prodInt, ['a.example.com']);
    assert.equal(judge([leaf], { trust: pki.file('int-bundle.pem', prodInt) }).usable, true);
    assert.equal(judge([leaf, prodInt, prodRoot], { trust: bundle }).usable, true);
  });

  test('pathLenConstraint: a root allowing no intermediates, an intermediate allowing none below', () => {
    const tight = pki.root('/CN=pathlen 0 root', ['basicConstraints=critical,CA:true,pathlen:0']);
    const mid = pki.ca('/CN=under pathlen 0', tight);
    const leaf = pki.leaf(mid, ['p.example.com']);
    const v = judge([leaf, mid], { trust: pki.file('tight.pem', tight) });
    assert.deepEqual(codes(v.reasons), ['untrusted']);
    assert.match(
      v.reasons[0]!.message,
      /is issued by a trust anchor, but trust anchor pathlen 0 root allows 0 CA certificates below it \(pathLenConstraint\), the chain has 1/,
    );
    // A leaf directly under it is fine.
    assert.equal(
      judge([pki.leaf(tight, ['q.example.com'])], { trust: pki.file('tight2.pem', tight) }).usable,
      true,
    );

    const limited = pki.ca('/CN=pathlen 0 int', prodRoot, ['basicConstraints=critical,CA:true,pathlen:0']);
    const sub = pki.ca('/CN=sub int', limited);
    const deep = judge([pki.leaf(sub, ['d.example.com']), sub, limited]);
    assert.deepEqual(codes(deep.reasons), ['chain-broken']);
    assert.match(
      deep.reasons[0]!.message,
      /chain certificate #2 \(CN=pathlen 0 int\) allows 0 CA certificates/,
    );
  });

  test('an issuer without keyCertSign, or not a CA, breaks the chain', () => {
    const noSign = pki.issue({
      subject: '/CN=no keyCertSign',
      issuer: prodRoot,
      ext: ['basicConstraints=critical,CA:true', 'keyUsage=critical,digitalSignature,cRLSign'],
    });
    const v = judge([pki.leaf(noSign, ['k.example.com']), noSign], { trust: bundle });
    assert.ok(codes(v.reasons).includes('chain-broken'));
    assert.match(
      v.reasons.find((r) => r.code === 'chain-broken')!.message,
      /CN=no keyCertSign\) may not sign certificates \(its key usage lacks keyCertSign\)/,
    );
    const anchorNoSign = judge([pki.leaf(noSign, ['k2.example.com'])], {
      trust: pki.file('nosign.pem', noSign),
    });
    assert.deepEqual(codes(anchorNoSign.reasons), ['untrusted']);
    assert.match(
      anchorNoSign.reasons[0]!.message,
      /^the certificate is issued by a trust anchor, but trust anchor no keyCertSign may not sign/,
    );
    const notCa = pki.issue({
      subject: '/CN=not a CA',
      issuer: prodRoot,
      ext: ['basicConstraints=critical,CA:false'],
    });
    const n = judge([pki.leaf(notCa, ['n.example.com']), notCa]);
    assert.deepEqual(codes(n.reasons), ['chain-broken']);
  });

  test('a bundle that cannot be read: untrusted with the reason, never a crash', () => {
    const leaf = pki.leaf(prodInt, ['m.example.com']);
    const missing = judge([leaf, prodInt], { trust: `${tmp.dir}/no-such-bundle.pem` });
    assert.deepEqual(codes(missing.reasons), ['untrusted']);
    assert.match(missing.reasons[0]!.message, /no-such-bundle\.pem does not exist/);
    const empty = judge([leaf, prodInt], { trust: pki.file('empty.pem') });
    assert.match(empty.reasons[0]!.message, /holds no certificate/);
  });
});

test('a certguard placeholder with trust set: usable, untrusted only as a warning', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = await makeCert({ sans: ['p.example'], subjectExtra: 'O=certguard placeholder', days: 7 });
    const other = await makeCert({ isCa: true, cn: 'some root' });
    const trust = loadTrustAnchors({ file: writeFile(dir, 'b.pem', other.certPem) });
    const v = decide(
      'p',
      { cert: { ok: true, certs: [new X509Certificate(p.certPem)] }, trust },
      { domains: ['p.example'], minValiditySeconds: 0, renewBefore: { kind: 'fraction', fraction: 1 / 3 } },
      new Date(),
    );
    assert.equal(v.usable, true);
    assert.deepEqual(codes(v.warnings), ['renewal-due', 'untrusted', 'placeholder']);
  } finally {
    cleanup();
  }
});

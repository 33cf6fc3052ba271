/** Reading trust bundles: the system one and its locations, files, and the warning's lookup. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fieldsOf } from '../../src/cert/cert-fields.ts';
import {
  anchorsNamed,
  loadTrustAnchors,
  SYSTEM_BUNDLES,
  systemBundleHolds,
  systemBundlePath,
  trustValueProblem,
} from '../../src/cert/trust-store.ts';
import { tempDir, writeFile } from '../helpers/fixtures.ts';
import { HAVE_OPENSSL, OpensslPki, type PkiCert } from '../helpers/openssl-pki.ts';

test('trust values: "system" or a path; empty and control characters refused', () => {
  assert.equal(trustValueProblem('system'), undefined);
  assert.equal(trustValueProblem('/etc/ssl/private-ca.pem'), undefined);
  assert.match(trustValueProblem('')!, /expected "system" or the path of a PEM bundle/);
  assert.match(trustValueProblem('/x\n/y')!, /"\/x\\n\/y"/);
});

test('the system bundle: $SSL_CERT_FILE first, then the usual locations (NixOS and Debian path first)', () => {
  assert.equal(SYSTEM_BUNDLES[0], '/etc/ssl/certs/ca-certificates.crt');
  const { dir, cleanup } = tempDir();
  try {
    const own = writeFile(dir, 'own.pem', 'x');
    assert.equal(systemBundlePath({ SSL_CERT_FILE: own }), own);
    const found = systemBundlePath({});
    assert.equal(
      found,
      SYSTEM_BUNDLES.find((p) => existsSync(p)),
    );
  } finally {
    cleanup();
  }
});

describe('bundles', { skip: !HAVE_OPENSSL && 'SKIPPED: openssl not installed' }, () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  let pki: OpensslPki;
  let a: PkiCert;
  let b: PkiCert;
  let outside: PkiCert;
  before(() => {
    pki = new OpensslPki(tmp.dir);
    a = pki.root('/CN=bundle a');
    b = pki.root('/CN=bundle b');
    outside = pki.root('/CN=not in bundle');
  });

  test('anchors are found by subject and parsed on demand; a file is read once per process', () => {
    const file = pki.file('ab.pem', a, b);
    const loaded = loadTrustAnchors({ file });
    assert.ok(loaded.ok);
    assert.equal(loaded.anchors.bySubject.size, 2);
    assert.equal(loaded.anchors.parsed.size, 0);
    const found = anchorsNamed(loaded.anchors, fieldsOf(new X509Certificate(b.pem)).subject);
    assert.deepEqual(
      found.map((c) => c.subject),
      ['CN=bundle b'],
    );
    assert.equal(loaded.anchors.parsed.size, 1);
    assert.equal(loadTrustAnchors({ file }), loaded);
  });

  test('"system" reads $SSL_CERT_FILE when set; a missing bundle is an untrusted finding', () => {
    const file = pki.file('sys.pem', a);
    const sys = loadTrustAnchors('system', { SSL_CERT_FILE: file });
    assert.ok(sys.ok && sys.anchors.source === file);
    const gone = loadTrustAnchors({ file: `${tmp.dir}/gone.pem` });
    assert.ok(!gone.ok);
    assert.equal(gone.problem.code, 'untrusted');
    assert.match(gone.problem.message, /^trust bundle .*gone\.pem does not exist: no path can be checked$/);
  });

  test('the warning lookup finds a root in any PEM line width, and only that root', () => {
    const file = pki.file('sys2.pem', a, b);
    const env = { SSL_CERT_FILE: file };
    assert.equal(systemBundleHolds(new X509Certificate(b.pem).raw, env), true);
    assert.equal(systemBundleHolds(new X509Certificate(outside.pem).raw, env), false);
    // 76-column lines (as some tools write) still match.
    const der = new X509Certificate(a.pem).raw.toString('base64');
    const wide = writeFile(
      tmp.dir,
      'wide.pem',
      `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,76}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`,
    );
    assert.equal(systemBundleHolds(new X509Certificate(a.pem).raw, { SSL_CERT_FILE: wide }), true);
  });
});

/** Name constraints of a CA in the chain (or the trust anchor) against the leaf's SANs. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../helpers/fixtures.ts';
import { HAVE_OPENSSL, OpensslPki, type PkiCert } from '../helpers/openssl-pki.ts';
import { codes, judge } from './pki-verdict.ts';

describe('name constraints', { skip: !HAVE_OPENSSL && 'SKIPPED: openssl not installed' }, () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  let pki: OpensslPki;
  let root: PkiCert;
  let int: PkiCert;
  before(() => {
    pki = new OpensslPki(tmp.dir);
    root = pki.root('/CN=nc root');
    int = pki.ca('/CN=nc int', root, [
      'nameConstraints=critical,permitted;DNS:corp.example,permitted;IP:10.0.0.0/255.0.0.0,excluded;DNS:secret.corp.example',
    ]);
  });
  const verdictFor = (names: string[]) => judge([pki.leaf(int, names), int]);

  test('leaves inside the permitted subtrees are usable', () => {
    for (const names of [
      ['corp.example'],
      ['www.corp.example', 'a.b.corp.example'],
      ['*.www.corp.example'],
      ['10.2.3.4'],
    ]) {
      assert.deepEqual(codes(verdictFor(names).reasons), [], names.join(','));
    }
  });

  test('a name outside the permitted subtrees: name-constraints naming the name and the CA', () => {
    const v = verdictFor(['www.corp.example', 'evil.example']);
    assert.deepEqual(codes(v.reasons), ['name-constraints']);
    assert.equal(
      v.reasons[0]!.message,
      'evil.example is outside the permitted names of chain certificate #1 (CN=nc int) (corp.example)',
    );
    // "corp.example" is a label boundary, not a string suffix.
    assert.deepEqual(codes(verdictFor(['notcorp.example']).reasons), ['name-constraints']);
    const ip = verdictFor(['192.168.1.1']);
    assert.match(
      ip.reasons[0]!.message,
      /^192\.168\.1\.1 is outside the permitted names .*10\.0\.0\.0\/255\.0\.0\.0/,
    );
  });

  test('excluded subtrees win over permitted ones, also for a wildcard that covers them', () => {
    const v = verdictFor(['db.secret.corp.example']);
    assert.deepEqual(codes(v.reasons), ['name-constraints']);
    assert.match(v.reasons[0]!.message, /is excluded by the name constraints of .*\(secret\.corp\.example\)/);
    assert.deepEqual(codes(verdictFor(['secret.corp.example']).reasons), ['name-constraints']);
    // *.corp.example would serve secret.corp.example: Chrome counts a partial wildcard match against
    // an excluded subtree as a violation.
    const wild = verdictFor(['*.corp.example', 'corp.example']);
    assert.deepEqual(codes(wild.reasons), ['name-constraints']);
    assert.match(wild.reasons[0]!.message, /^\*\.corp\.example is excluded/);
  });

  test('constraints of the trust anchor apply when trust is set', () => {
    const croot = pki.root('/CN=constrained root', ['nameConstraints=critical,permitted;DNS:.lan']);
    const cint = pki.ca('/CN=under constrained root', croot);
    const bundle = pki.file('nc-bundle.pem', croot);
    const inside = judge([pki.leaf(cint, ['a.lan']), cint], { trust: bundle });
    assert.deepEqual(codes(inside.reasons), []);
    const outside = judge([pki.leaf(cint, ['a.example']), cint], { trust: bundle });
    assert.deepEqual(codes(outside.reasons), ['name-constraints']);
    assert.match(outside.reasons[0]!.message, /trust anchor constrained root/);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitChain } from '../../src/acme/chain.ts';
import { AcmeFailure } from '../../src/acme/types.ts';
import { makeCert, makeChain } from '../helpers/fixtures.ts';

test('splits leaf and issuers (text between blocks tolerated)', async () => {
  const { root, intermediate, leaf } = await makeChain();
  const text = `${leaf.certPem}\n${intermediate.certPem}junk\r\n${root.certPem}`;
  const r = splitChain(text, leaf.keyPem);
  assert.equal(r.certPem, leaf.certPem);
  assert.equal(r.chainPem, intermediate.certPem + root.certPem);
});

test('refuses a leaf that does not belong to our key, or no certificate at all', async () => {
  const { leaf } = await makeChain();
  const other = await makeCert({ freshKey: true });
  assert.throws(
    () => splitChain(leaf.certPem, other.keyPem),
    (err: unknown) =>
      err instanceof AcmeFailure && err.failureClass === 'ca-error' && /different key/.test(err.message),
  );
  assert.throws(() => splitChain('<html>oops</html>', other.keyPem), /no certificate/);
});

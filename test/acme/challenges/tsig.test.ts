/**
 * TSIG against vectors made by Knot's own tools (kdig signed the queries, knotd signed the answers;
 * captured on loopback, the key is the test-only text "certguard tsig test vector key!!"), and
 * round trips through our signer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessage, encodeMessage } from '../../../src/acme/challenges/dns-wire.ts';
import { signMessage, type TsigKey, tsigError, verifyMessage } from '../../../src/acme/challenges/tsig.ts';

const SECRET = Buffer.from('certguard tsig test vector key!!');
const KEY256: TsigKey = { name: 'vector-key', algorithm: 'hmac-sha256', secret: SECRET };
const KEY512: TsigKey = { name: 'vector-key-512.', algorithm: 'hmac-sha512', secret: SECRET };
const hex = (s: string) => Buffer.from(s, 'hex');

/** kdig -y hmac-sha256:vector-key:... zone.test SOA +norec, and knotd's answer. */
const REQ256 = hex(
  '4ca000200001000000000001047a6f6e65047465737400000600010a766563746f722d6b65790000fa00ff0000000000' +
    '3d0b686d61632d7368613235360000006b0ea531012c00205a1d4831f7dd984a88f5b3cdf368737d8e08d4ecb2cdc493' +
    '86ecaacdef629af04ca000000000',
);
const RESP256 = hex(
  '4ca084000001000100000001047a6f6e6504746573740000060001c00c000600010000003c0027036e7331c00c0a686f' +
    '73746d6173746572c00c0000000300000e1000000258000151800000003c0a766563746f722d6b65790000fa00ff0000' +
    '0000003d0b686d61632d7368613235360000006b0ea531012c0020756b714932263bc0c7cd345b6d515d0004b6ddb882' +
    'c13a8984787f7903ab9c9f4ca000000000',
);
const REQ512 = hex(
  '861700200001000000000001047a6f6e65047465737400000600010e766563746f722d6b65792d3531320000fa00ff00' +
    '000000005d0b686d61632d7368613531320000006b0ea532012c0040865afbd6d4359c3d177fd5c25764f8265d182c39' +
    '79a39bda34a1b462d0ebf2e2d9ea832fe1dc53c8b2cdca33856f7b5d5a9e532061404e16652c56ca68be353986170000' +
    '0000',
);
const RESP512 = hex(
  '861784000001000100000001047a6f6e6504746573740000060001c00c000600010000003c0027036e7331c00c0a686f' +
    '73746d6173746572c00c0000000300000e1000000258000151800000003c0e766563746f722d6b65792d3531320000fa' +
    '00ff00000000005d0b686d61632d7368613531320000006b0ea532012c004003ecaaad26b895f31a184f5a89230afbe4' +
    '96cb2566a7e245e7aa978785d17eb0c680b61c234e1b24f1f7c760149ea60d657c896e5664baa8b5bd3fe06e84df2386' +
    '1700000000',
);
/** knotd's unsigned refusal of a key it does not know: NOTAUTH with TSIG error BADKEY. */
const BADKEY = hex(
  '17d380090001000000000001047a6f6e65047465737400000600010a766563746f722d6b65790000fa00ff0000000000' +
    '1d0b686d61632d7368613235360000006b0ea529012c000017d300110000',
);

/** Seconds since the epoch in a signed message's TSIG record (its "time signed"). */
function timeSigned(wire: Buffer): number {
  const m = decodeMessage(wire);
  const tsig = m.additional.at(-1)!;
  const algEnd = tsig.rdata.indexOf(0) + 1;
  return tsig.rdata.readUIntBE(algEnd, 6);
}

for (const [alg, key, req, resp] of [
  ['hmac-sha256', KEY256, REQ256, RESP256],
  ['hmac-sha512', KEY512, REQ512, RESP512],
] as const) {
  test(`${alg}: kdig's request and knotd's signed answer verify`, () => {
    const now = timeSigned(req);
    const r = verifyMessage(req, decodeMessage(req), key, now);
    assert.ok(r.ok, JSON.stringify(r));
    const a = verifyMessage(resp, decodeMessage(resp), key, now, r.ok ? r.mac : undefined);
    assert.ok(a.ok, JSON.stringify(a));
  });

  test(`${alg}: our signer reproduces kdig's request byte for byte`, () => {
    const m = decodeMessage(req);
    const unsigned = encodeMessage({ ...m, additional: m.additional.slice(0, -1) });
    const ours = signMessage(unsigned, key, timeSigned(req));
    assert.equal(ours.wire.toString('hex'), req.toString('hex'));
  });

  test(`${alg}: a flipped bit, another secret, another prior MAC or a late clock fail`, () => {
    const now = timeSigned(req);
    const m = decodeMessage(req);
    const priorMac = (verifyMessage(req, m, key, now) as { mac: Buffer }).mac;
    const flipped = Buffer.from(resp);
    flipped[20] = flipped[20]! ^ 1;
    assert.match(
      (verifyMessage(flipped, decodeMessage(flipped), key, now, priorMac) as { problem: string }).problem,
      /BADSIG/,
    );
    const other = { ...key, secret: Buffer.from('another secret') };
    assert.match(
      (verifyMessage(resp, decodeMessage(resp), other, now, priorMac) as { problem: string }).problem,
      /BADSIG/,
    );
    assert.match(
      (
        verifyMessage(resp, decodeMessage(resp), key, now, Buffer.alloc(priorMac.length)) as {
          problem: string;
        }
      ).problem,
      /BADSIG/,
    );
    assert.match(
      (verifyMessage(resp, decodeMessage(resp), key, now + 301, priorMac) as { problem: string }).problem,
      /BADTIME/,
    );
    const wrongName = { ...key, name: 'someone-else' };
    assert.match(
      (verifyMessage(resp, decodeMessage(resp), wrongName, now, priorMac) as { problem: string }).problem,
      /another key/,
    );
  });
}

test('a refusal carries its TSIG error; an unsigned message is reported as such', () => {
  assert.equal(tsigError(BADKEY, decodeMessage(BADKEY)), 'BADKEY');
  assert.match(
    (verifyMessage(BADKEY, decodeMessage(BADKEY), KEY256, 0) as { problem: string }).problem,
    /BADKEY/,
  );
  const plain = encodeMessage({ ...decodeMessage(REQ256), additional: [] });
  assert.deepEqual(verifyMessage(plain, decodeMessage(plain), KEY256, 0), {
    ok: false,
    problem: 'the response is not TSIG-signed',
  });
  assert.equal(tsigError(plain, decodeMessage(plain)), undefined);
});

test('sign then verify: every algorithm, and a response signed over the request MAC', () => {
  for (const algorithm of [
    'hmac-sha1',
    'hmac-sha224',
    'hmac-sha256',
    'hmac-sha384',
    'hmac-sha512',
  ] as const) {
    const key: TsigKey = { name: 'k.example.', algorithm, secret: Buffer.from('s3cret') };
    const body = encodeMessage({
      id: 4242,
      flags: 0x2800,
      questions: [{ name: 'example.', type: 6, class: 1 }],
      answers: [],
      authority: [],
      additional: [],
    });
    const req = signMessage(body, key, 1_800_000_000);
    const v = verifyMessage(req.wire, decodeMessage(req.wire), key, 1_800_000_100);
    assert.ok(v.ok, algorithm);
    const resp = signMessage(body, key, 1_800_000_001, req.mac);
    assert.ok(verifyMessage(resp.wire, decodeMessage(resp.wire), key, 1_800_000_001, req.mac).ok, algorithm);
    assert.equal(verifyMessage(resp.wire, decodeMessage(resp.wire), key, 1_800_000_001).ok, false, algorithm);
  }
});

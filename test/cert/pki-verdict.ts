/** decide() over openssl-made certificates, for the client-check, constraint and trust tests. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadTrustAnchors } from '../../src/cert/trust-store.ts';
import { decide, type Evidence, type Verdict } from '../../src/cert/verdict.ts';
import type { PkiCert } from '../helpers/openssl-pki.ts';

export function judge(
  certs: PkiCert[],
  o: { trust?: string; domains?: string[]; now?: Date; rootInSystemBundle?: boolean } = {},
): Verdict {
  const ev: Evidence = { cert: { ok: true, certs: certs.map((c) => new X509Certificate(c.pem)) } };
  if (certs[0]) {
    const key = readFileSync(certs[0].keyFile, 'latin1');
    ev.key = { ok: true, key: createKey(key), mode: 0o100600 };
  }
  if (o.trust !== undefined) ev.trust = loadTrustAnchors({ file: o.trust });
  if (o.rootInSystemBundle !== undefined) ev.rootInSystemBundle = o.rootInSystemBundle;
  const policy = {
    domains: o.domains ?? [],
    minValiditySeconds: 0,
    renewBefore: { kind: 'fraction' as const, fraction: 1 / 3 },
  };
  return decide('t', ev, policy, o.now ?? new Date());
}

import { createPrivateKey } from 'node:crypto';

function createKey(pem: string) {
  return createPrivateKey(pem);
}

export const codes = (list: { code: string }[]) => list.map((f) => f.code);

import type { X509Certificate } from 'node:crypto';
import { fieldsOf } from './cert-fields.ts';
import { chainLabel, commonName, issuedBy, issuerProblem, selfIssued, signedBy } from './chain-links.ts';
import type { Placed } from './client-checks.ts';
import { anchorsNamed, holdsCertificate, type TrustAnchors } from './trust-store.ts';

export interface TrustPath {
  /** The CA certificates from the leaf's issuer up to the anchor (as far as the path got). */
  cas: Placed[];
  /** The first broken link, or undefined when the path reaches a trust anchor. */
  problem: string | undefined;
}

/**
 * Builds the path clients build: from the leaf through the chain it was given, stopping at the
 * first certificate that is an anchor or is issued by one (the shortest path, as Go and OpenSSL
 * prefer; an expired cross-sign further up then does not matter). An anchor is matched by exact
 * subject name, then its signature; an anchor that fails its checks (expired, pathLen) lets the
 * search go on along the chain, and its problem is reported only if no other path is found.
 */
export function trustPath(
  leaf: X509Certificate,
  issuers: X509Certificate[],
  anchors: TrustAnchors,
  now: Date,
): TrustPath {
  const cas: Placed[] = [];
  let child = leaf;
  let label = 'the certificate';
  let anchorProblem: string | undefined;
  for (let i = 0; ; i++) {
    const f = fieldsOf(child);
    if (holdsCertificate(anchors, f.subject, child.raw)) return { cas, problem: undefined };
    const casBelow = cas.filter((c) => !selfIssued(c.cert)).length;
    // Names already match bytewise; the signature decides (keyCertSign is judged by issuerProblem).
    for (const anchor of anchorsNamed(anchors, f.issuer)) {
      if (!signedBy(child, anchor)) continue;
      const where = `trust anchor ${commonName(anchor.subject)}`;
      const problem = issuerProblem(anchor, where, casBelow, now, true);
      if (!problem) return { cas: [...cas, { cert: anchor, label: where }], problem: undefined };
      anchorProblem ??= `${label} is issued by a trust anchor, but ${problem}`;
    }
    const next = issuers[i];
    if (!next || !issuedBy(child, next)) break;
    cas.push({ cert: next, label: chainLabel(next, i) });
    child = next;
    label = chainLabel(next, i);
  }
  const broken = issuedBy(child, child)
    ? `${label} is a self-signed root that is not a trust anchor in ${anchors.source}`
    : `${label} is issued by ${commonName(child.issuer)}, which is not a trust anchor in ${anchors.source}`;
  return { cas, problem: anchorProblem ?? broken };
}

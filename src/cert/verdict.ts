import type { KeyObject, X509Certificate } from 'node:crypto';
import type { RenewBefore } from '../config/duration.ts';
import { humanDuration } from '../output/human-time.ts';
import { fieldsOf } from './cert-fields.ts';
import { chainLabel, checkChain, commonName, issuedBy } from './chain-links.ts';
import { clientProblems, type Placed } from './client-checks.ts';
import { keyTypeName } from './key-type.ts';
import type { Loaded } from './load.ts';
import { nameConstraintProblem } from './name-constraints.ts';
import { coversName, subjectAltNames } from './names.ts';
import { isPlaceholder } from './placeholder-mark.ts';
import type { Finding, ReasonCode, WarningCode } from './reasons.ts';
import { renewalPoint } from './renewal-point.ts';
import { trustPath } from './trust-path.ts';
import type { TrustAnchors } from './trust-store.ts';

/** What was read from disk; `chain`/`key` are absent when no such file was given. */
export interface Evidence {
  cert: Loaded<{ certs: X509Certificate[] }>;
  chain?: Loaded<{ certs: X509Certificate[] }>;
  key?: Loaded<{ key: KeyObject; mode: number }>;
  /** The anchors of the `trust` setting; absent when none is set (no path to an anchor needed). */
  trust?: Loaded<{ anchors: TrustAnchors }>;
  /**
   * Without `trust`: whether the host's CA bundle holds the self-signed root the chain ends at
   * (undefined when the chain ends elsewhere or there is no bundle). Feeds a warning only.
   */
  rootInSystemBundle?: boolean;
}

export interface Policy {
  /** Names that must be covered by a SAN. */
  domains: string[];
  minValiditySeconds: number;
  renewBefore: RenewBefore;
}

/** The preflight's answer. Field names and reason codes are a documented, stable JSON interface. */
export interface Verdict {
  name: string;
  usable: boolean;
  reasons: Finding<ReasonCode>[];
  warnings: Finding<WarningCode>[];
  notBefore: string | null;
  notAfter: string | null;
  remainingSeconds: number | null;
  renewalDue: boolean;
  renewAt: string | null;
  domains: string[];
  issuer: string | null;
  serial: string | null;
  keyType: string | null;
  placeholder: boolean;
  fingerprint256: string | null;
}

/**
 * Decides, from evidence alone, whether a certificate is usable now. Pure: the same evidence,
 * policy and clock give the same verdict, which is what lets check, renew and status agree.
 */
export function decide(name: string, ev: Evidence, policy: Policy, now: Date): Verdict {
  const reasons: Finding<ReasonCode>[] = [];
  const warnings: Finding<WarningCode>[] = [];
  const verdict: Verdict = {
    name,
    usable: false,
    reasons,
    warnings,
    notBefore: null,
    notAfter: null,
    remainingSeconds: null,
    renewalDue: true,
    renewAt: null,
    domains: [],
    issuer: null,
    serial: null,
    keyType: null,
    placeholder: false,
    fingerprint256: null,
  };
  if (!ev.cert.ok) reasons.push(ev.cert.problem);
  if (ev.chain && !ev.chain.ok) reasons.push(ev.chain.problem);
  if (ev.key && !ev.key.ok) reasons.push(ev.key.problem);
  if (!ev.cert.ok) return verdict;

  const [leaf, ...rest] = ev.cert.certs as [X509Certificate, ...X509Certificate[]];
  const issuers = dedupe([...rest, ...(ev.chain?.ok ? ev.chain.certs : [])], leaf);
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  const nowMs = now.getTime();
  const remainingSeconds = Math.floor((notAfter.getTime() - nowMs) / 1000);
  const renewAt = renewalPoint(notBefore, notAfter, policy.renewBefore);
  Object.assign(verdict, {
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    remainingSeconds,
    renewAt: renewAt.toISOString(),
    domains: subjectAltNames(leaf),
    // Node gives undefined for an empty name: report it as the empty string it is.
    issuer: (leaf.issuer ?? '').replaceAll('\n', ', '),
    serial: leaf.serialNumber,
    keyType: publicKeyType(leaf),
    placeholder: isPlaceholder(leaf),
    fingerprint256: leaf.fingerprint256,
  });

  const placed: Placed[] = [
    { cert: leaf, label: 'the certificate' },
    ...issuers.map((cert, i) => ({ cert, label: chainLabel(cert, i) })),
  ];
  const unreadable = placed.find((p) => !readable(p.cert));
  if (unreadable) {
    reasons.push({ code: 'malformed', message: `${unreadable.label}: its fields cannot be read` });
    return verdict;
  }

  if (nowMs < notBefore.getTime()) {
    reasons.push({ code: 'not-yet-valid', message: `not valid before ${notBefore.toISOString()}` });
  } else if (nowMs > notAfter.getTime()) {
    // RFC 5280 §4.1.2.5: the certificate is valid through notAfter, inclusive.
    reasons.push({ code: 'expired', message: `expired ${notAfter.toISOString()}` });
  } else if (remainingSeconds < policy.minValiditySeconds) {
    reasons.push({
      code: 'expires-too-soon',
      // Two units for the time left, every unit for the configured minimum: the two never read alike.
      message: `expires in ${humanDuration(remainingSeconds, { parts: 2 })}, less than the minimum validity of ${humanDuration(policy.minValiditySeconds, { parts: 4 })}`,
    });
  }

  if (ev.key?.ok) {
    if (!keyMatches(leaf, ev.key.key)) {
      reasons.push({ code: 'key-mismatch', message: 'the private key does not belong to the certificate' });
    }
    if ((ev.key.mode & 0o004) !== 0) {
      warnings.push({ code: 'key-readable-by-others', message: 'the key file is readable by all users' });
    }
  }

  const uncovered = policy.domains.filter((d) => !coversName(leaf, d));
  if (uncovered.length > 0) {
    reasons.push({ code: 'name-not-covered', message: `no SAN covers ${uncovered.join(', ')}` });
  }

  // `cat chain.pem cert.pem > fullchain.pem` is an easy mistake: name it instead of a bare link error.
  const chainProblem =
    leaf.ca && rest.some((c) => !c.ca)
      ? 'the certificate file starts with a CA certificate: the leaf (server) certificate must come first'
      : checkChain(leaf, issuers, now);
  if (chainProblem) reasons.push({ code: 'chain-broken', message: chainProblem });
  reasons.push(...clientProblems(placed));

  // Name constraints bind along the path clients build: through the anchor when trust is set.
  let cas = placed.slice(1);
  if (ev.trust && !ev.trust.ok) reasons.push(ev.trust.problem);
  if (ev.trust?.ok) {
    const path = trustPath(leaf, issuers, ev.trust.anchors, now);
    // A placeholder is trusted by no client by design (it only lets the service start, and is
    // renewed at once): it stays as usable as it is without trust, with the finding as a warning.
    if (path.problem && verdict.placeholder) warnings.push({ code: 'untrusted', message: path.problem });
    else if (path.problem) reasons.push({ code: 'untrusted', message: path.problem });
    else cas = path.cas;
  }
  const constrained = nameConstraintProblem(leaf, cas);
  if (constrained) reasons.push({ code: 'name-constraints', message: constrained });

  const selfSigned = issuedBy(leaf, leaf);
  if (verdict.placeholder) {
    warnings.push({
      code: 'placeholder',
      message: 'this is a certguard placeholder, not a CA-issued certificate',
    });
  } else if (selfSigned) {
    warnings.push({ code: 'self-signed', message: 'the certificate is self-signed' });
  } else if (issuers.length === 0) {
    warnings.push({
      code: 'chain-missing',
      message: 'no issuer certificates: clients may fail to build a chain',
    });
  } else if (!ev.trust && ev.rootInSystemBundle === false) {
    const root = issuers.at(-1)!;
    if (issuedBy(root, root)) {
      warnings.push({
        code: 'untrusted',
        message: `the chain ends at ${commonName(root.subject)}, a self-signed root that is not in the system CA bundle`,
      });
    }
  }

  verdict.usable = reasons.length === 0;
  verdict.renewalDue = verdict.placeholder || nowMs >= renewAt.getTime() || !verdict.usable;
  if (verdict.usable && verdict.renewalDue) {
    warnings.unshift({ code: 'renewal-due', message: `renewal due since ${renewAt.toISOString()}` });
  }
  return verdict;
}

/** fullchain.pem passed as --cert plus chain.pem as --chain repeats issuers: keep the first of each. */
function dedupe(certs: X509Certificate[], leaf: X509Certificate): X509Certificate[] {
  const seen = new Set([leaf.fingerprint256]);
  return certs.filter((c) => !seen.has(c.fingerprint256) && seen.add(c.fingerprint256));
}

function keyMatches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/** Node throws on public key algorithms it does not know (e.g. DSA variants): report null, not crash. */
function publicKeyType(cert: X509Certificate): string | null {
  try {
    return cert.publicKey.asymmetricKeyType ? keyTypeName(cert.publicKey) : null;
  } catch {
    return null;
  }
}

/** Whether the DER walk of cert-fields.ts can read it (Node accepted it, so this is rare). */
function readable(cert: X509Certificate): boolean {
  try {
    fieldsOf(cert);
    return true;
  } catch {
    return false;
  }
}

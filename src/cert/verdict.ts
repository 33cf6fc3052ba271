import type { KeyObject, X509Certificate } from 'node:crypto';
import type { RenewBefore } from '../config/duration.ts';
import { humanDuration } from '../output/human-time.ts';
import { isWeakKey, keyTypeName } from './key-type.ts';
import type { Loaded } from './load.ts';
import { coversName, subjectAltNames } from './names.ts';
import { isPlaceholder } from './placeholder-mark.ts';
import type { Finding, ReasonCode, WarningCode } from './reasons.ts';

/** What was read from disk; `chain`/`key` are absent when no such file was given. */
export interface Evidence {
  cert: Loaded<{ certs: X509Certificate[] }>;
  chain?: Loaded<{ certs: X509Certificate[] }>;
  key?: Loaded<{ key: KeyObject; mode: number }>;
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
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  const nowMs = now.getTime();
  const remainingSeconds = Math.floor((notAfter.getTime() - nowMs) / 1000);
  const renewAt = renewalTime(notBefore, notAfter, policy.renewBefore);
  Object.assign(verdict, {
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    remainingSeconds,
    renewAt: renewAt.toISOString(),
    domains: subjectAltNames(leaf),
    issuer: leaf.issuer.replaceAll('\n', ', '),
    serial: leaf.serialNumber,
    keyType: publicKeyType(leaf),
    placeholder: isPlaceholder(leaf),
    fingerprint256: leaf.fingerprint256,
  });

  if (nowMs < notBefore.getTime()) {
    reasons.push({ code: 'not-yet-valid', message: `not valid before ${notBefore.toISOString()}` });
  } else if (nowMs >= notAfter.getTime()) {
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
    } else if (isWeakKey(ev.key.key)) {
      warnings.push({ code: 'weak-key', message: `${keyTypeName(ev.key.key)} is below 2048 bits` });
    }
    if ((ev.key.mode & 0o004) !== 0) {
      warnings.push({ code: 'key-readable-by-others', message: 'the key file is readable by all users' });
    }
  }

  const uncovered = policy.domains.filter((d) => !coversName(leaf, d));
  if (uncovered.length > 0) {
    reasons.push({ code: 'name-not-covered', message: `no SAN covers ${uncovered.join(', ')}` });
  }

  const issuers = dedupe([...rest, ...(ev.chain?.ok ? ev.chain.certs : [])], leaf);
  // `cat chain.pem cert.pem > fullchain.pem` is an easy mistake: name it instead of a bare link error.
  const chainProblem =
    leaf.ca && rest.some((c) => !c.ca)
      ? 'the certificate file starts with a CA certificate: the leaf (server) certificate must come first'
      : checkChain(leaf, issuers, now);
  if (chainProblem) reasons.push({ code: 'chain-broken', message: chainProblem });

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
  }

  verdict.usable = reasons.length === 0;
  verdict.renewalDue = verdict.placeholder || nowMs >= renewAt.getTime() || !verdict.usable;
  if (verdict.usable && verdict.renewalDue) {
    warnings.unshift({ code: 'renewal-due', message: `renewal due since ${renewAt.toISOString()}` });
  }
  return verdict;
}

/** When renewal becomes due: a fixed time before notAfter, or when `fraction` of the lifetime is left. */
export function renewalTime(notBefore: Date, notAfter: Date, rb: RenewBefore): Date {
  const end = notAfter.getTime();
  const lifetime = end - notBefore.getTime();
  const beforeMs = rb.kind === 'fraction' ? lifetime * rb.fraction : rb.seconds * 1000;
  return new Date(end - beforeMs);
}

/**
 * Each link must be issued by the next (names and signature) and every issuer must be a CA that is
 * currently valid. The chain is not required to reach a trusted root: that needs a trust store the
 * service may not share, and the CA's chain is what clients receive.
 */
function checkChain(leaf: X509Certificate, issuers: X509Certificate[], now: Date): string | undefined {
  let child = leaf;
  for (const [i, parent] of issuers.entries()) {
    const where = `chain certificate #${i + 1} (${firstLine(parent.subject)})`;
    if (!issuedBy(child, parent)) {
      const what = i === 0 ? 'the certificate' : `chain certificate #${i}`;
      const actual = issuers.findIndex((c, j) => j > i && issuedBy(child, c));
      if (actual !== -1)
        return `${where} did not issue ${what}, #${actual + 1} did: the chain is out of order`;
      return `${where} did not issue ${what}`;
    }
    if (!parent.ca) return `${where} is not a CA certificate`;
    if (now.getTime() >= new Date(parent.validTo).getTime()) return `${where} expired ${parent.validTo}`;
    if (now.getTime() < new Date(parent.validFrom).getTime()) return `${where} is not valid yet`;
    child = parent;
  }
  return undefined;
}

/** Names and key identifiers link them (checkIssued) and the signature verifies with the issuer's key. */
function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    // An issuer key Node cannot load cannot have verified anything.
    return false;
  }
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

function firstLine(subject: string): string {
  return subject.split('\n').find((l) => l.startsWith('CN=')) ?? subject.split('\n')[0] ?? '';
}

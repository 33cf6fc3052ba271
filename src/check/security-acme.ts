import { readBounded } from '../cert/read-file.ts';
import type { Verdict } from '../cert/verdict.ts';
import { parseRenewBefore, type RenewBefore } from '../config/duration.ts';
import { DEFAULT_RENEW_BEFORE } from '../config/resolve.ts';
import type { CertSettings } from '../config/settings.ts';
import { inspectCertificate } from './inspect.ts';

/**
 * A certificate that NixOS security.acme (lego) orders and renews, as certguard sees it in
 * companion mode. Shared by the renewal unit's ExecCondition (src/companion/) and status, so the
 * two never disagree about whether it is due.
 */
export interface AcmeInspection {
  verdict: Verdict;
  /**
   * validMinDays (the configured renewBefore) is not shorter than the certificate's lifetime: lego
   * run as security.acme runs it would renew at every timer tick and hit the CA's
   * duplicate-certificate limit, so the lifetime-relative rule decides instead.
   */
  windowFallback: boolean;
  /** lego's domain hash is missing or differs from what security.acme expects: lego orders anew. */
  domainHashChanged: string | undefined;
}

const LIFETIME_RULE: RenewBefore = parseRenewBefore(DEFAULT_RENEW_BEFORE, 'default renewBefore');

export function inspectSecurityAcme(settings: CertSettings, now: Date): AcmeInspection {
  let verdict = inspectCertificate(settings, now);
  const windowFallback = windowTooLong(settings.renewBefore, verdict);
  if (windowFallback) verdict = inspectCertificate({ ...settings, renewBefore: LIFETIME_RULE }, now);
  if (isMinicaPlaceholder(verdict)) markPlaceholder(verdict);
  return { verdict, windowFallback, domainHashChanged: domainHashProblem(settings) };
}

/** A fixed window at least as long as the lifetime means "always due". */
export function windowTooLong(rb: RenewBefore, v: Pick<Verdict, 'notBefore' | 'notAfter'>): boolean {
  if (rb.kind !== 'seconds' || v.notBefore === null || v.notAfter === null) return false;
  return rb.seconds * 1000 >= Date.parse(v.notAfter) - Date.parse(v.notBefore);
}

/**
 * security.acme serves a self-signed certificate from its own minica CA until the first order
 * succeeds ("minica root ca <hex>"). It passes every check a real certificate passes, yet no
 * client trusts it: report it as the placeholder it is.
 */
export function isMinicaPlaceholder(v: Pick<Verdict, 'issuer'>): boolean {
  return v.issuer !== null && /(^|, )CN=minica root ca\b/i.test(v.issuer);
}

function markPlaceholder(v: Verdict): void {
  v.placeholder = true;
  v.renewalDue = true;
  v.warnings.unshift({
    code: 'placeholder',
    message: "this is security.acme's self-signed placeholder (minica), not a CA-issued certificate",
  });
}

/** Compares lego's domainhash.txt with the hash security.acme computes from the configured names. */
function domainHashProblem(settings: CertSettings): string | undefined {
  const expected = settings.legoDomainHash;
  if (!expected) return undefined;
  const read = readBounded(expected.file, 4096);
  if (!read.ok) {
    return read.code === 'missing'
      ? 'lego has no domain hash for these settings yet (first order, or names, key type or server changed)'
      : `cannot read lego's domain hash: ${read.message}`;
  }
  const found = read.data.toString('utf8').trim();
  if (found === expected.hash) return undefined;
  return `names changed: lego's domain hash is ${JSON.stringify(found.slice(0, 64))}, security.acme expects ${expected.hash}`;
}

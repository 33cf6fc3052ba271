import type { Verdict } from '../cert/verdict.ts';
import type { KeyType } from '../config/settings.ts';
import type { AriState, IssuedRecord } from '../store/state.ts';

/** Why a renewal is due; stable codes (`--json` `dueReasons`, logs). */
export type DueReasonCode =
  | 'force'
  | 'missing'
  | 'unusable'
  | 'placeholder'
  | 'renewal-window'
  | 'names-changed'
  | 'key-type-changed'
  | 'profile-changed'
  | 'ari-window';

export interface DueReason {
  code: DueReasonCode;
  message: string;
}

export interface DueDecision {
  due: boolean;
  reasons: DueReason[];
  /** When renewal becomes due by the local rules or ARI, whichever is first (not-due only). */
  dueAt: Date | null;
}

export interface DecisionInput {
  verdict: Verdict;
  /** Names and key type the settings ask for: a certificate that differs is re-issued. */
  domains: string[];
  keyType: KeyType;
  /** The profile the settings ask for (undefined: none), against the one remembered in `issued`. */
  profile: string | undefined;
  /** What the state remembers of the certificate certguard installed (used only if it is this one). */
  issued: IssuedRecord | null;
  /** The CA's remembered ARI answer (only used when it is about the installed certificate). */
  ari: AriState | null;
  force: boolean;
  now: Date;
}

/**
 * Is renewal due? Pure: decided from the installed certificate's verdict, the settings and the
 * remembered state alone, so that "not due" is reached without any network access.
 */
export function decideRenewal(input: DecisionInput): DueDecision {
  const { verdict: v, now } = input;
  const reasons: DueReason[] = [];
  if (input.force) reasons.push({ code: 'force', message: 'renewal forced (--force)' });

  // A settings change is only judged on a real certificate (a missing one is due anyway).
  const real = v.serial !== null && !v.placeholder;
  const changed = real ? namesChanged(input.domains, v.domains) : undefined;
  // An added name also makes the verdict unusable (name-not-covered): report it once, as a change.
  const problems = v.reasons.filter((r) => !(changed && r.code === 'name-not-covered'));

  if (v.reasons.some((r) => r.code === 'missing')) {
    reasons.push({ code: 'missing', message: 'no certificate installed yet' });
  } else if (problems.length > 0) {
    reasons.push({ code: 'unusable', message: `unusable: ${problems.map((r) => r.message).join('; ')}` });
  } else if (v.placeholder) {
    reasons.push({ code: 'placeholder', message: 'a placeholder is installed' });
  } else if (v.renewAt && now.getTime() >= Date.parse(v.renewAt)) {
    reasons.push({ code: 'renewal-window', message: `in the renewal window since ${v.renewAt}` });
  }

  if (changed) reasons.push({ code: 'names-changed', message: changed });
  if (real) {
    if (v.keyType !== null && v.keyType !== input.keyType) {
      reasons.push({
        code: 'key-type-changed',
        message: `key type ${v.keyType}, settings ask for ${input.keyType}`,
      });
    }
    // Only a certificate certguard ordered has a known profile: one from another client is not
    // re-issued for it before its renewal point (then the new order carries the profile).
    const issued = issuedFor(input.issued, v.serial);
    const wanted = input.profile ?? null;
    if (issued && issued.profile !== wanted) {
      reasons.push({
        code: 'profile-changed',
        message: `ordered with ${profileText(issued.profile)}, settings ask for ${profileText(wanted)}`,
      });
    }
  }

  const ari = ariFor(input.ari, v.serial);
  if (ari && now.getTime() >= Date.parse(ari.renewAt) && v.usable) {
    reasons.push({
      code: 'ari-window',
      message: `the CA suggests renewing from ${ari.windowStart} (ARI)${ari.explanationURL ? `, see ${ari.explanationURL}` : ''}`,
    });
  }

  if (reasons.length > 0) return { due: true, reasons, dueAt: null };
  const candidates = [v.renewAt, ari?.renewAt].filter((t): t is string => !!t).map((t) => Date.parse(t));
  return { due: false, reasons, dueAt: candidates.length ? new Date(Math.min(...candidates)) : null };
}

/**
 * The configured names as a set against the certificate's SANs: an added name must be covered,
 * and a removed one should stop being advertised. Case and a trailing dot do not count.
 */
export function namesChanged(wanted: string[], have: string[]): string | undefined {
  if (wanted.length === 0) return undefined;
  const norm = (n: string) => n.trim().toLowerCase().replace(/\.$/, '');
  const w = new Set(wanted.map(norm));
  const h = new Set(have.map(norm));
  const added = [...w].filter((n) => !h.has(n));
  const removed = [...h].filter((n) => !w.has(n));
  if (added.length === 0 && removed.length === 0) return undefined;
  const parts: string[] = [];
  if (added.length) parts.push(`added ${added.join(', ')}`);
  if (removed.length) parts.push(`removed ${removed.join(', ')}`);
  return `names changed in the settings: ${parts.join('; ')}`;
}

/**
 * The remembered record if it is about the installed certificate (serial, hex) and well formed, else
 * null: the state file is read as hostile (hand edits, older versions).
 */
export function issuedFor(
  issued: IssuedRecord | null | undefined,
  serialHex: string | null,
): IssuedRecord | null {
  if (!issued || typeof issued !== 'object' || !serialHex || typeof issued.serial !== 'string') return null;
  if (!(issued.profile === null || typeof issued.profile === 'string')) return null;
  return sameSerial(issued.serial, serialHex) ? issued : null;
}

function sameSerial(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/^0+/, '');
  return norm(a) !== '' && norm(a) === norm(b);
}

function profileText(p: string | null): string {
  return p === null ? "the CA's default profile" : `profile ${p}`;
}

/** The remembered ARI answer if it is about the certificate with this serial (hex), else null. */
export function ariFor(ari: AriState | null, serialHex: string | null): AriState | null {
  if (!ari || !serialHex) return null;
  return ariCertIdMatchesSerial(ari.certId, serialHex) ? ari : null;
}

/**
 * The certID's second half is the serial's DER bytes (base64url). Comparing it with the verdict's
 * serial avoids parsing the certificate again (and loading any ARI code) on the not-due path.
 */
export function ariCertIdMatchesSerial(certId: string, serialHex: string): boolean {
  const part = certId.split('.')[1];
  if (!part) return false;
  const fromId = Buffer.from(part, 'base64url')
    .toString('hex')
    .replace(/^(00)+/, '');
  return fromId !== '' && fromId === serialHex.toLowerCase().replace(/^0+/, '').padStart(fromId.length, '0');
}

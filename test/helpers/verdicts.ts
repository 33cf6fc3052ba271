import type { Verdict } from '../../src/cert/verdict.ts';

/** A usable certificate for site.test, 2026-05-01 .. 2026-07-30, renewal from 2026-06-30. */
export function verdictOf(over: Partial<Verdict> = {}): Verdict {
  return {
    name: 'site',
    usable: true,
    reasons: [],
    warnings: [],
    notBefore: '2026-05-01T00:00:00Z',
    notAfter: '2026-07-30T00:00:00Z',
    remainingSeconds: 59 * 86400,
    renewalDue: false,
    renewAt: '2026-06-30T00:00:00Z',
    domains: ['site.test'],
    issuer: 'CN=ca',
    serial: '0A1B2C',
    keyType: 'ec256',
    placeholder: false,
    fingerprint256: 'AA',
    ...over,
  };
}

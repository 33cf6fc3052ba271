import type { KeyObject } from 'node:crypto';

const CURVES: Record<string, string> = { prime256v1: 'ec256', secp384r1: 'ec384', secp521r1: 'ec521' };

/** Names a key the way the config does: ec256, ec384, rsa2048, ..., ed25519. */
export function keyTypeName(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `rsa${d.modulusLength ?? ''}`;
    case 'ec':
      return CURVES[d.namedCurve ?? ''] ?? `ec-${d.namedCurve ?? 'unknown'}`;
    default:
      return key.asymmetricKeyType ?? 'unknown';
  }
}

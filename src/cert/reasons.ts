/**
 * Why a certificate is unusable. These codes are a stable interface (`--json`, status, metrics).
 */
export type ReasonCode =
  | 'missing'
  | 'unreadable'
  | 'malformed'
  | 'not-yet-valid'
  | 'expired'
  | 'expires-too-soon'
  | 'key-mismatch'
  | 'name-not-covered'
  | 'chain-broken'
  | 'untrusted'
  | 'not-server-auth'
  | 'weak-key'
  | 'unknown-critical-extension'
  | 'name-constraints';

/** Conditions that leave the certificate usable but deserve attention. */
export type WarningCode =
  | 'renewal-due'
  | 'key-readable-by-others'
  | 'chain-missing'
  | 'self-signed'
  | 'placeholder'
  | 'untrusted';

export interface Finding<C extends string = ReasonCode> {
  code: C;
  message: string;
}

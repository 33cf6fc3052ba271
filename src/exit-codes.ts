/**
 * Exit codes shared by every certguard command. They are part of the public interface: systemd
 * units (`SuccessExitStatus=75`), the Nix module and monitoring scripts depend on them.
 */
export const EXIT = {
  /** Usable (check/status), or not due / renewed (renew). */
  ok: 0,
  /** No usable certificate: the service must not rely on it. */
  unusable: 1,
  /** Bad command line or configuration: nothing was checked or changed. */
  usage: 2,
  /**
   * Renewal was due and failed, but the installed certificate is still usable (EX_TEMPFAIL).
   * A soft failure: reported loudly, never fatal for the services that use the certificate.
   */
  softFailure: 75,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A problem with the user's input (flags or configuration): exit 2 with a one-line message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

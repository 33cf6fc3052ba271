import type { ReasonCode } from '../cert/reasons.ts';
import { cleanText } from '../output/sanitize.ts';
import type { FailureClass } from '../store/state.ts';

/**
 * A failure of renewal raised by certguard itself (not the ACME layer), with its class. Local file
 * problems (secret unreadable, install refused, state directory read-only) are `local-io`.
 */
export class RenewFailure extends Error {
  override name = 'RenewFailure';
  constructor(
    readonly failureClass: FailureClass,
    message: string,
    readonly retryAfterSeconds?: number,
    /** For `bad-certificate`: why the CA's certificate would not be usable (decide()'s codes). */
    readonly reasons?: ReasonCode[],
  ) {
    super(message);
  }
}

/** Any thrown value as {class, message, retryAfter}: AcmeFailure keeps its class, the rest is judged here. */
export function classifyFailure(err: unknown): {
  class: FailureClass;
  message: string;
  retryAfterSeconds?: number;
  reasons?: ReasonCode[];
} {
  const e = err as {
    failureClass?: FailureClass;
    message?: string;
    retryAfterSeconds?: number;
    reasons?: ReasonCode[];
    code?: unknown;
    name?: string;
  };
  const message = oneLine(typeof e?.message === 'string' && e.message ? e.message : String(err));
  if (e && typeof e.failureClass === 'string') {
    return {
      class: e.failureClass,
      message,
      ...(typeof e.retryAfterSeconds === 'number' ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
      ...(Array.isArray(e.reasons) ? { reasons: e.reasons } : {}),
    };
  }
  // Errno errors (EACCES, ENOSPC, EROFS ...) and refused installs are local problems; anything else
  // unexpected is most likely the CA's answer confusing the client.
  if ((typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) || e?.name === 'InstallError') {
    return { class: 'local-io', message };
  }
  return { class: 'ca-error', message: `unexpected error: ${message}` };
}

/** One line, control characters escaped: the message is printed, logged and stored. */
function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return cleanText(flat.length > 400 ? `${flat.slice(0, 397)}...` : flat, 600);
}

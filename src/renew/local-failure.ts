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
  ) {
    super(message);
  }
}

/** Any thrown value as {class, message, retryAfter}: AcmeFailure keeps its class, the rest is judged here. */
export function classifyFailure(err: unknown): {
  class: FailureClass;
  message: string;
  retryAfterSeconds?: number;
} {
  const e = err as {
    failureClass?: FailureClass;
    message?: string;
    retryAfterSeconds?: number;
    code?: unknown;
    name?: string;
  };
  const message = oneLine(typeof e?.message === 'string' && e.message ? e.message : String(err));
  if (e && typeof e.failureClass === 'string') {
    return {
      class: e.failureClass,
      message,
      ...(typeof e.retryAfterSeconds === 'number' ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
    };
  }
  // Errno errors (EACCES, ENOSPC, EROFS ...) and refused installs are local problems; anything else
  // unexpected is most likely the CA's answer confusing the client.
  if ((typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) || e?.name === 'InstallError') {
    return { class: 'local-io', message };
  }
  return { class: 'ca-error', message: `unexpected error: ${message}` };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return flat.length > 400 ? `${flat.slice(0, 397)}...` : flat;
}

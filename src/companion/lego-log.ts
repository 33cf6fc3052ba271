import type { FailureClass } from '../store/state.ts';

const MAX_MESSAGE = 400;
/** lego's log lines: `2026/12/01 10:00:00 [site.test] Could not obtain certificates: ...`. */
const LEGO_LINE = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (.*)$/;
const ERROR_WORDS = /could not|error|unable|failed|refused|timeout/i;

/**
 * The last error lego logged in a run's output, continuation lines (tab-indented) joined, control
 * characters removed and the length bounded: it comes from a CA's answers and goes into the state
 * file and the journal. undefined when the output holds no lego error line.
 */
export function lastLegoError(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = LEGO_LINE.exec(lines[i]!);
    if (!m || !ERROR_WORDS.test(m[1]!)) continue;
    const parts = [m[1]!];
    for (let j = i + 1; j < lines.length && /^\s/.test(lines[j]!); j++) parts.push(lines[j]!.trim());
    return clean(parts.join(' '));
  }
  return undefined;
}

export function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE - 3)}...` : flat;
}

/** The failure class (state file, status, metrics) from lego's or certbot's words. */
export function classifyText(message: string): FailureClass {
  if (/rateLimited|too many (certificates|requests|failed)|rate limit/i.test(message)) return 'rate-limited';
  if (
    /connection refused|no such host|i\/o timeout|timeout|network is unreachable|no route to host|dial tcp|tls handshake|get directory/i.test(
      message,
    )
  ) {
    return 'ca-unreachable';
  }
  if (
    /unauthorized|challenge|invalid response|incorrect txt|NXDOMAIN|urn:ietf:params:acme:error:(dns|connection)/i.test(
      message,
    )
  ) {
    return 'challenge-failed';
  }
  if (/permission denied|read-only file system|no space left/i.test(message)) return 'local-io';
  return 'ca-error';
}

import type { StatusState } from './row.ts';

/**
 * Colour only for a person at a terminal: never in a pipe, a file or the journal, and never when
 * NO_COLOR (https://no-color.org) is set to anything non-empty. FORCE_COLOR (non-empty, not "0")
 * turns it on without a terminal, the convention shared by Node and most CLI tools; NO_COLOR wins.
 */
export function useColour(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

const SGR: Record<StatusState, string> = {
  ok: '32', // green
  'renewal-due': '36', // cyan: expected, nothing to do
  'renewal-failing': '1;33', // bold yellow: valid now, needs a person before notAfter
  placeholder: '33', // yellow
  unusable: '1;31', // bold red
  missing: '1;31',
};

export function paint(state: StatusState, text: string): string {
  return `\u001b[${SGR[state]}m${text}\u001b[0m`;
}

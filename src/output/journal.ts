import { fstatSync } from 'node:fs';

export type Level = 'err' | 'warning' | 'info';
const PRIORITY: Record<Level, number> = { err: 3, warning: 4, info: 6 };

/**
 * systemd sets JOURNAL_STREAM=<dev>:<inode> when stdout/stderr are connected to journald. Lines
 * then start with an sd-daemon priority prefix (`<3>` err, `<4>` warning, `<6>` info) so the
 * journal records the right level. Checking the inode keeps the prefix out of a pipe or terminal
 * that merely inherited the variable.
 */
export function journalConnected(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  try {
    const st = fstatSync(fd);
    return stream === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

/** Writes one line to stdout (info) or stderr (warning, err), prefixed for journald when connected. */
export function writeLine(level: Level, text: string): void {
  const fd = level === 'info' ? 1 : 2;
  const prefix = journalConnected(fd) ? `<${PRIORITY[level]}>` : '';
  const stream = level === 'info' ? process.stdout : process.stderr;
  stream.write(`${prefix}${text.replaceAll('\n', ' ')}\n`);
}

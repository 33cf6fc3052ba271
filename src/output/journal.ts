import { fstatSync, writeSync } from 'node:fs';
import { cleanText } from './sanitize.ts';

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

/**
 * Writes one line to stdout (info) or stderr (warning, err), prefixed for journald when connected.
 * Control characters are escaped (cleanText): a line may quote a CA or a file, and a terminal
 * escape there must not rewrite what the reader sees.
 */
export function writeLine(level: Level, text: string): void {
  const fd = level === 'info' ? 1 : 2;
  const prefix = journalConnected(fd) ? `<${PRIORITY[level]}>` : '';
  writeOut(`${prefix}${cleanText(text.replaceAll('\n', ' '), Number.POSITIVE_INFINITY)}\n`, fd);
}

/**
 * Writes to stdout (or stderr) with write(2) directly. process.stdout would load some twenty
 * stream modules, a measurable share of a preflight's start-up (see bench/), and a synchronous
 * write is complete before the process exits. A reader that went away (EPIPE) is ignored: the
 * exit code still carries the verdict. A non-blocking descriptor that is full (EAGAIN) hands the
 * rest to the stream, which waits for it.
 */
export function writeOut(text: string, fd: 1 | 2 = 1): void {
  const data = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < data.length) offset += writeSync(fd, data, offset);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
      (fd === 1 ? process.stdout : process.stderr).write(data.subarray(offset));
    }
  }
}

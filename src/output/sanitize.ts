/**
 * Text from the network (a CA's problem detail, an ARI explanation URL) or from files (a state
 * file, a certificate's subject) must never reach a terminal, the journal or a stored file raw: an
 * escape sequence there can erase a line and print a fake "renewed". This is the one place that
 * makes such text safe: C0 and C1 control characters (ESC, CR, LF, BEL, CSI 0x9b ...) and DEL are
 * shown as visible `\xNN` / `\u{NNNN}` escapes, and the text is cut to `max` characters.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function cleanText(text: string, max = 2000): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return cut.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Like cleanText, but keeps line breaks (for multi-line output such as command output). */
export function cleanLines(text: string, max = 2000): string {
  return text
    .split('\n')
    .map((line) => cleanText(line, max))
    .join('\n');
}

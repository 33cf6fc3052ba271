/**
 * Where a JSON text first goes wrong, as line and column. V8's JSON.parse reports a position for
 * some errors only ("Unexpected token '}', ... is not valid JSON" has none), so after a failed
 * parse this small strict scanner walks the text again to find the offending character. It only
 * runs on the error path, so it costs nothing when the config file is fine.
 */
export interface JsonErrorLocation {
  line: number;
  column: number;
  /** "unexpected '}'", "unexpected end of input". */
  what: string;
}

class Stop extends Error {}

export function locateJsonError(text: string): JsonErrorLocation {
  let i = 0;
  const fail = (): never => {
    throw new Stop();
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) fail();
    i++;
  };
  const literal = (word: string) => {
    for (const ch of word) expect(ch);
  };
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= text.length) fail();
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch < ' ') fail();
      if (ch === '\\') {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail();
          i += 5;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else fail();
      } else i++;
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const number = () => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m || m[0] === '-') fail();
    i += m![0].length;
  };
  const object = () => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      string();
      ws();
      expect(':');
      value();
      ws();
      if (text[i] !== ',') break;
      i++;
    }
    expect('}');
  };
  const array = () => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      value();
      ws();
      if (text[i] !== ',') break;
      i++;
    }
    expect(']');
  };
  const PARSERS: Record<string, () => void> = {
    '{': object,
    '[': array,
    '"': string,
    t: () => literal('true'),
    f: () => literal('false'),
    n: () => literal('null'),
  };
  function value(): void {
    ws();
    (PARSERS[text[i] ?? ''] ?? number)();
  }
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (err) {
    // RangeError: nesting deep enough to exhaust the stack; report where the scan stopped.
    if (!(err instanceof Stop) && !(err instanceof RangeError)) throw err;
  }
  return { ...lineColumn(text, i), what: i >= text.length ? 'unexpected end of input' : describe(text, i) };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastNewline };
}

function describe(text: string, offset: number): string {
  const ch = String.fromCodePoint(text.codePointAt(offset)!);
  return `unexpected ${JSON.stringify(ch)}`;
}

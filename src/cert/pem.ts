/** One `-----BEGIN TYPE-----` ... `-----END TYPE-----` block. */
export interface PemBlock {
  type: string;
  /** RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED` (legacy encrypted keys). */
  headers: Record<string, string>;
  der: Buffer;
  /** Normalised PEM text of this block alone (LF line ends, no surrounding text). */
  pem: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Extracts every PEM block, tolerating CRLF line ends and text around and between blocks (as
 * `openssl x509 -text` or some CAs write). Blocks whose body is not base64 are skipped.
 */
export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const type = m[1]!;
    const headers: Record<string, string> = {};
    const bodyLines: string[] = [];
    for (const raw of m[2]!.split('\n')) {
      const line = raw.trim();
      // Base64 lines have no colon: the expression runs (and V8 compiles it) only for headers.
      const header = line.includes(':') ? /^([A-Za-z-]+):\s*(.*)$/.exec(line) : null;
      if (header) headers[header[1]!] = header[2]!;
      else if (line) bodyLines.push(line);
    }
    const body = bodyLines.join('');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0) continue;
    const der = Buffer.from(body, 'base64');
    const lines64: string[] = [];
    for (let i = 0; i < body.length; i += 64) lines64.push(body.slice(i, i + 64));
    const wrapped = lines64.join('\n');
    const headerText = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\n`)
      .join('');
    blocks.push({
      type,
      headers,
      der,
      pem: `-----BEGIN ${type}-----\n${headerText}${headerText ? '\n' : ''}${wrapped}\n-----END ${type}-----\n`,
    });
  }
  return blocks;
}

/** How many blocks a text starts: more than parsePem returned means some are cut off or damaged. */
export function countBeginLines(text: string): number {
  return text.match(/-----BEGIN [A-Z0-9 ]+-----/g)?.length ?? 0;
}

/**
 * Says what a file holds when it is not what was wanted, so the error tells the user what they
 * pointed at. Only structure is described (PEM block names, DER, emptiness): never the content,
 * which may be a private key.
 */
export function describeUnwanted(
  data: Buffer,
  blocks: PemBlock[],
  wanted: 'certificate' | 'private key',
): string {
  if (data.length === 0) return 'is empty';
  const text = data.toString('latin1');
  if (countBeginLines(text) > blocks.length) return 'holds a truncated or damaged PEM block';
  if (blocks.length > 0) {
    const types = [...new Set(blocks.map((b) => b.type))].join(', ');
    return `holds ${types}, not a ${wanted}`;
  }
  // DER encodes a certificate or key as an ASN.1 SEQUENCE: tag 0x30.
  if (data[0] === 0x30) {
    const tool = wanted === 'certificate' ? 'openssl x509 -inform DER' : 'openssl pkey -inform DER';
    return `looks like DER, not PEM (convert with ${tool})`;
  }
  return 'holds no PEM block';
}

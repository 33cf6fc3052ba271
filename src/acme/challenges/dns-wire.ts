/**
 * The DNS message format (RFC 1035 section 4, RFC 2136 section 2): just what a dynamic update, its
 * TSIG signature and the propagation queries need. Encoding never compresses names (TSIG's MAC
 * input must be reproducible); decoding follows compression pointers, with every length and
 * pointer bounds-checked, because a response is hostile until parsed.
 */

export const TYPE = { A: 1, NS: 2, SOA: 6, TXT: 16, AAAA: 28, TSIG: 250 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, UPDATE: 5 } as const;
export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
};

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface Rr {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
  /** Offset of the record (its owner name) in the decoded message: TSIG signs what precedes it. */
  start?: number;
  /** Offset of rdata in the decoded message (names inside NS/SOA rdata may point back into it). */
  rdataOffset?: number;
}

export interface Message {
  id: number;
  /** QR, opcode, AA, TC, RD, RA, Z and rcode: the 16 bits after the ID. */
  flags: number;
  /** In an UPDATE: zone, prerequisite, update, additional. */
  questions: Question[];
  answers: Rr[];
  authority: Rr[];
  additional: Rr[];
}

export class DnsWireError extends Error {
  override name = 'DnsWireError';
}

export const flagsOf = (f: { qr?: boolean; opcode: number; rd?: boolean }): number =>
  (f.qr ? 0x8000 : 0) | ((f.opcode & 0xf) << 11) | (f.rd ? 0x0100 : 0);
export const rcodeOf = (m: Message): number => m.flags & 0xf;
export const opcodeOf = (m: Message): number => (m.flags >> 11) & 0xf;
export const isResponse = (m: Message): boolean => (m.flags & 0x8000) !== 0;
export const isTruncated = (m: Message): boolean => (m.flags & 0x0200) !== 0;

/** Lower-case, one trailing dot: the form names are compared and signed in. */
export function canonicalName(name: string): string {
  const n = name.toLowerCase().replace(/\.+$/, '');
  return `${n}.`;
}

/** A name in uncompressed wire form. Labels are 1..63 octets, the whole name at most 255. */
export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, '');
  const parts: Buffer[] = [];
  if (trimmed !== '') {
    for (const label of trimmed.split('.')) {
      const b = Buffer.from(label, 'ascii');
      if (b.length === 0 || b.length > 63) throw new DnsWireError(`invalid DNS name "${name}"`);
      parts.push(Buffer.from([b.length]), b);
    }
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new DnsWireError(`DNS name too long: "${name}"`);
  return out;
}

/** TXT rdata: character strings of at most 255 octets each. */
export function encodeTxt(value: string): Buffer {
  const data = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length || i === 0; i += 255) {
    const chunk = data.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

export function decodeTxt(rdata: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < rdata.length) {
    const len = rdata[pos]!;
    if (pos + 1 + len > rdata.length) throw new DnsWireError('TXT rdata truncated');
    out.push(rdata.subarray(pos + 1, pos + 1 + len).toString('latin1'));
    pos += 1 + len;
  }
  return out;
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

export function encodeRr(rr: Omit<Rr, 'rdataOffset' | 'start'>): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(rr.type, 0);
  fixed.writeUInt16BE(rr.class, 2);
  fixed.writeUInt32BE(rr.ttl >>> 0, 4);
  fixed.writeUInt16BE(rr.rdata.length, 8);
  return Buffer.concat([encodeName(rr.name), fixed, rr.rdata]);
}

export function encodeMessage(m: Message): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(m.id, 0);
  header.writeUInt16BE(m.flags, 2);
  header.writeUInt16BE(m.questions.length, 4);
  header.writeUInt16BE(m.answers.length, 6);
  header.writeUInt16BE(m.authority.length, 8);
  header.writeUInt16BE(m.additional.length, 10);
  return Buffer.concat([
    header,
    ...m.questions.flatMap((q) => [encodeName(q.name), u16(q.type), u16(q.class)]),
    ...[...m.answers, ...m.authority, ...m.additional].map(encodeRr),
  ]);
}

/** Reads a possibly compressed name at `offset`; returns it (lower-case, trailing dot) and the end. */
export function decodeName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let total = 0;
  for (let jumps = 0; ; ) {
    if (pos >= buf.length) throw new DnsWireError('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsWireError('truncated compression pointer');
      // A pointer must go backwards: that alone rules out loops, the jump count is a second guard.
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= pos || ++jumps > 64) throw new DnsWireError('bad compression pointer');
      if (end < 0) end = pos + 2;
      pos = target;
      continue;
    }
    if (len > 63) throw new DnsWireError('bad label length');
    if (pos + 1 + len > buf.length) throw new DnsWireError('label runs past the message');
    total += len + 1;
    if (total > 255) throw new DnsWireError('name too long');
    labels.push(
      buf
        .subarray(pos + 1, pos + 1 + len)
        .toString('latin1')
        .toLowerCase(),
    );
    pos += 1 + len;
  }
  return { name: `${labels.join('.')}.`, end };
}

export function decodeMessage(buf: Buffer): Message {
  if (buf.length < 12) throw new DnsWireError('message shorter than its header');
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  let pos = 12;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const { name, end } = decodeName(buf, pos);
    if (end + 4 > buf.length) throw new DnsWireError('question truncated');
    questions.push({ name, type: buf.readUInt16BE(end), class: buf.readUInt16BE(end + 2) });
    pos = end + 4;
  }
  const sections: Rr[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const start = pos;
      const { name, end } = decodeName(buf, pos);
      if (end + 10 > buf.length) throw new DnsWireError('record truncated');
      const rdlen = buf.readUInt16BE(end + 8);
      const rdataOffset = end + 10;
      if (rdataOffset + rdlen > buf.length) throw new DnsWireError('rdata runs past the message');
      sections[s]!.push({
        name,
        type: buf.readUInt16BE(end),
        class: buf.readUInt16BE(end + 2),
        ttl: buf.readUInt32BE(end + 4),
        rdata: buf.subarray(rdataOffset, rdataOffset + rdlen),
        start,
        rdataOffset,
      });
      pos = rdataOffset + rdlen;
    }
  }
  return {
    id: buf.readUInt16BE(0),
    flags: buf.readUInt16BE(2),
    questions,
    answers: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
  };
}

/** The name an NS record points to (its rdata may be compressed against the whole message). */
export function rdataName(buf: Buffer, rr: Rr): string {
  if (rr.rdataOffset === undefined) throw new DnsWireError('record without message context');
  return decodeName(buf, rr.rdataOffset).name;
}

/** A and AAAA rdata as text. */
export function rdataAddress(rr: Rr): string | undefined {
  if (rr.type === TYPE.A && rr.rdata.length === 4) return [...rr.rdata].join('.');
  if (rr.type === TYPE.AAAA && rr.rdata.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(rr.rdata.readUInt16BE(i).toString(16));
    return groups.join(':');
  }
  return undefined;
}

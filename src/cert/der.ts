/**
 * A minimal DER reader: just enough to walk a certificate's fields and extensions (AKI, serial,
 * name constraints, criticality, EKU of any certificate), which Node's X509Certificate does not
 * expose. Loading @peculiar/x509 (with its dependency graph) for a few fields would slow down every
 * preflight start and every `renew` run that is not due.
 */
export interface Tlv {
  tag: number;
  /** Offset of the tag byte: `buf.subarray(head, end)` is the whole encoding. */
  head: number;
  /** Offset of the value (after tag and length). */
  start: number;
  /** Offset just past the value. */
  end: number;
}

export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new Error('DER: truncated');
  const tag = buf[offset]!;
  // Multi-byte tags (low 5 bits all set) never occur in the certificate fields we walk.
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: unsupported tag');
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > limit) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    pos += n;
  }
  if (pos + len > limit) throw new Error('DER: truncated');
  return { tag, head: offset, start: pos, end: pos + len };
}

/** The TLVs directly inside a constructed value. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

/** Dotted OID text of an OBJECT IDENTIFIER value. */
export function oidText(buf: Uint8Array, t: Tlv): string {
  const bytes = buf.subarray(t.start, t.end);
  if (bytes.length === 0) return '';
  const first = bytes[0]!;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** The value bytes of a TLV (a view, not a copy). */
export function tlvValue(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start, t.end);
}

/** Byte equality of two encodings (names, certificates) without copying either. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * TSIG (RFC 8945): an HMAC over a DNS message and a few "TSIG variables", carried as the last
 * additional record. The update is signed so the server applies it; the server's response is
 * verified too (with the request's MAC as prefix, section 5.3), so a forged "NOERROR" from anyone
 * on the path cannot make certguard believe the record exists.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TsigAlgorithm } from '../../config/settings.ts';
import {
  CLASS,
  canonicalName,
  DnsWireError,
  decodeName,
  encodeName,
  encodeRr,
  type Message,
  TYPE,
} from './dns-wire.ts';

/** Algorithm names as written in TSIG records (and in BIND/Knot/PowerDNS key definitions). */
const TSIG_ALGORITHMS: Record<TsigAlgorithm, string> = {
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
  'hmac-sha224': 'sha224',
  'hmac-sha1': 'sha1',
};

export const TSIG_ERRORS: Record<number, string> = {
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

/** Seconds of clock difference accepted either way (RFC 8945 recommends 300). */
export const FUDGE = 300;

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u48 = (seconds: number) => {
  const b = Buffer.alloc(6);
  b.writeUIntBE(seconds, 0, 6);
  return b;
};

interface TsigFields {
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

/** The digest input after the message: section 4.3.3. */
function variables(key: TsigKey, f: Omit<TsigFields, 'mac' | 'originalId'>): Buffer {
  const ttl = Buffer.alloc(4);
  return Buffer.concat([
    encodeName(canonicalName(key.name)),
    u16(CLASS.ANY),
    ttl,
    encodeName(canonicalName(f.algorithm)),
    u48(f.timeSigned),
    u16(f.fudge),
    u16(f.error),
    u16(f.other.length),
    f.other,
  ]);
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac(TSIG_ALGORITHMS[key.algorithm], key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

function prefix(priorMac: Buffer | undefined): Buffer[] {
  return priorMac ? [u16(priorMac.length), priorMac] : [];
}

/**
 * Appends a TSIG record to an encoded message (which must not carry one yet). `priorMac` is for
 * signing a response; requests have none. Returns the signed message and its MAC.
 */
export function signMessage(
  wire: Buffer,
  key: TsigKey,
  timeSigned: number,
  priorMac?: Buffer,
): { wire: Buffer; mac: Buffer } {
  const fields = { algorithm: key.algorithm, timeSigned, fudge: FUDGE, error: 0, other: Buffer.alloc(0) };
  const mac = hmac(key, [...prefix(priorMac), wire, variables(key, fields)]);
  const rdata = Buffer.concat([
    encodeName(canonicalName(key.algorithm)),
    u48(timeSigned),
    u16(FUDGE),
    u16(mac.length),
    mac,
    wire.subarray(0, 2),
    u16(0),
    u16(0),
  ]);
  const signed = Buffer.concat([
    wire,
    encodeRr({ name: canonicalName(key.name), type: TYPE.TSIG, class: CLASS.ANY, ttl: 0, rdata }),
  ]);
  signed.writeUInt16BE(signed.readUInt16BE(10) + 1, 10);
  return { wire: signed, mac };
}

function parseTsig(buf: Buffer, rdataOffset: number, rdataEnd: number): TsigFields {
  const { name: algorithm, end } = decodeName(buf, rdataOffset);
  let pos = end;
  const need = (n: number) => {
    if (pos + n > rdataEnd) throw new DnsWireError('TSIG record truncated');
  };
  need(10);
  const timeSigned = buf.readUIntBE(pos, 6);
  const fudge = buf.readUInt16BE(pos + 6);
  const macSize = buf.readUInt16BE(pos + 8);
  pos += 10;
  need(macSize + 6);
  const mac = buf.subarray(pos, pos + macSize);
  pos += macSize;
  const originalId = buf.readUInt16BE(pos);
  const error = buf.readUInt16BE(pos + 2);
  const otherLen = buf.readUInt16BE(pos + 4);
  pos += 6;
  need(otherLen);
  return { algorithm, timeSigned, fudge, mac, originalId, error, other: buf.subarray(pos, pos + otherLen) };
}

export type TsigVerdict =
  | { ok: true; mac: Buffer }
  /** The message carries no TSIG record at all. */
  | { ok: false; problem: string };

/**
 * Checks the TSIG record of a decoded message `m` (wire form `buf`): present, last, our key and
 * algorithm, the MAC right (over priorMac, the message without its TSIG, the variables), the time
 * within the fudge, no TSIG error. `now` is in seconds.
 */
export function verifyMessage(
  buf: Buffer,
  m: Message,
  key: TsigKey,
  now: number,
  priorMac?: Buffer,
): TsigVerdict {
  const rr = m.additional.at(-1);
  if (!rr || rr.type !== TYPE.TSIG || rr.start === undefined || rr.rdataOffset === undefined) {
    return { ok: false, problem: 'the response is not TSIG-signed' };
  }
  let f: TsigFields;
  try {
    f = parseTsig(buf, rr.rdataOffset, rr.rdataOffset + rr.rdata.length);
  } catch (err) {
    return { ok: false, problem: `malformed TSIG record: ${(err as Error).message}` };
  }
  if (f.error !== 0) {
    return { ok: false, problem: `TSIG error ${TSIG_ERRORS[f.error] ?? f.error}` };
  }
  if (rr.name !== canonicalName(key.name) || f.algorithm !== canonicalName(key.algorithm)) {
    return { ok: false, problem: `signed with another key (${rr.name} ${f.algorithm})` };
  }
  const unsigned = Buffer.from(buf.subarray(0, rr.start));
  unsigned.writeUInt16BE(f.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = hmac(key, [...prefix(priorMac), unsigned, variables(key, f)]);
  if (f.mac.length !== expected.length || !timingSafeEqual(f.mac, expected)) {
    return { ok: false, problem: 'bad TSIG signature (BADSIG)' };
  }
  if (Math.abs(now - f.timeSigned) > f.fudge) {
    return { ok: false, problem: `TSIG time ${f.timeSigned} is outside ${f.fudge}s of ours (BADTIME)` };
  }
  return { ok: true, mac: f.mac };
}

/** The TSIG error a server put in an (unsigned) refusal, e.g. BADSIG for a wrong secret. */
export function tsigError(buf: Buffer, m: Message): string | undefined {
  const rr = m.additional.at(-1);
  if (!rr || rr.type !== TYPE.TSIG || rr.rdataOffset === undefined) return undefined;
  try {
    const f = parseTsig(buf, rr.rdataOffset, rr.rdataOffset + rr.rdata.length);
    return f.error ? (TSIG_ERRORS[f.error] ?? String(f.error)) : undefined;
  } catch {
    return undefined;
  }
}

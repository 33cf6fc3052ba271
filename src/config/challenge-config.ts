import { domainProblem, normalizeName } from '../cert/names.ts';
import { UsageError } from '../exit-codes.ts';
import { parseDuration, WAIT_RULE } from './duration.ts';
import { type Rfc2136Settings, TSIG_ALGORITHM_NAMES, type TsigAlgorithm } from './settings.ts';

/** `rfc2136` as written in the config file (`defaults` or a certificate). */
export interface RawRfc2136 {
  server?: string;
  port?: number;
  zone?: string;
  keyName?: string;
  algorithm?: string;
  secretFile?: string;
  propagationTimeout?: string | number;
}

export const DEFAULT_RFC2136_PORT = 53;
export const DEFAULT_TSIG_ALGORITHM: TsigAlgorithm = 'hmac-sha256';
export const DEFAULT_PROPAGATION_TIMEOUT = 120;

type Check = (v: unknown, where: string) => void;
const nonEmpty: Check = (v, where) => {
  if (typeof v !== 'string' || v.trim() === '' || /[\s\p{Cc}]/u.test(v)) {
    throw new UsageError(`${where}: expected a non-empty string without spaces`);
  }
};
const dnsName: Check = (v, where) => {
  nonEmpty(v, where);
  const problem = domainProblem(v as string);
  if (problem || (v as string).startsWith('*.'))
    throw new UsageError(`${where}: ${problem ?? 'a zone, not a wildcard'}`);
};

/** Every field with its check; `required` fields have no default. */
const RFC2136_FIELDS: Record<keyof RawRfc2136, { check: Check; required: boolean }> = {
  server: {
    check: (v, where) => {
      nonEmpty(v, where);
      if (domainProblem(v as string))
        throw new UsageError(`${where}: expected an IP address or host name (the port goes in "port")`);
    },
    required: true,
  },
  port: {
    check: (v, where) => {
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) {
        throw new UsageError(`${where}: expected a port number 1..65535`);
      }
    },
    required: false,
  },
  zone: { check: dnsName, required: true },
  keyName: { check: dnsName, required: true },
  algorithm: {
    check: (v, where) => {
      if (!TSIG_ALGORITHM_NAMES.includes(v as TsigAlgorithm)) {
        throw new UsageError(
          `${where}: expected one of ${TSIG_ALGORITHM_NAMES.join(', ')}, got ${JSON.stringify(v)}`,
        );
      }
    },
    required: false,
  },
  secretFile: { check: nonEmpty, required: true },
  propagationTimeout: { check: (v, where) => void parseDuration(v, where, WAIT_RULE), required: false },
};

/** Checks an `rfc2136` object field by field; the message names the field to fix. */
export function checkRfc2136(value: unknown, where: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${where}: expected an object {"server", "zone", "keyName", "secretFile", ...}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!Object.hasOwn(RFC2136_FIELDS, key)) throw new UsageError(`${where}: unknown field "${key}"`);
  }
  for (const [key, spec] of Object.entries(RFC2136_FIELDS)) {
    if (v[key] === undefined || v[key] === null) {
      if (spec.required) throw new UsageError(`${where}.${key}: required`);
      continue;
    }
    spec.check(v[key], `${where}.${key}`);
  }
}

/** Validated settings, with the names to validate checked against the zone. */
export function rfc2136Settings(raw: RawRfc2136, domains: string[], where: string): Rfc2136Settings {
  checkRfc2136(raw, where);
  const zone = normalizeName(raw.zone!)!;
  for (const d of domains) {
    const name = normalizeName(d.replace(/^\*\./, ''));
    // normalizeName leaves IPv4 dotted and IPv6 with colons; a DNS name has neither form.
    if (name !== undefined && (/^[\d.]+$/.test(name) || name.includes(':'))) {
      throw new UsageError(
        `${where}: ${d} is an IP address: dns-01 cannot validate it (use http-01 or tls-alpn-01)`,
      );
    }
    if (name !== undefined && name !== zone && !name.endsWith(`.${zone}`)) {
      throw new UsageError(`${where}.zone: ${d} is not inside the zone ${zone}`);
    }
  }
  return {
    server: raw.server!,
    port: raw.port ?? DEFAULT_RFC2136_PORT,
    zone,
    keyName: raw.keyName!,
    algorithm: (raw.algorithm as TsigAlgorithm | undefined) ?? DEFAULT_TSIG_ALGORITHM,
    secretFile: raw.secretFile!,
    propagationTimeoutSeconds:
      raw.propagationTimeout === undefined
        ? DEFAULT_PROPAGATION_TIMEOUT
        : parseDuration(raw.propagationTimeout, `${where}.propagationTimeout`, WAIT_RULE),
  };
}

/** The port the CA connects to for tls-alpn-01 (RFC 8737): the listener's default. */
export const TLS_ALPN_PORT = 443;

/**
 * `ADDR:PORT`, `[v6]:PORT` or `:PORT` (the form the standalone listeners take); for tls-alpn-01
 * also a bare `ADDR` / `[v6]`, meaning port 443. Returns the address with its port.
 */
export function checkListen(value: unknown, where: string, defaultPort?: number): string {
  if (
    typeof value === 'string' &&
    defaultPort !== undefined &&
    // A number alone ("443") is a forgotten colon, not a host name.
    /^(?:\[[0-9A-Fa-f:.]+\]|(?!\d+$)[^:\s[\]]+)$/.test(value)
  ) {
    return `${value}:${defaultPort}`;
  }
  const m = typeof value === 'string' ? /^(?:\[[0-9A-Fa-f:.]+\]|[^:\s[\]]*):(\d{1,5})$/.exec(value) : null;
  const port = m ? Number(m[1]) : 0;
  if (!m || port < 1 || port > 65535) {
    const forms = defaultPort === undefined ? 'ADDR:PORT' : `ADDR:PORT or ADDR (port ${defaultPort})`;
    throw new UsageError(
      `${where}: expected ${forms} such as ":443" or "127.0.0.1:8443", got ${JSON.stringify(value)}`,
    );
  }
  return value as string;
}

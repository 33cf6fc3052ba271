/**
 * Syntax rules for settings whose value is not a duration, a name list or an enum, kept as one
 * table so every field added later is one line here. Each returns a problem (for a one-line
 * UsageError naming the field) or undefined. They read no file and open no connection: the
 * preflight runs them too. Existence checks for files renew needs are in renewFileProblems.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { readBounded } from '../cert/read-file.ts';

export type FieldCheck = (value: unknown) => string | undefined;

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http is allowed for (tests, local fronts). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * Why `url` may not carry ACME traffic: not an absolute http(s) URL, or plain http to anything
 * but loopback (signed requests, account keys' signatures and certificates would cross the
 * network in clear). Applies to the configured server and to every URL the CA hands out.
 */
export function acmeUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${JSON.stringify(url.slice(0, 100))} is not a URL`;
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  if (u.protocol === 'http:') return `${u.origin} is plain http: ACME needs https (http only on loopback)`;
  return `${u.protocol} URLs are not supported (need https://)`;
}

/** `ADDR:PORT`, `:PORT` or `[v6]:PORT` with a port in 1..65535 (the standalone solver's format). */
export function listenProblem(v: string): string | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : Number.NaN;
  return m && port >= 1 && port <= 65535
    ? undefined
    : `${JSON.stringify(v)} is not ADDR:PORT (e.g. 0.0.0.0:80)`;
}

/**
 * systemd unit names (`nginx`, `nginx.service`, `php-fpm@www.service`): never anything that
 * systemctl could read as an option (`-Hroot@host`, `--root=/tmp`).
 */
export function unitNameProblem(v: string): string | undefined {
  return /^[A-Za-z0-9:_.\\@][A-Za-z0-9:_.\\@-]{0,254}$/.test(v)
    ? undefined
    : `${JSON.stringify(v)} is not a systemd unit name`;
}

const string =
  (check: (v: string) => string | undefined): FieldCheck =>
  (v) =>
    typeof v === 'string' ? check(v) : undefined;

export const FIELD_CHECKS: Record<string, FieldCheck> = {
  server: string(acmeUrlProblem),
  httpListen: string(listenProblem),
  // Run without a shell (lego's exec convention): arguments would become part of the file name.
  dnsHook: string((v) =>
    v === '' || /\s/.test(v)
      ? `${JSON.stringify(v)}: a path to an executable, without arguments (wrap arguments in a script)`
      : undefined,
  ),
  caBundle: string((v) => (v === '' ? 'expected a path to a PEM file' : undefined)),
  email: string((v) =>
    /^[^@\s]+@[^@\s]+$/.test(v) ? undefined : `${JSON.stringify(v)} is not an e-mail address`,
  ),
  group: string((v) =>
    /^(?:\d+|[A-Za-z_][A-Za-z0-9_.-]{0,63})$/.test(v)
      ? undefined
      : `${JSON.stringify(v)} is not a group name`,
  ),
  reloadServices: (v) =>
    Array.isArray(v) ? v.map((u) => unitNameProblem(String(u))).find(Boolean) : undefined,
};

/**
 * Files renew needs, checked before any network contact: the DNS hook exists and is executable,
 * the CA bundle exists and holds PEM certificates. Returns [field, problem] pairs.
 */
export function renewFileProblems(s: {
  dnsHook?: string | undefined;
  caBundle?: string | undefined;
}): [string, string][] {
  const out: [string, string][] = [];
  if (s.dnsHook !== undefined) {
    const problem = executableProblem(s.dnsHook);
    if (problem) out.push(['dnsHook', problem]);
  }
  if (s.caBundle !== undefined) {
    const read = readBounded(s.caBundle);
    if (!read.ok) out.push(['caBundle', read.message]);
    else if (!read.data.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      out.push(['caBundle', `${s.caBundle} holds no PEM certificate`]);
    }
  }
  return out;
}

function executableProblem(hook: string): string | undefined {
  const candidates = hook.includes('/')
    ? [hook]
    : (process.env.PATH ?? '')
        .split(':')
        .filter(Boolean)
        .map((d) => `${d}/${hook}`);
  for (const path of candidates) {
    try {
      if (!statSync(path).isFile()) continue;
      accessSync(path, constants.X_OK);
      return undefined;
    } catch {
      // Not here, or not executable: try the next candidate.
    }
  }
  return hook.includes('/')
    ? `${hook} does not exist or is not an executable file`
    : `${hook} not found in PATH`;
}

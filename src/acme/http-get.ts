import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { acmeUrlProblem } from '../config/field-checks.ts';
import { networkFailure } from './classify.ts';
import { AcmeFailure } from './types.ts';

export interface GetResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A small unauthenticated GET with a hard overall deadline, for ARI: it uses node:https directly so
 * asking for renewal information never loads acme-client/axios (the renew path stays fast).
 */
export function httpGet(
  url: string,
  opts: { caPem?: string; signal: AbortSignal; maxBytes?: number },
): Promise<GetResult> {
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  const refused = acmeUrlProblem(url);
  if (refused) return Promise.reject(new AcmeFailure('ca-error', `refusing GET ${refused}`));
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.get(
      u,
      {
        signal: opts.signal,
        headers: { accept: 'application/json', 'user-agent': 'certguard' },
        ...(opts.caPem ? { ca: opts.caPem } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new Error(`response from ${u.origin} larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

/** Reads the CA bundle for the ACME server's HTTPS; a missing file is a local problem, said so. */
export function readCaBundle(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new AcmeFailure('local-io', `cannot read CA bundle ${path}: ${e.code ?? e.message}`);
  }
}

/** GET with a timeout; network errors become AcmeFailure with their real cause. */
export async function getWithTimeout(url: string, caPem: string | undefined, timeoutMs: number) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    return await httpGet(url, { ...(caPem ? { caPem } : {}), signal: ac.signal });
  } catch (err) {
    throw networkFailure(err, { url, timedOut: ac.signal.aborted, timeoutMs });
  } finally {
    clearTimeout(timer);
  }
}

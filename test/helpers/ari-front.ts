/**
 * ARI (RFC 9773) and ACME profiles for tests: Debian's pebble 2.4 has neither, so this loopback
 * HTTPS server fronts pebble, adds `renewalInfo` (and, when a test sets `profiles`, `meta.profiles`)
 * to the directory, answers GET renewalInfo/<certID> with the window a test sets, and proxies
 * everything else to pebble. It also records newOrder payloads (to see `replaces` and `profile`)
 * and can refuse `replaces` with 409 alreadyReplaced. pebble itself ignores the `profile` field:
 * what a profile changes at a real CA (the lifetime) is not simulated here.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { forwardToPebble, problem, readBody } from './fault-proxy.ts';
import type { Pebble } from './pebble.ts';

export interface AriAnswer {
  start?: string | Date;
  end?: string | Date;
  explanationURL?: string;
  /** Retry-After header value (seconds or an HTTP date); omitted when undefined. */
  retryAfter?: number | string;
  /** Answer with this status instead of 200 (then no body). */
  status?: number;
  /** Raw body instead of the JSON built from start/end. */
  rawBody?: string;
}

export interface AriFront {
  origin: string;
  directoryUrl: string;
  renewalInfoUrl: string;
  /** Answer for every certID without its own entry in `answers`. */
  answer: AriAnswer;
  answers: Map<string, AriAnswer>;
  /** certIDs asked for, in order. */
  readonly renewalInfoRequests: string[];
  /** Decoded JWS payloads of every newOrder POST. */
  readonly newOrderPayloads: Record<string, unknown>[];
  /** Answer newOrder with `replaces` by 409 alreadyReplaced. */
  rejectReplaces: boolean;
  /** Leave renewalInfo out of the directory (a CA without ARI). */
  advertise: boolean;
  /** `meta.profiles` of the directory (name -> description); undefined: none offered. */
  profiles: Record<string, string> | undefined;
  /** Directory GETs answered (a profile check must happen before any order). */
  directoryRequests: number;
  close(): Promise<void>;
}

export async function startAriFront(pebble: Pebble): Promise<AriFront> {
  const ca = readFileSync(pebble.caBundlePath, 'utf8');
  const dirPath = new URL(pebble.directoryUrl).pathname;
  let newOrderPath = '/order-plz';
  const front: AriFront = {
    origin: '',
    directoryUrl: '',
    renewalInfoUrl: '',
    answer: {
      start: new Date(Date.now() + 86400_000),
      end: new Date(Date.now() + 2 * 86400_000),
      retryAfter: 3600,
    },
    answers: new Map(),
    renewalInfoRequests: [],
    newOrderPayloads: [],
    rejectReplaces: false,
    advertise: true,
    profiles: undefined,
    directoryRequests: 0,
    close: async () => {},
  };

  const server = https.createServer(
    { cert: readFileSync(pebble.tlsCertPath), key: readFileSync(pebble.tlsKeyPath) },
    async (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method === 'GET' && path === dirPath) {
        const dir = await fetchDirectory(pebble, ca, req.headers.host ?? '');
        if (typeof dir.newOrder === 'string') newOrderPath = new URL(dir.newOrder).pathname;
        if (front.advertise) dir.renewalInfo = front.renewalInfoUrl;
        if (front.profiles) dir.meta = { ...(dir.meta as object | undefined), profiles: front.profiles };
        front.directoryRequests++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(dir));
        return;
      }
      if (req.method === 'GET' && path.startsWith('/renewal-info/')) {
        const certId = decodeURIComponent(path.slice('/renewal-info/'.length));
        front.renewalInfoRequests.push(certId);
        const a = front.answers.get(certId) ?? front.answer;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (a.retryAfter !== undefined) headers['retry-after'] = String(a.retryAfter);
        if (a.status && a.status !== 200) {
          res.writeHead(a.status, headers);
          res.end();
          return;
        }
        const iso = (d: string | Date | undefined) => (d instanceof Date ? d.toISOString() : d);
        const body =
          a.rawBody ??
          JSON.stringify({
            suggestedWindow: { start: iso(a.start), end: iso(a.end) },
            ...(a.explanationURL ? { explanationURL: a.explanationURL } : {}),
          });
        res.writeHead(200, headers);
        res.end(body);
        return;
      }
      if (req.method === 'POST' && path === newOrderPath) {
        const body = await readBody(req);
        const payload = decodePayload(body);
        front.newOrderPayloads.push(payload);
        if (front.rejectReplaces && payload.replaces !== undefined) {
          problem(
            res,
            409,
            'alreadyReplaced',
            `certificate ${String(payload.replaces)} was already replaced`,
          );
          return;
        }
        forwardToPebble(req, res, pebble, ca, body);
        return;
      }
      forwardToPebble(req, res, pebble, ca);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  front.origin = `https://127.0.0.1:${port}`;
  front.directoryUrl = `${front.origin}${dirPath}`;
  front.renewalInfoUrl = `${front.origin}/renewal-info`;
  front.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return front;
}

function fetchDirectory(pebble: Pebble, ca: string, host: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    https
      .get(pebble.directoryUrl, { ca, agent: false, headers: { host } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as Record<string, unknown>);
          } catch (err) {
            reject(err);
          }
        });
      })
      .on('error', reject);
  });
}

function decodePayload(body: Buffer): Record<string, unknown> {
  try {
    const jws = JSON.parse(body.toString('utf8')) as { payload?: string };
    return JSON.parse(Buffer.from(jws.payload ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

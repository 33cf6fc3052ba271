/**
 * A loopback proxy in front of pebble whose behaviour a test switches at run time, to produce the
 * failures a real CA or network shows: a closed port, a server that accepts and never answers, TLS
 * garbage, 5xx/429 answers, invalid JSON, a badNonce storm. It counts accepted connections, so a
 * test can prove that NO connection was opened at all.
 *
 * TLS is terminated here with pebble's own listener certificate (SAN localhost, 127.0.0.1), so a
 * client that trusts pebble.caBundlePath trusts the proxy. Requests are forwarded with the proxy's
 * Host header: pebble builds every URL it sends (directory, Location, Link) from it, so the client
 * keeps talking to the proxy for the whole order.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import type { Pebble } from './pebble.ts';

export type FaultMode =
  | 'pass'
  /** Nothing listens: connections are refused (ECONNREFUSED). */
  | 'refuse'
  /** Accepts TCP, never answers (not even the TLS handshake). */
  | 'blackhole'
  /** Answers the TLS ClientHello with plain-text garbage. */
  | 'tls-garbage'
  /**
   * Every request (or the next `times` matching requests) gets this status and an ACME problem
   * document. `onlyPost`: GET/HEAD pass. `afterForward`: pebble sees (and consumes the nonce of)
   * the request first, then the client gets the fault, as when a CA fails after processing.
   */
  | {
      status: 500 | 503 | 429;
      retryAfter?: number | string;
      times?: number;
      onlyPost?: boolean;
      afterForward?: boolean;
      /** The problem document's detail (default: "fault-proxy: injected HTTP <status>"). */
      detail?: string;
    }
  /** 200 with Content-Type application/json and a body that is not JSON. */
  | 'invalid-json'
  /** Every POST is answered 400 badNonce (with a fresh but useless Replay-Nonce). */
  | 'bad-nonce-storm';

export interface FaultProxy {
  /** https://127.0.0.1:PORT */
  origin: string;
  /** The ACME directory through the proxy. */
  directoryUrl: string;
  port: number;
  /** TCP connections accepted so far (0 proves the client never connected). */
  readonly acceptCount: number;
  /** HTTP requests seen (through TLS) so far. */
  readonly requestCount: number;
  readonly mode: FaultMode;
  /** Orders finalized through the proxy (POSTs to pebble's finalize URL): one per issued certificate. */
  readonly finalizeCount: number;
  setMode(mode: FaultMode): Promise<void>;
  /**
   * While set, every certificate download (application/pem-certificate-chain) is replaced by what
   * this returns for pebble's real chain: a CA handing out a bad certificate.
   */
  rewriteCertificate(fn: ((pem: string) => string | Promise<string>) | undefined): void;
  close(): Promise<void>;
}

/** Forwards one request to pebble, keeping the Host header (see the file comment). */
export function forwardToPebble(
  req: IncomingMessage,
  res: ServerResponse,
  pebble: Pebble,
  ca: string,
  body?: Buffer,
  rewritePem?: (pem: string) => string | Promise<string>,
): void {
  const target = new URL(req.url ?? '/', pebble.origin);
  const headers = { ...req.headers };
  if (body) headers['content-length'] = String(body.length);
  const up = https.request(target, { method: req.method, headers, ca, agent: false }, (upRes) => {
    if (rewritePem && /pem-certificate-chain/.test(String(upRes.headers['content-type']))) {
      void readBody(upRes as unknown as IncomingMessage)
        .then((pem) => rewritePem(pem.toString('utf8')))
        .then((text) => {
          const out = Buffer.from(text);
          const { 'transfer-encoding': _chunked, ...headers } = upRes.headers;
          res.writeHead(upRes.statusCode ?? 502, { ...headers, 'content-length': String(out.length) });
          res.end(out);
        });
      return;
    }
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`proxy: ${err.message}\n`);
  });
  if (body) up.end(body);
  else req.pipe(up);
}

/** Sends the request to pebble and throws its answer away. */
function consumeAtPebble(req: IncomingMessage, body: Buffer, pebble: Pebble, ca: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const up = https.request(
      new URL(req.url ?? '/', pebble.origin),
      {
        method: req.method,
        headers: { ...req.headers, 'content-length': String(body.length) },
        ca,
        agent: false,
      },
      (r) => {
        r.resume();
        r.on('end', () => resolve());
      },
    );
    up.on('error', reject);
    up.end(body);
  });
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function problem(
  res: ServerResponse,
  status: number,
  type: string,
  detail: string,
  extra: Record<string, string> = {},
) {
  const body = JSON.stringify({ type: `urn:ietf:params:acme:error:${type}`, detail, status });
  res.writeHead(status, { 'content-type': 'application/problem+json', ...extra });
  res.end(body);
}

export async function startFaultProxy(pebble: Pebble, initial: FaultMode = 'pass'): Promise<FaultProxy> {
  const ca = readFileSync(pebble.caBundlePath, 'utf8');
  const tls = https.createServer(
    { cert: readFileSync(pebble.tlsCertPath), key: readFileSync(pebble.tlsKeyPath) },
    (req, res) => {
      state.requestCount++;
      const mode = state.mode;
      if (typeof mode === 'object' && (!mode.onlyPost || req.method === 'POST')) {
        if (mode.times !== undefined && --mode.times <= 0) state.mode = 'pass';
        const type = mode.status === 429 ? 'rateLimited' : 'serverInternal';
        const extra: Record<string, string> =
          mode.retryAfter !== undefined ? { 'retry-after': String(mode.retryAfter) } : {};
        const answer = () =>
          problem(res, mode.status, type, mode.detail ?? `fault-proxy: injected HTTP ${mode.status}`, extra);
        if (mode.afterForward) {
          void readBody(req).then((body) => consumeAtPebble(req, body, pebble, ca).then(answer, answer));
          return;
        }
        // Drain the request first so the client sees a clean answer, not a reset.
        req.resume();
        req.on('end', answer);
        return;
      }
      if (mode === 'invalid-json') {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"newNonce": "https://127.0.0.1/nonce", this is not json');
        });
        return;
      }
      if (mode === 'bad-nonce-storm' && req.method === 'POST') {
        req.resume();
        req.on('end', () =>
          problem(res, 400, 'badNonce', 'fault-proxy: JWS has an invalid anti-replay nonce', {
            'replay-nonce': randomBytes(16).toString('base64url'),
          }),
        );
        return;
      }
      if (req.method === 'POST' && /finalize/.test(req.url ?? '')) state.finalizeCount++;
      forwardToPebble(req, res, pebble, ca, undefined, state.rewrite);
    },
  );
  const sockets = new Set<Socket>();
  const state: {
    mode: FaultMode;
    acceptCount: number;
    requestCount: number;
    finalizeCount: number;
    rewrite?: ((pem: string) => string | Promise<string>) | undefined;
  } = { mode: initial, acceptCount: 0, requestCount: 0, finalizeCount: 0 };

  const onConnection = (socket: Socket) => {
    state.acceptCount++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const mode = state.mode;
    if (mode === 'blackhole') return; // hold it open, say nothing
    if (mode === 'tls-garbage') {
      socket.end('HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nthis is not TLS\n');
      return;
    }
    tls.emit('connection', socket);
  };

  let front: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(onConnection);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        front = s;
        resolve();
      });
    });
  const unlisten = () =>
    new Promise<void>((resolve) => {
      const s = front;
      front = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
    });
  const dropConnections = () => {
    for (const s of sockets) s.destroy();
  };

  if (initial !== 'refuse') await listen();
  else {
    await listen();
    await unlisten();
  }
  const origin = `https://127.0.0.1:${port}`;
  const path = new URL(pebble.directoryUrl).pathname;

  return {
    origin,
    directoryUrl: `${origin}${path}`,
    port,
    get acceptCount() {
      return state.acceptCount;
    },
    get requestCount() {
      return state.requestCount;
    },
    get mode() {
      return state.mode;
    },
    get finalizeCount() {
      return state.finalizeCount;
    },
    rewriteCertificate(fn) {
      state.rewrite = fn;
    },
    async setMode(mode: FaultMode) {
      state.mode = typeof mode === 'object' ? { ...mode } : mode;
      // A CA that goes down drops its connections too; kept-alive sockets must not dodge the fault.
      if (mode === 'refuse' || mode === 'blackhole' || mode === 'tls-garbage') dropConnections();
      if (mode === 'refuse') {
        dropConnections();
        await unlisten();
      } else if (!front) await listen();
    },
    async close() {
      // net.Server.close waits for open connections: end ours first.
      dropConnections();
      await unlisten();
      tls.close();
    },
  };
}

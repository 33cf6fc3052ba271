/**
 * tls-alpn-01 (RFC 8737) for hosts whose port 80 is closed: for the order's duration a TLS server
 * on ADDR:PORT (443 by default) speaks only ALPN `acme-tls/1` and, for each SNI name being
 * validated, presents a fresh self-signed certificate whose critical acmeIdentifier extension
 * holds the SHA-256 of the key authorization. IP identifiers (RFC 8738) are asked for by their
 * reverse name (1.0.0.127.in-addr.arpa) and get an iPAddress SAN.
 */
import { createHash, createPrivateKey, webcrypto } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import { createSecureContext, createServer, type SecureContext, type Server } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { AcmeFailure } from '../types.ts';
import type { ChallengeTask, Solver, SolverContext } from './solver.ts';
import { parseListen } from './standalone.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const ACME_TLS_ALPN = 'acme-tls/1';
/** id-pe-acmeIdentifier (RFC 8737 section 6.1). */
export const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';

/** The SNI name the CA sends for an identifier: the name itself, or an IP's reverse name. */
export function sniName(identifier: string): string {
  const ip = identifier.replace(/^\[(.*)\]$/, '$1');
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (isIP(ip) === 6) return `${[...expandV6(ip)].reverse().join('.')}.ip6.arpa`;
  return identifier.toLowerCase().replace(/\.$/, '');
}

/** 32 hex nibbles of an IPv6 address (with "::" and an embedded IPv4 tail expanded). */
export function expandV6(addr: string): string {
  let a = addr.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (v4) {
    const n = v4.slice(1).map(Number);
    a = `${a.slice(0, v4.index)}${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`;
  }
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/** The extension value: DER OCTET STRING (32 bytes) of SHA-256(key authorization). */
export function acmeIdentifierValue(keyAuthorization: string): Buffer {
  const digest = createHash('sha256').update(keyAuthorization).digest();
  return Buffer.concat([Buffer.from([0x04, digest.length]), digest]);
}

/** A self-signed P-256 certificate for one identifier, valid for a day around now. */
export async function challengeCertificate(
  identifier: string,
  keyAuthorization: string,
): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const bare = identifier.replace(/^\[(.*)\]$/, '$1');
  const san: x509.JsonGeneralName = isIP(bare)
    ? { type: 'ip', value: bare }
    : { type: 'dns', value: identifier };
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: createHash('sha256').update(`${identifier}${now}`).digest('hex').slice(0, 16),
    name: 'CN=certguard tls-alpn-01 challenge',
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension([san]),
      new x509.Extension(ACME_IDENTIFIER_OID, true, new Uint8Array(acmeIdentifierValue(keyAuthorization))),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return { certPem: cert.toString('pem'), keyPem };
}

export class TlsAlpnSolver implements Solver {
  readonly challengeType = 'tls-alpn-01' as const;
  /** SNI name -> the certificate answering it. */
  private readonly contexts = new Map<string, SecureContext>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly listen: string,
    private readonly ctx: SolverContext,
  ) {}

  async start(): Promise<void> {
    const { host, port } = parseListen(this.listen);
    const server = createServer({
      ALPNProtocols: [ACME_TLS_ALPN],
      // Anything but a name being validated gets no certificate at all: the handshake fails.
      SNICallback: (name, cb) => {
        const sc = this.contexts.get(name.toLowerCase());
        if (sc) cb(null, sc);
        else cb(new Error(`no tls-alpn-01 challenge for ${name}`));
      },
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('secureConnection', (socket) => {
      this.ctx.log(
        'info',
        `tls-alpn-01: served ${socket.servername || '?'} to ${socket.remoteAddress ?? '?'}`,
      );
      socket.end();
    });
    // A client that fails the handshake (a scanner, a wrong SNI) must not end the server.
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new AcmeFailure(
            'local-io',
            `cannot listen on ${this.listen} for tls-alpn-01: ${err.code ?? err.message}`,
          ),
        ),
      );
      server.listen({ port, ...(host ? { host } : {}) }, () => resolve());
    });
    this.server = server;
  }

  async present(task: ChallengeTask): Promise<void> {
    const { certPem, keyPem } = await challengeCertificate(task.domain, task.value);
    this.contexts.set(sniName(task.domain), createSecureContext({ cert: certPem, key: keyPem }));
  }

  async ready(): Promise<void> {}

  async cleanup(task: ChallengeTask): Promise<void> {
    this.contexts.delete(sniName(task.domain));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}

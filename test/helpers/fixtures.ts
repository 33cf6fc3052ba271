/**
 * Test certificates and keys, generated at test time (no private key is ever committed).
 * @peculiar/x509 lets a test choose any validity window, issuer, SANs and key type.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type FixtureKeyType = 'ec256' | 'ec384' | 'rsa2048' | 'rsa3072' | 'rsa4096' | 'ed25519' | 'rsa1024';

export interface Issued {
  cert: x509.X509Certificate;
  certPem: string;
  keyPem: string;
  key: KeyObject;
  keys: CryptoKeyPair;
  alg: Algorithm;
}

const DAY = 86400_000;
const keyCache = new Map<string, Promise<CryptoKeyPair>[]>();

function algorithm(type: FixtureKeyType): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  if (type.startsWith('rsa')) {
    return {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: Number(type.slice(3)),
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    };
  }
  if (type === 'ed25519') return { name: 'Ed25519' };
  return { name: 'ECDSA', namedCurve: type === 'ec384' ? 'P-384' : 'P-256' };
}

function signingAlg(type: FixtureKeyType): Algorithm {
  const a = algorithm(type);
  return a.name === 'ECDSA'
    ? ({ ...a, hash: type === 'ec384' ? 'SHA-384' : 'SHA-256' } as unknown as Algorithm)
    : a;
}

/** Key generation dominates test time (RSA 4096 takes seconds): reuse a few keys per type. */
function keyPair(type: FixtureKeyType, slot: number): Promise<CryptoKeyPair> {
  const list = keyCache.get(type) ?? [];
  keyCache.set(type, list);
  if (!list[slot]) {
    list[slot] = webcrypto.subtle.generateKey(algorithm(type) as EcKeyGenParams, true, [
      'sign',
      'verify',
    ]) as Promise<CryptoKeyPair>;
  }
  return list[slot]!;
}

let keySlot = 0;

export interface CertOptions {
  keyType?: FixtureKeyType;
  /** Subject CN; defaults to the first SAN. */
  cn?: string;
  /** Extra subject attributes, e.g. "O=certguard placeholder". */
  subjectExtra?: string;
  sans?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Days of validity from now (ignored when notAfter is set). */
  days?: number;
  issuer?: Issued;
  isCa?: boolean;
  /** Fresh key instead of one of the cached ones. */
  freshKey?: boolean;
  /**
   * Copy this certificate's subject key identifier: with the same `cn` and `issuer` this forges an
   * impostor that links by name and key id but holds another key (only the signature tells).
   */
  subjectKeyIdOf?: Issued;
}

export async function makeCert(o: CertOptions = {}): Promise<Issued> {
  const keyType = o.keyType ?? 'ec256';
  const keys = o.freshKey
    ? ((await webcrypto.subtle.generateKey(algorithm(keyType) as EcKeyGenParams, true, [
        'sign',
        'verify',
      ])) as CryptoKeyPair)
    : await keyPair(keyType, keySlot++ % 4);
  const now = Date.now();
  const notBefore = o.notBefore ?? new Date(now - DAY);
  const notAfter = o.notAfter ?? new Date(now + (o.days ?? 90) * DAY);
  const sans = o.sans ?? (o.isCa ? [] : ['example.com']);
  const cn = o.cn ?? sans[0] ?? 'certguard test CA';
  const name = `CN=${cn}${o.subjectExtra ? `, ${o.subjectExtra}` : ''}`;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(!!o.isCa, undefined, true),
    o.subjectKeyIdOf
      ? new x509.SubjectKeyIdentifierExtension(
          o.subjectKeyIdOf.cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId,
        )
      : await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (o.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(o.issuer.cert, false));
  if (o.isCa) {
    extensions.push(
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    );
  }
  if (sans.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        sans.map((s) => ({ type: /^[\d.]+$|:/.test(s) ? 'ip' : 'dns', value: s }) as x509.JsonGeneralName),
      ),
    );
  }
  const issuerKeys = o.issuer?.keys ?? keys;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: name,
    issuer: o.issuer ? o.issuer.cert.subject : name,
    notBefore,
    notAfter,
    signingAlgorithm: o.issuer ? o.issuer.alg : signingAlg(keyType),
    publicKey: keys.publicKey,
    signingKey: issuerKeys.privateKey,
    extensions,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    cert,
    certPem: `${cert.toString('pem').replace(/\r\n/g, '\n').trimEnd()}\n`,
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    key,
    keys,
    alg: signingAlg(keyType),
  };
}

/** The key in another PEM encoding: PKCS#1 (RSA only), SEC1 (EC only), PKCS#8; optionally encrypted. */
export function keyPemAs(issued: Issued, type: 'pkcs1' | 'sec1' | 'pkcs8', passphrase?: string): string {
  const cipher = passphrase === undefined ? {} : { cipher: 'aes-256-cbc', passphrase };
  return issued.key.export({ type, format: 'pem', ...cipher } as never) as unknown as string;
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(12));
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return Buffer.from(bytes).toString('hex');
}

/** A CA, an intermediate and a leaf signed by it: the usual shape of a CA-issued certificate. */
export async function makeChain(
  leaf: CertOptions = {},
): Promise<{ root: Issued; intermediate: Issued; leaf: Issued }> {
  const root = await makeCert({ isCa: true, cn: 'certguard test root', days: 3650 });
  const intermediate = await makeCert({
    isCa: true,
    cn: 'certguard test intermediate',
    issuer: root,
    days: 1000,
  });
  return { root, intermediate, leaf: await makeCert({ ...leaf, issuer: intermediate }) };
}

/** A temporary directory removed by the returned function (call it from t.after / finally). */
export function tempDir(prefix = 'certguard-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFile(dir: string, name: string, content: string | Buffer, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode });
  return path;
}

/** A named pipe (Node has no mkfifo): a path that opens but never reads as a regular file. */
export function makeFifo(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/**
 * A hand-made PEM block (for malformed-input tests). Built from its label so that no committed
 * file spells out a private-key PEM header, which the repository's key scan would flag.
 */
export function pemBlock(label: string, body: string): string {
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

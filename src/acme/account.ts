/**
 * The ACME account key: one per (server, email), created once and reused, so a CA sees one account
 * per host and contact instead of a new one per renewal (lego even wrote a new key when the CA was
 * unreachable). Layout: <accountDir>/<server host + path>/<email>/key.pem (0600), account.json.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readBounded } from '../cert/read-file.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { ioFailure } from './classify.ts';
import { AcmeFailure } from './types.ts';

/** A path component from arbitrary text: readable for administrators, never `..` or a slash. */
function component(text: string): string {
  const s = text.replace(/[^A-Za-z0-9._@+-]+/g, '_').replace(/^_+|_+$/g, '');
  return s === '' || /^\.+$/.test(s) ? '_' : s.slice(0, 120);
}

export function accountDirFor(accountDir: string, server: string, email: string | undefined): string {
  let serverPart: string;
  try {
    const u = new URL(server);
    serverPart = component(`${u.hostname}${u.port ? `_${u.port}` : ''}${u.pathname}`);
  } catch {
    serverPart = component(server);
  }
  return join(accountDir, serverPart, component(email ?? 'no-email'));
}

export interface AccountKey {
  dir: string;
  keyPem: string;
  created: boolean;
}

/**
 * Loads the account key, or creates it exactly once: the key is written to a private temporary
 * file and hard-linked into place, so two concurrent first runs cannot both win (the loser reads
 * the winner's key) and a crash never leaves a half-written key.
 */
export function loadOrCreateAccountKey(
  accountDir: string,
  server: string,
  email: string | undefined,
): AccountKey {
  const dir = accountDirFor(accountDir, server, email);
  const keyPath = join(dir, 'key.pem');
  const existing = readKey(keyPath);
  if (existing) return { dir, keyPem: existing, created: false };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw ioFailure(`cannot create account directory ${dir}`, err);
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const tmp = join(dir, `.key.pem.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, pem);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, keyPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const theirs = readKey(keyPath);
      if (theirs) return { dir, keyPem: theirs, created: false };
      throw err;
    }
  } catch (err) {
    throw ioFailure(`cannot write account key in ${dir}`, err);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { dir, keyPem: pem, created: true };
}

function readKey(path: string): string | undefined {
  const r = readBounded(path, 64 * 1024);
  if (!r.ok) {
    if (r.code === 'missing') return undefined;
    throw new AcmeFailure('local-io', `account key ${r.message}`);
  }
  const pem = r.data.toString('utf8');
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') throw new Error('type');
  } catch {
    // Never echo the content: it is (or was meant to be) a private key.
    throw new AcmeFailure('local-io', `account key ${path} is not a usable EC or RSA private key`);
  }
  return pem;
}

/** Remembers the account URL beside the key (informational: the key alone identifies the account). */
export function saveAccountInfo(dir: string, info: { server: string; email?: string; url: string }): void {
  try {
    writeFileAtomic(
      join(dir, 'account.json'),
      `${JSON.stringify({ ...info, savedAt: new Date().toISOString() }, null, 2)}\n`,
      0o644,
    );
  } catch {
    // Not needed for anything but the administrator's curiosity: never fail an order for it.
  }
}

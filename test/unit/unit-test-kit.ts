/**
 * Shared pieces of the unit-mode tests: a config file with one certificate NAME in a temp
 * directory, and real certificate files.
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeChain, tempDir } from '../helpers/fixtures.ts';

export const DAY = 86_400_000;

export interface Site {
  dir: string;
  certDir: string;
  configPath: string;
  cleanup(): void;
}

export function makeSite(entry: Record<string, unknown> = {}, name = 'site'): Site {
  const { dir, cleanup } = tempDir('certguard-unit-');
  const certDir = join(dir, 'acme', name);
  const configPath = join(dir, 'certguard.json');
  const config = {
    stateDirectory: join(dir, 'state'),
    certs: { [name]: { directory: certDir, domains: ['example.com', 'www.example.com'], ...entry } },
  };
  writeFileSync(configPath, JSON.stringify(config));
  return { dir, certDir, configPath, cleanup };
}

/** Writes a CA-issued certificate (leaf + intermediate) and its key the way the installer lays them out. */
export async function writeRealCert(
  certDir: string,
  o: { notBefore?: Date; notAfter?: Date; sans?: string[] } = {},
): Promise<string> {
  const now = Date.now();
  const { intermediate, leaf } = await makeChain({
    sans: o.sans ?? ['example.com', 'www.example.com'],
    notBefore: o.notBefore ?? new Date(now - DAY),
    notAfter: o.notAfter ?? new Date(now + 89 * DAY),
  });
  mkdirSync(certDir, { recursive: true });
  writeFileSync(join(certDir, 'fullchain.pem'), leaf.certPem + intermediate.certPem);
  writeFileSync(join(certDir, 'key.pem'), leaf.keyPem, { mode: 0o600 });
  return new X509Certificate(leaf.certPem).fingerprint256;
}

export function servedLeaf(certDir: string): X509Certificate {
  return new X509Certificate(readFileSync(join(certDir, 'fullchain.pem')));
}

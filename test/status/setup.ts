/**
 * A throw-away certguard installation for status tests: a config file, certificate directories in
 * the NixOS layout and a state directory, all under one temp dir removed by `cleanup`.
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { subjectAltNames } from '../../src/cert/names.ts';
import type { RawCertEntry } from '../../src/config/config-file.ts';
import { emptyState, type RenewalState, writeState } from '../../src/store/state.ts';
import { type Issued, tempDir } from '../helpers/fixtures.ts';

export interface Install {
  dir: string;
  configFile: string;
  stateDirectory: string;
  certs: Record<string, RawCertEntry>;
  /** Installs fullchain.pem (leaf + issuers) and key.pem for NAME and registers it in the config. */
  addCert(name: string, leaf: Issued | null, opts?: { issuers?: Issued[]; entry?: RawCertEntry }): string;
  setState(name: string, patch: Partial<RenewalState>): void;
  /** Writes the config file; call after adding certificates. */
  writeConfig(extra?: Record<string, unknown>): string;
  cleanup(): void;
}

export function makeInstall(): Install {
  const { dir, cleanup } = tempDir('certguard-status-');
  const stateDirectory = join(dir, 'state');
  const configFile = join(dir, 'certguard.json');
  const certs: Record<string, RawCertEntry> = {};
  return {
    dir,
    configFile,
    stateDirectory,
    certs,
    addCert(name, leaf, opts = {}) {
      const directory = join(dir, 'certs', name);
      mkdirSync(directory, { recursive: true });
      if (leaf) {
        const chain = (opts.issuers ?? []).map((i) => i.certPem).join('');
        writeFileSync(join(directory, 'fullchain.pem'), leaf.certPem + chain, { mode: 0o644 });
        writeFileSync(join(directory, 'key.pem'), leaf.keyPem, { mode: 0o600 });
      }
      // An entry without domains certifies its NAME: give the leaf's own names instead.
      const domains = leaf ? subjectAltNames(new X509Certificate(leaf.certPem)) : [];
      certs[name] = { directory, ...(domains.length ? { domains } : {}), ...opts.entry };
      return directory;
    },
    setState(name, patch) {
      writeState(stateDirectory, name, { ...emptyState(), ...patch });
    },
    writeConfig(extra = {}) {
      writeFileSync(configFile, JSON.stringify({ stateDirectory, defaults: {}, certs, ...extra }, null, 2));
      return configFile;
    },
    cleanup,
  };
}

export const HOUR = 3600_000;
export const DAY = 86400_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

import { readBounded } from '../cert/read-file.ts';
import { credentialPath } from '../config/credential-path.ts';
import { RenewFailure } from './local-failure.ts';

/**
 * Reads the External Account Binding HMAC key. It never comes from argv (visible in `ps` and the
 * journal): `hmacFile` is a path, or a bare name looked up in `$CREDENTIALS_DIRECTORY` (systemd
 * LoadCredential=eab-hmac:/path, then `eab.hmacFile = "eab-hmac"`). Only the file is named in errors.
 */
export function readEabHmac(hmacFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = eabHmacPath(hmacFile, env);
  const read = readBounded(path, 64 * 1024);
  if (!read.ok) throw new RenewFailure('local-io', `EAB HMAC key: ${read.message}`);
  const key = read.data.toString('utf8').trim();
  if (!/^[A-Za-z0-9_=+/-]+$/.test(key)) {
    throw new RenewFailure('local-io', `EAB HMAC key ${path}: expected one line of base64url`);
  }
  // CAs hand out base64url; accept standard base64 too and normalise it.
  return key.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function eabHmacPath(hmacFile: string, env: NodeJS.ProcessEnv = process.env): string {
  return credentialPath(hmacFile, env);
}

import { isAbsolute, join } from 'node:path';

/**
 * Where a secret named in the configuration lives: a path, or a bare name looked up in
 * `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=NAME:/path`), so secrets reach a unit as files
 * and never as arguments.
 */
export function credentialPath(file: string, env: NodeJS.ProcessEnv = process.env): string {
  const creds = env.CREDENTIALS_DIRECTORY;
  if (creds && !isAbsolute(file) && !file.includes('/')) return join(creds, file);
  return file;
}

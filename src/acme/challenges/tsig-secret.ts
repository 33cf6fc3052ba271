import { readBounded } from '../../cert/read-file.ts';
import { credentialPath } from '../../config/credential-path.ts';
import { AcmeFailure } from '../types.ts';

/**
 * Reads a TSIG secret: one line of base64, or the key file the servers' own tools write
 * (`tsig-keygen`/`ddns-confgen`: `secret "..."`; `keymgr -t`: `secret: ...`), so the file given to
 * the DNS server can be given here unchanged. Only the file's path ever appears in a message.
 */
export function readTsigSecret(file: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const path = credentialPath(file, env);
  if (!path.includes('/')) {
    throw new AcmeFailure(
      'local-io',
      `rfc2136 TSIG secret "${file}": not a path, and $CREDENTIALS_DIRECTORY is not set`,
    );
  }
  const read = readBounded(path, 64 * 1024);
  if (!read.ok) throw new AcmeFailure('local-io', `rfc2136 TSIG secret: ${read.message}`);
  const text = read.data.toString('utf8');
  const quoted = /\bsecret\s+"([^"]*)"/.exec(text) ?? /\bsecret:\s*(\S+)/.exec(text);
  const b64 = (quoted ? quoted[1]! : text).trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) {
    throw new AcmeFailure(
      'local-io',
      `rfc2136 TSIG secret ${path}: expected base64 (or a BIND/Knot key file)`,
    );
  }
  const secret = Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (secret.length === 0) throw new AcmeFailure('local-io', `rfc2136 TSIG secret ${path} is empty`);
  return secret;
}

import { join } from 'node:path';

/**
 * The files of one certificate, as NixOS `security.acme` lays them out, so web server
 * configurations (useACMEHost, sslCertificate = .../fullchain.pem) keep working unchanged.
 */
export function certFiles(directory: string) {
  return {
    cert: join(directory, 'cert.pem'),
    chain: join(directory, 'chain.pem'),
    fullchain: join(directory, 'fullchain.pem'),
    key: join(directory, 'key.pem'),
    full: join(directory, 'full.pem'),
  };
}

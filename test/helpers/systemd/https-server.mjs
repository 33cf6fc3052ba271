// The protected service of the systemd tests: a small HTTPS server that serves the certificate
// files named in $CERT and $KEY on 127.0.0.1:$PORT, and re-reads them on SIGHUP (ExecReload=),
// as nginx does. Plain JavaScript: it runs under the guest's node without tsx.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';

const { CERT, KEY, PORT } = process.env;
const load = () => ({ cert: readFileSync(CERT), key: readFileSync(KEY) });
const fingerprint = (pem) => new X509Certificate(pem).fingerprint256;

let files = load();
const server = https.createServer(files, (_req, res) => res.end('ok\n'));
server.listen(Number(PORT), '127.0.0.1', () => {
  console.log(`serving ${fingerprint(files.cert)} on 127.0.0.1:${PORT}`);
});
process.on('SIGHUP', () => {
  try {
    files = load();
    server.setSecureContext(files);
    console.log(`reloaded, serving ${fingerprint(files.cert)}`);
  } catch (err) {
    console.error(`reload failed, keeping the old certificate: ${err.message}`);
  }
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

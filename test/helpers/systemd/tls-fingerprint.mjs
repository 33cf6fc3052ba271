// Prints the SHA-256 fingerprint of the certificate served on 127.0.0.1:PORT (argv[2]), as node's
// X509Certificate.fingerprint256 spells it. Run inside the guest (its network namespace).
import tls from 'node:tls';

const port = Number(process.argv[2]);
const socket = tls.connect(
  { host: '127.0.0.1', port, servername: process.argv[3] ?? 'localhost', rejectUnauthorized: false },
  () => {
    console.log(socket.getPeerX509Certificate().fingerprint256);
    socket.end();
  },
);
socket.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});

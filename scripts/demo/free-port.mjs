// Prints N TCP ports that are free on 127.0.0.1 right now (listen on port 0, then close).
import { createServer } from 'node:net';

const n = Number(process.argv[2] ?? 1);
const servers = [];
for (let i = 0; i < n; i++) {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  servers.push(s);
}
console.log(servers.map((s) => s.address().port).join(' '));
for (const s of servers) s.close();

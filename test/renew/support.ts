/**
 * Shared pieces of the renew tests: settings pointing at a test pebble, a loopback listener that
 * counts accepted connections (to prove that a run opened none), and a collecting logger.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { RawCertEntry } from '../../src/config/config-file.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import type { CertSettings, GlobalSettings } from '../../src/config/settings.ts';
import type { Pebble } from '../helpers/pebble.ts';

export interface Counter {
  port: number;
  url: string;
  accepts(): number;
  close(): Promise<void>;
}

/**
 * Accepts TCP connections on 127.0.0.1 and counts them. With `forwardTo` it relays bytes to that
 * port (a pass-through in front of pebble); without, it closes every connection at once.
 */
export async function countingListener(forwardTo?: number): Promise<Counter> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    if (forwardTo === undefined) {
      s.destroy();
      return;
    }
    const up = connect(forwardTo, '127.0.0.1');
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => s.destroy());
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `https://127.0.0.1:${port}/dir`,
    accepts: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function pebbleSettings(
  pebble: Pebble,
  dir: string,
  over: RawCertEntry = {},
  name = 'site',
): CertSettings {
  return resolveCert(
    name,
    [
      {
        directory: join(dir, 'certs', name),
        domains: ['site.test', 'www.site.test'],
        server: pebble.directoryUrl,
        caBundle: pebble.caBundlePath,
        email: 'admin@site.test',
        httpListen: `127.0.0.1:${pebble.httpPort}`,
      },
      over,
    ],
    'test',
  );
}

export function globalFor(dir: string): GlobalSettings {
  return { stateDirectory: join(dir, 'state'), prometheusFile: undefined };
}

export function collectLog() {
  const lines: { level: string; text: string }[] = [];
  return {
    lines,
    log: (level: 'info' | 'warning' | 'err', text: string) => {
      lines.push({ level, text });
    },
    text: () => lines.map((l) => `${l.level}: ${l.text}`).join('\n'),
  };
}

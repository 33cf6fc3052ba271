/**
 * A real ACME CA for tests: Debian's pebble (and pebble-challtestsrv as its DNS server), started on
 * loopback with free ports picked at run time, a self-made CA for pebble's HTTPS listener, and
 * stopped by PID. See /work/shared/notes/pebble.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCert } from './fixtures.ts';

export interface PebbleOptions {
  validitySeconds?: number;
  /** External Account Binding required, with these kid -> base64url HMAC keys. */
  eab?: Record<string, string>;
  /** PEBBLE_VA_ALWAYS_VALID: every challenge passes without validation. */
  alwaysValid?: boolean;
  /** Percentage of nonces pebble rejects at random (PEBBLE_WFE_NONCEREJECT); default 0. */
  nonceReject?: number;
  /** Real DNS via pebble-challtestsrv (every A query answers 127.0.0.1); default true. */
  challtestsrv?: boolean;
  /** Port pebble's VA fetches http-01 tokens from; default: a free port. */
  httpPort?: number;
  /** Port pebble's VA connects to for tls-alpn-01; default: a free port. */
  tlsPort?: number;
  /** `-dnsserver ADDR:PORT` of a DNS server of the test's own (e.g. knotd) instead of challtestsrv. */
  dnsServer?: string;
}

export interface Pebble {
  directoryUrl: string;
  /** CA of pebble's HTTPS listener (trust it via OrderRequest.caBundle). */
  caBundlePath: string;
  /** Certificate and key of pebble's HTTPS listener (SAN localhost, 127.0.0.1), for fronting servers. */
  tlsCertPath: string;
  tlsKeyPath: string;
  /** https://127.0.0.1:PORT of the ACME API (no path). */
  origin: string;
  managementUrl: string;
  httpPort: number;
  tlsPort: number;
  /** POST /set-txt {"host","value"} and /clear-txt {"host"}. */
  challtestsrvManagementUrl?: string;
  workDir: string;
  /** PEM of the root that signs issued certificates (new at every start). */
  rootPem(): Promise<string>;
  stop(): Promise<void>;
  pid: number;
}

const BIN = '/usr/bin/pebble';
const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';

export function pebbleAvailable(): boolean {
  return existsSync(BIN) && existsSync(CHALLTESTSRV);
}

/** A TCP port free on 127.0.0.1 right now (listen on 0, close). Callers retry on a lost race. */
export async function freePort(udpToo = false): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s: Server = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    if (!udpToo || (await udpFree(port))) return port;
  }
  throw new Error('no free port found');
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export interface Child {
  proc: ChildProcess;
  exited: Promise<void>;
  logPath: string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export function startChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, logPath: string): Child {
  const log = openSync(logPath, 'a');
  const proc = spawn(cmd, args, { env, stdio: ['ignore', log, log] });
  running.add(proc);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test that crashes or is stopped (the runner's timeout sends SIGTERM) must not leave pebble
    // listening: end our own children by PID, then let the signal do what it would have done.
    const killChildren = () => {
      for (const p of running) {
        if (p.pid && p.exitCode === null) {
          try {
            process.kill(p.pid, 'SIGKILL');
          } catch {}
        }
      }
    };
    process.once('exit', killChildren);
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        killChildren();
        process.kill(process.pid, sig);
      });
    }
  }
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      running.delete(proc);
      resolve();
    }),
  );
  return { proc, exited, logPath };
}

export async function stopChild(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), 3000);
  await c.exited;
  clearTimeout(timer);
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitReady(url: string, ca: string, child: Child, what: string): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (child.proc.exitCode !== null) {
      throw new Error(`${what} exited early: ${tail(child.logPath)}`);
    }
    try {
      const r = await get(url, ca);
      if (r.status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not become ready: ${tail(child.logPath)}`);
}

async function waitTcp(port: number, child: Child, what: string): Promise<void> {
  const { connect } = await import('node:net');
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (child.proc.exitCode !== null) throw new Error(`${what} exited early: ${tail(child.logPath)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen: ${tail(child.logPath)}`);
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

/** Starts pebble (and challtestsrv). Ports lost to a concurrent test are retried with new ones. */
export async function startPebble(opts: PebbleOptions = {}): Promise<Pebble> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      lastError = err;
      if (!/address already in use|bind/i.test(String(err))) throw err;
    }
  }
  throw lastError;
}

async function startOnce(opts: PebbleOptions): Promise<Pebble> {
  const workDir = mkdtempSync(join(tmpdir(), 'certguard-pebble-'));
  const children: Child[] = [];
  const cleanup = async () => {
    for (const c of children.reverse()) await stopChild(c);
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const root = await makeCert({ isCa: true, cn: 'certguard pebble listener CA', days: 30, freshKey: true });
    const leaf = await makeCert({ issuer: root, sans: ['localhost', '127.0.0.1'], days: 30, freshKey: true });
    const caBundlePath = join(workDir, 'listener-ca.pem');
    const tlsCertPath = join(workDir, 'localhost.pem');
    const tlsKeyPath = join(workDir, 'localhost.key');
    writeFileSync(caBundlePath, root.certPem);
    writeFileSync(tlsCertPath, leaf.certPem + root.certPem);
    writeFileSync(tlsKeyPath, leaf.keyPem, { mode: 0o600 });
    const ca = root.certPem;

    const useChall = opts.dnsServer === undefined && (opts.challtestsrv ?? true);
    let challtestsrvManagementUrl: string | undefined;
    let dnsPort: number | undefined;
    if (useChall) {
      dnsPort = await freePort(true);
      const mgmt = await freePort();
      const chall = startChild(
        CHALLTESTSRV,
        [
          '-defaultIPv6',
          '',
          '-defaultIPv4',
          '127.0.0.1',
          '-dns01',
          `127.0.0.1:${dnsPort}`,
          '-http01',
          '',
          '-https01',
          '',
          '-tlsalpn01',
          '',
          '-management',
          `127.0.0.1:${mgmt}`,
        ],
        process.env,
        join(workDir, 'challtestsrv.log'),
      );
      children.push(chall);
      await waitTcp(mgmt, chall, 'pebble-challtestsrv');
      challtestsrvManagementUrl = `http://127.0.0.1:${mgmt}`;
    }

    const port = await freePort();
    const mgmtPort = await freePort();
    const httpPort = opts.httpPort ?? (await freePort());
    const tlsPort = opts.tlsPort ?? (await freePort());
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: tlsCertPath,
        privateKey: tlsKeyPath,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: !!opts.eab,
        ...(opts.eab ? { externalAccountMACKeys: opts.eab } : {}),
        certificateValidityPeriod: opts.validitySeconds ?? 7776000,
      },
    };
    const configPath = join(workDir, 'pebble.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: String(opts.nonceReject ?? 0),
      PEBBLE_AUTHZREUSE: '0',
    };
    if (opts.alwaysValid) env.PEBBLE_VA_ALWAYS_VALID = '1';
    const args = ['-config', configPath];
    if (dnsPort) args.push('-dnsserver', `127.0.0.1:${dnsPort}`);
    else if (opts.dnsServer) args.push('-dnsserver', opts.dnsServer);
    const pebble = startChild(BIN, args, env, join(workDir, 'pebble.log'));
    children.push(pebble);
    const origin = `https://127.0.0.1:${port}`;
    const directoryUrl = `${origin}/dir`;
    await waitReady(directoryUrl, ca, pebble, 'pebble');
    const managementUrl = `https://127.0.0.1:${mgmtPort}`;
    return {
      directoryUrl,
      caBundlePath,
      tlsCertPath,
      tlsKeyPath,
      origin,
      managementUrl,
      httpPort,
      tlsPort,
      ...(challtestsrvManagementUrl ? { challtestsrvManagementUrl } : {}),
      workDir,
      pid: pebble.proc.pid!,
      async rootPem() {
        const r = await get(`${managementUrl}/roots/0`, ca);
        if (r.status !== 200) throw new Error(`pebble roots/0: HTTP ${r.status}`);
        return r.body;
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

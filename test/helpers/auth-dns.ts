/**
 * Real authoritative DNS servers for tests: Debian's knotd, BIND's named or PowerDNS on 127.0.0.1 at a free
 * port, serving one zone that accepts TSIG-signed dynamic updates, stopped by PID. `kdig` (Knot's
 * own client, not our code) answers what the zone holds.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, freePort, startChild, stopChild } from './pebble.ts';

const KDIG = '/usr/bin/kdig';
const PDNS_SCHEMA = '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql';

export type AuthServerKind = 'knot' | 'bind' | 'pdns';

/** What every server's configuration is made of. */
interface ZoneSetup {
  dir: string;
  port: number;
  zone: string;
  keyName: string;
  algorithm: string;
  secret: string;
}
type ConfigFn = (z: ZoneSetup) => string;

/** How each server is configured and started; `prepare` runs once before the first start. */
const KINDS: Record<
  AuthServerKind,
  { needs: string[]; config: ConfigFn; args: (dir: string, conf: string) => string[]; prepare?: PrepareFn }
> = {
  knot: { needs: ['/usr/sbin/knotd'], config: knotConfig, args: (_dir, conf) => ['-c', conf] },
  bind: { needs: ['/usr/sbin/named'], config: namedConfig, args: (_dir, conf) => ['-g', '-c', conf] },
  pdns: {
    needs: ['/usr/sbin/pdns_server', '/usr/bin/pdnsutil', '/usr/bin/sqlite3', PDNS_SCHEMA],
    config: pdnsConfig,
    args: (dir) => [
      `--config-dir=${dir}`,
      '--daemon=no',
      '--guardian=no',
      '--disable-syslog',
      '--write-pid=no',
    ],
    prepare: pdnsPrepare,
  },
};

export function authServerAvailable(kind: AuthServerKind): boolean {
  return [...KINDS[kind].needs, KDIG].every((f) => existsSync(f));
}

export function knotAvailable(): boolean {
  return authServerAvailable('knot');
}

export interface AuthServer {
  kind: AuthServerKind;
  port: number;
  zone: string;
  keyName: string;
  algorithm: string;
  /** base64 TSIG secret the zone accepts updates with. */
  secret: string;
  dir: string;
  /** The TXT values at NAME, as kdig prints them (without quotes), asked of this server only. */
  txt(name: string): string[];
  stop(): Promise<void>;
}

export function startKnot(opts: AuthServerOptions = {}): Promise<AuthServer> {
  return startAuthServer('knot', opts);
}

function knotConfig({ dir, port, zone, keyName, algorithm, secret }: ZoneSetup) {
  return [
    'server:',
    `    rundir: ${dir}`,
    `    listen: 127.0.0.1@${port}`,
    'database:',
    `    storage: ${join(dir, 'db')}`,
    'log:',
    '  - target: stderr',
    '    any: info',
    'key:',
    `  - id: ${keyName}`,
    `    algorithm: ${algorithm}`,
    `    secret: ${secret}`,
    'acl:',
    '  - id: update',
    `    key: ${keyName}`,
    '    action: update',
    'zone:',
    `  - domain: ${zone}`,
    `    storage: ${dir}`,
    `    file: ${zone}.zone`,
    '    acl: update',
    '',
  ].join('\n');
}

/** BIND with the narrow update-policy docs/acme.md recommends (TXT records under the zone only). */
function namedConfig({ dir, port, zone, keyName, algorithm, secret }: ZoneSetup) {
  return `options {
  directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  recursion no;
  dnssec-validation no;
};
controls { };
key "${keyName}" { algorithm ${algorithm}; secret "${secret}"; };
zone "${zone}" {
  type primary;
  file "${dir}/${zone}.zone";
  update-policy { grant ${keyName} subdomain ${zone}. TXT; };
};
`;
}

type PrepareFn = (z: ZoneSetup) => void;

/** PowerDNS with its sqlite backend (the bind backend cannot take updates); writes TXT under zone. */
function pdnsConfig({ dir, port }: ZoneSetup): string {
  return [
    'launch=gsqlite3',
    `gsqlite3-database=${join(dir, 'pdns.db')}`,
    'local-address=127.0.0.1',
    `local-port=${port}`,
    'dnsupdate=yes',
    'allow-dnsupdate-from=127.0.0.0/8',
    `socket-dir=${dir}`,
    'webserver=no',
    'api=no',
    '',
  ].join('\n');
}

function pdnsPrepare(z: ZoneSetup): void {
  const { dir, zone, keyName, algorithm, secret } = z;
  writeFileSync(join(dir, 'pdns.conf'), pdnsConfig({ ...z, port: 53 }));
  execFileSync('/usr/bin/sqlite3', [join(dir, 'pdns.db')], {
    input: readFileSync(PDNS_SCHEMA),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const util = (...a: string[]) =>
    execFileSync('/usr/bin/pdnsutil', [`--config-dir=${dir}`, ...a], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 20_000,
    });
  util('load-zone', zone, join(dir, `${zone}.zone`));
  util('import-tsig-key', keyName, algorithm, secret);
  util('set-meta', zone, 'TSIG-ALLOW-DNSUPDATE', keyName);
}

export interface AuthServerOptions {
  zone?: string;
  algorithm?: string;
  /** More zone-file lines (relative names), e.g. a second NS. */
  records?: string[];
}

export async function startAuthServer(
  kind: AuthServerKind,
  opts: AuthServerOptions = {},
): Promise<AuthServer> {
  const zone = opts.zone ?? 'zone.test';
  const algorithm = opts.algorithm ?? 'hmac-sha256';
  const keyName = 'certguard-test-key';
  const secret = randomBytes(32).toString('base64');
  const dir = join(tmpdir(), `certguard-${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(join(dir, 'db'), { recursive: true });
  writeFileSync(
    join(dir, `${zone}.zone`),
    [
      `$ORIGIN ${zone}.`,
      '$TTL 60',
      '@ SOA ns1 hostmaster 1 3600 600 86400 60',
      '@ NS ns1',
      'ns1 A 127.0.0.1',
      '@ A 127.0.0.1',
      '* A 127.0.0.1',
      ...(opts.records ?? []),
      '',
    ].join('\n'),
  );
  const spec = KINDS[kind];
  spec.prepare?.({ dir, port: 53, zone, keyName, algorithm, secret });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort(true);
    const conf = join(dir, kind === 'pdns' ? 'pdns.conf' : `${kind}.conf`);
    writeFileSync(conf, spec.config({ dir, port, zone, keyName, algorithm, secret }));
    const logPath = join(dir, `${kind}-${attempt}.log`);
    const child = startChild(spec.needs[0]!, spec.args(dir, conf), process.env, logPath);
    const up = await waitServing(child, port, zone);
    if (!up) {
      await stopChild(child);
      if (attempt < 3 && /address already in use|bind/i.test(readFileSync(logPath, 'utf8'))) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `knotd did not start: ${readFileSync(logPath, 'utf8').trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    return {
      kind,
      port,
      zone,
      keyName,
      algorithm,
      secret,
      dir,
      txt: (name) => kdigTxt(port, name),
      async stop() {
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

function kdigTxt(port: number, name: string): string[] {
  const out = execFileSync(KDIG, [`@127.0.0.1`, '-p', String(port), name, 'TXT', '+short', '+norec'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().replace(/^"(.*)"$/, '$1'));
}

async function waitServing(child: Child, port: number, zone: string): Promise<boolean> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (child.proc.exitCode !== null) return false;
    try {
      const out = execFileSync(
        KDIG,
        ['@127.0.0.1', '-p', String(port), zone, 'SOA', '+short', '+norec', '+time=1', '+retry=0'],
        {
          encoding: 'utf8',
          timeout: 3000,
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      if (out.includes('hostmaster')) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

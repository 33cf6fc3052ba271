/**
 * Certificate hierarchies made with the openssl CLI at test time, for the extensions
 * @peculiar/x509 cannot easily write: made-up critical extensions, name constraints, an EKU on an
 * intermediate, empty subjects and issuers, weak curves. Keys stay in the temporary directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;

/** Call at the top of a test that needs openssl: prints SKIPPED loudly and returns false without it. */
export function requireOpenssl(t: { skip: (m: string) => void }): boolean {
  if (HAVE_OPENSSL) return true;
  console.warn('SKIPPED: openssl not installed: cannot generate the certificate fixtures');
  t.skip('SKIPPED: openssl not installed');
  return false;
}

export interface PkiCert {
  name: string;
  pem: string;
  certFile: string;
  keyFile: string;
}

export type KeySpec = 'ec256' | 'ec384' | 'rsa1024' | 'rsa2048' | 'secp256k1';

export interface IssueOptions {
  /** openssl -subj form: "/CN=x/O=y", or "/" for an empty subject. */
  subject: string;
  /** Extension lines in openssl x509v3_config syntax. */
  ext: string[];
  issuer?: PkiCert;
  days?: number;
  key?: KeySpec;
}

/** A directory in which certificates are issued with openssl (signing keys stay there). */
export class OpensslPki {
  private n = 0;
  constructor(readonly dir: string) {}

  private run(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private genKey(file: string, spec: KeySpec): void {
    const opt =
      spec === 'rsa1024' || spec === 'rsa2048'
        ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec.slice(3)}`]
        : [
            '-algorithm',
            'EC',
            '-pkeyopt',
            `ec_paramgen_curve:${spec === 'ec384' ? 'P-384' : spec === 'secp256k1' ? 'secp256k1' : 'P-256'}`,
          ];
    this.run(['genpkey', ...opt, '-out', file]);
  }

  issue(o: IssueOptions): PkiCert {
    const name = `c${this.n++}`;
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.pem`);
    const extFile = join(this.dir, `${name}.ext`);
    this.genKey(keyFile, o.key ?? 'ec256');
    writeFileSync(extFile, `[req]\ndistinguished_name = dn\n[dn]\n[v3]\n${o.ext.join('\n')}\n`);
    const days = String(o.days ?? 30);
    if (o.issuer) {
      const csr = join(this.dir, `${name}.csr`);
      this.run(['req', '-new', '-key', keyFile, '-subj', o.subject, '-out', csr]);
      this.run([
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        o.issuer.certFile,
        '-CAkey',
        o.issuer.keyFile,
        '-set_serial',
        String(1000 + this.n),
        '-days',
        days,
        '-extfile',
        extFile,
        '-extensions',
        'v3',
        '-out',
        certFile,
      ]);
    } else {
      this.run(['req', '-x509', '-new', '-key', keyFile, '-subj', o.subject, '-days', days]
        .concat(['-config', extFile, '-extensions', 'v3', '-out', certFile])); // biome-ignore format: argv
    }
    return { name, pem: readFileSync(certFile, 'latin1'), certFile, keyFile };
  }

  /** A self-signed root CA. */
  root(subject: string, ext: string[] = []): PkiCert {
    return this.issue({ subject, ext: [...CA_EXT, ...ext], days: 3650 });
  }

  /** An intermediate CA (extra extension lines appended). */
  ca(subject: string, issuer: PkiCert, ext: string[] = []): PkiCert {
    return this.issue({ subject, issuer, ext: [...CA_EXT, ...ext], days: 1000 });
  }

  /** A TLS server leaf for `names` (DNS or IP SANs); extra extension lines appended. */
  leaf(issuer: PkiCert, names: string[], ext: string[] = [], o: Partial<IssueOptions> = {}): PkiCert {
    const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    return this.issue({
      subject: o.subject ?? `/CN=${names[0]}`,
      issuer,
      ext: [`subjectAltName=${o.subject === '/' ? 'critical,' : ''}${san}`, ...ext],
      ...o,
    });
  }

  /** Writes PEM files concatenated (fullchain.pem, bundles) and returns the path. */
  file(name: string, ...certs: PkiCert[]): string {
    const path = join(this.dir, name);
    writeFileSync(path, certs.map((c) => c.pem).join(''));
    return path;
  }
}

const CA_EXT = ['basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign,cRLSign'];

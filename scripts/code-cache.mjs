// Build step: the V8 code cache of each executable (read by src/cli/launch.ts). V8 puts in a cache
// the functions compiled so far, so each executable is run on the usual, offline paths - a usable
// certificate checked by flags and by config name, and for certguard also a renew that is not due -
// and the cache is saved at exit. After each run the cache's SHA-256 is written into the executable
// (which reads no cache whose hash differs), so the next run starts from it and the last cache holds
// the functions of all the runs. The runs use a throw-away CA, certificate and key made here in
// a private temporary directory, removed afterwards; none of them contacts the network (the renew
// is not due, and its server is a closed loopback port in case that ever changed).
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';

/** The hash an executable holds until its cache is made (NO_CACHE in src/cli/code-cache-file.ts). */
export const NO_CACHE = '0'.repeat(64);
const RUN = fileURLToPath(new URL('code-cache-run.cjs', import.meta.url));
const DAY = 24 * 3600 * 1000;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** Writes <executable>.code-cache beside each of dist's executables (outdir: the build's dist). */
export async function makeCodeCaches(outdir) {
  const dir = mkdtempSync(join(tmpdir(), 'certguard-code-cache-'));
  try {
    const f = await writeFixtures(dir);
    const check = ['--cert', f.fullchain, '--key', f.key, '--domain', 'example.com'];
    const byName = ['site', '--config', f.config];
    saveCache(join(outdir, 'certguard-preflight.cjs'), [check, byName]);
    saveCache(join(outdir, 'certguard.cjs'), [
      ['check', ...check],
      ['check', ...byName],
      ['renew', ...byName],
      // The steady state of a timer run: the state of certguard's own last issuance, ARI fresh.
      () => writeSteadyState(f),
      ['renew', ...byName],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function saveCache(executable, runs) {
  const cache = `${executable}.code-cache`;
  rmSync(cache, { force: true });
  let sha = NO_CACHE;
  for (const args of runs) {
    if (typeof args === 'function') {
      args();
      continue;
    }
    const r = spawnSync(process.execPath, [RUN, executable, cache, ...args], { encoding: 'utf8' });
    // A run that does not end as a usable, not-due certificate would cache the wrong paths.
    if (r.status !== 0 || !existsSync(cache)) {
      throw new Error(`code cache: ${executable} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    }
    sha = writeExpectedHash(executable, sha, createHash('sha256').update(readFileSync(cache)).digest('hex'));
  }
}

/** Replaces the executable's one copy of the hash `from` by `to` (same length: nothing moves). */
function writeExpectedHash(executable, from, to) {
  const text = readFileSync(executable, 'utf8');
  const parts = text.split(`"${from}"`);
  if (parts.length !== 2)
    throw new Error(`code cache: ${executable} holds ${parts.length - 1} copies of its hash`);
  writeFileSync(executable, parts.join(`"${to}"`));
  return to;
}

async function writeFixtures(dir) {
  const root = await issue('certguard code-cache root', { days: 3650, ca: true });
  const intermediate = await issue('certguard code-cache intermediate', { days: 1000, ca: true, by: root });
  const leaf = await issue('example.com', { days: 90, by: intermediate, sans: ['example.com'] });
  const site = join(dir, 'site');
  mkdirSync(site, { mode: 0o700 });
  const fullchain = join(site, 'fullchain.pem');
  const key = join(site, 'key.pem');
  writeFileSync(fullchain, leaf.pem + intermediate.pem, { mode: 0o600 });
  writeFileSync(key, leaf.keyPem, { mode: 0o600 });
  const config = join(dir, 'certguard.json');
  const stateDirectory = join(dir, 'state');
  const cert = {
    directory: site,
    domains: ['example.com'],
    email: 'build@example.com',
    webroot: join(dir, 'www'),
  };
  const settings = { stateDirectory, certs: { site: cert } };
  writeFileSync(config, JSON.stringify({ ...settings, defaults: { server: 'https://127.0.0.1:1/dir' } }));
  return { fullchain, key, config, stateDirectory, serial: leaf.serial };
}

/** The state file renew writes after issuing (src/store/state.ts), for a not-due steady-state run. */
function writeSteadyState(f) {
  const at = (days) => new Date(Date.now() + days * DAY).toISOString();
  const certId = `AAAA.${Buffer.from(f.serial, 'hex').toString('base64url')}`;
  const state = {
    version: 1,
    lastAttempt: at(0),
    lastSuccess: at(0),
    lastError: null,
    consecutiveFailures: 0,
    nextAttemptNotBefore: null,
    ari: {
      certId,
      windowStart: at(55),
      windowEnd: at(57),
      renewAt: at(56),
      fetchedAt: at(0),
      nextFetchNotBefore: at(1),
    },
    ariCheckNotBefore: null,
    issued: { serial: f.serial, profile: null },
  };
  mkdirSync(join(f.stateDirectory, 'certs'), { recursive: true });
  writeFileSync(join(f.stateDirectory, 'certs', 'site.json'), JSON.stringify(state));
}

async function issue(cn, { days, ca = false, by, sans = [] }) {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const name = `CN=${cn}`;
  const extensions = [new x509.BasicConstraintsExtension(ca, undefined, true)];
  if (ca) extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true));
  else
    extensions.push(new x509.SubjectAlternativeNameExtension(sans.map((value) => ({ type: 'dns', value }))));
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
    .toString('hex')
    .replace(/^./, '1');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: name,
    issuer: by ? by.cert.subject : name,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + days * DAY),
    signingAlgorithm: EC,
    publicKey: keys.publicKey,
    signingKey: (by ?? { keys }).keys.privateKey,
    extensions,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    type: 'pkcs8',
    format: 'pem',
  });
  return { cert, keys, serial, pem: `${cert.toString('pem').replace(/\r\n/g, '\n').trimEnd()}\n`, keyPem };
}

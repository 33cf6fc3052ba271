import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { MAX_PEM_BYTES, readOwnFile } from '../cert/read-file.ts';
import { fsyncDir } from './atomic-write.ts';
import { acquireLockSync, processStart } from './lock.ts';

/** The five files of the NixOS `security.acme` layout, in the order a generation is written. */
export const CERT_FILE_NAMES = ['cert.pem', 'chain.pem', 'fullchain.pem', 'key.pem', 'full.pem'] as const;
const CURRENT = 'current';
const GEN_PREFIX = '.gen-';
const INSTALL_LOCK = '.certguard-install.lock';

export interface InstallFiles {
  /** The leaf certificate. */
  certPem: string;
  /** The issuer certificates (may be empty for a self-signed placeholder). */
  chainPem: string;
  keyPem: string;
}

export interface InstallOptions {
  /** Group that may read the files (chown needs root; skipped with a warning otherwise). */
  group?: string;
  /** Receives non-fatal problems (group not applied); default: ignored. */
  warn?: (text: string) => void;
  /**
   * Checked while holding the install lock: install only if it returns true. The placeholder uses
   * it to re-inspect the directory, so it can never cover a certificate that renew installed a
   * moment earlier.
   */
  onlyIf?: () => boolean;
}

/** Raised when installing would break the pair: nothing was changed. */
export class InstallError extends Error {
  override name = 'InstallError';
}

/**
 * Installs a certificate so that every reader and every crash sees a matching old pair or a
 * matching new pair, never a key of one certificate beside another certificate.
 *
 * Layout: the five names are STATIC relative symlinks `cert.pem -> current/cert.pem`, and
 * `current` is a symlink to a complete generation directory `.gen-<time>-<serial>/`. Installing
 * writes a whole new generation (fsynced), then swaps `current` with one rename(2): the only
 * mutation that changes what the names resolve to is atomic. The previous generation is kept (a
 * reader that resolved `current` just before the swap still reads a consistent pair) and older ones
 * are pruned. A directory with plain files (left by lego / security.acme) is first migrated: the
 * old files are copied into a generation and each plain file is replaced by its symlink, with the
 * same content, so the directory stays consistent at every step.
 */
export function installCertificate(
  directory: string,
  files: InstallFiles,
  opts: InstallOptions = {},
): boolean {
  const leaf = verifyPair(files);
  // 0755: a service's user must traverse it (and its parents, e.g. /var/lib/acme) to reach the
  // group-readable files; the key is protected by its generation directory (0750) and mode 0640.
  if (mkdirSync(directory, { recursive: true, mode: 0o755 }) !== undefined) chmodSync(directory, 0o755);
  // One installer at a time per directory: renew holds its own per-certificate lock, but the
  // preflight's placeholder installer may run beside it, and pruning must never remove a
  // generation that another installer is about to point `current` at.
  const lock = acquireLockSync(join(directory, INSTALL_LOCK), { waitMs: 10_000 });
  if (!lock) throw new InstallError(`${directory}: another install is in progress (${INSTALL_LOCK})`);
  try {
    if (opts.onlyIf && !opts.onlyIf()) return false;
    const owner = resolveOwner(directory, opts.group, opts.warn);
    migratePlainFiles(directory, owner);
    const previous = currentTarget(directory);
    const gen = writeGeneration(directory, generationContents(files), leaf.serialNumber, owner);
    pointCurrentAt(directory, gen);
    ensureSymlinks(directory);
    prune(directory, [gen, previous]);
    return true;
  } finally {
    lock.release();
  }
}

/** Never install a mismatched pair: the CA's certificate must belong to the key we hold. */
function verifyPair(files: InstallFiles): X509Certificate {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(files.certPem);
  } catch {
    throw new InstallError('refusing to install: the certificate cannot be parsed');
  }
  let matches = false;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(files.keyPem));
  } catch {
    throw new InstallError('refusing to install: the private key cannot be parsed');
  }
  if (!matches) throw new InstallError('refusing to install: the private key does not match the certificate');
  return leaf;
}

/** NixOS's contents: fullchain = cert + chain; full = key + fullchain. */
export function generationContents(files: InstallFiles): Record<(typeof CERT_FILE_NAMES)[number], string> {
  const cert = withNewline(files.certPem);
  const chain = files.chainPem.trim() === '' ? '' : withNewline(files.chainPem);
  const key = withNewline(files.keyPem);
  return {
    'cert.pem': cert,
    'chain.pem': chain,
    'fullchain.pem': cert + chain,
    'key.pem': key,
    'full.pem': key + cert + chain,
  };
}

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

/** Writes a complete generation directory and returns its name (relative to `directory`). */
function writeGeneration(
  directory: string,
  contents: Record<string, string>,
  serial: string,
  owner: Owner | undefined,
): string {
  const name = `${GEN_PREFIX}${new Date().toISOString().replace(/[:.]/g, '')}-${serial.toLowerCase().slice(0, 40)}-${process.pid}`;
  const path = join(directory, name);
  rmSync(path, { recursive: true, force: true });
  try {
    mkdirSync(path, { mode: 0o750 });
    // Explicit modes: under umask 077 mkdir/open would give 0700/0600 and the group could not read.
    chmodSync(path, 0o750);
    if (owner !== undefined) chownSync(path, owner.uid, owner.gid);
    for (const [file, text] of Object.entries(contents)) {
      const fd = openSync(join(path, file), 'wx', 0o640);
      try {
        fchmodSync(fd, 0o640);
        if (owner !== undefined) fchownSync(fd, owner.uid, owner.gid);
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    fsyncDir(path);
  } catch (err) {
    // A partial generation (ENOSPC, EIO) is removed at once: repeated failures leave nothing.
    rmSync(path, { recursive: true, force: true });
    throw err;
  }
  return name;
}

/** Atomically re-points `current` (temp symlink + rename over it), then makes the rename durable. */
function pointCurrentAt(directory: string, gen: string): void {
  const tmp = join(directory, `.${CURRENT}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(gen, tmp);
  renameSync(tmp, join(directory, CURRENT));
  fsyncDir(directory);
}

/** Creates any missing `NAME.pem -> current/NAME.pem` symlink (each with an atomic rename). */
function ensureSymlinks(directory: string): void {
  let changed = false;
  for (const file of CERT_FILE_NAMES) {
    const path = join(directory, file);
    const want = `${CURRENT}/${file}`;
    if (linkTarget(path) === want) continue;
    const tmp = join(directory, `.${file}.${process.pid}.tmp`);
    rmSync(tmp, { force: true });
    symlinkSync(want, tmp);
    renameSync(tmp, path);
    changed = true;
  }
  if (changed) fsyncDir(directory);
}

/**
 * Converts a directory of plain files (lego, security.acme, an earlier tool) to the symlink layout
 * without changing what any name reads: copy what every name reads now into a generation, point
 * `current` at it, then swap each plain file for its symlink. Interrupted half-way, some names are
 * plain files and some symlinks, all reading the same (old) content; the next install finishes.
 */
function migratePlainFiles(directory: string, owner: Owner | undefined): void {
  const plain = CERT_FILE_NAMES.filter((f) => kind(join(directory, f)) === 'file');
  if (plain.length === 0) return;
  const target = currentTarget(directory);
  const read = (path: string) => migratedText(path, directory);
  const sameAsCurrent =
    target !== undefined && plain.every((f) => read(join(directory, f)) === read(join(directory, target, f)));
  if (!sameAsCurrent) {
    const contents: Record<string, string> = {};
    for (const file of CERT_FILE_NAMES) {
      const text = read(join(directory, file));
      if (text !== undefined) contents[file] = text;
    }
    pointCurrentAt(directory, writeGeneration(directory, contents, 'migrated', owner));
  }
  for (const file of plain) {
    const tmp = join(directory, `.${file}.${process.pid}.tmp`);
    rmSync(tmp, { force: true });
    symlinkSync(`${CURRENT}/${file}`, tmp);
    renameSync(tmp, join(directory, file));
  }
  fsyncDir(directory);
}

/**
 * What a name reads, for migration: without following planted links (certguard's own
 * `current/NAME` links are resolved through `current`), and only from a regular file owned by us
 * or by the directory's owner (lego, security.acme). The copy lands in a group-readable
 * generation, so a link to a root-only file must stop the migration, never be copied.
 */
function migratedText(path: string, directory: string): string | undefined {
  const owners = [process.getuid?.() ?? 0, statSync(directory).uid];
  const r = readOwnFile(path, { owners }, MAX_PEM_BYTES);
  if (r.ok) return r.data.toString('utf8');
  if (r.code === 'missing') return undefined;
  throw new InstallError(`refusing to migrate ${directory}: ${r.message}`);
}

/** Removes generations other than `keep` (the new and the previous one) and leftover temp files. */
function prune(directory: string, keep: (string | undefined)[]): void {
  for (const entry of readdirSync(directory)) {
    const stale =
      (entry.startsWith(GEN_PREFIX) && !keep.includes(entry)) ||
      (/^\.(current|cert|chain|fullchain|key|full)(\.pem)?\.\d+\.tmp$/.test(entry) &&
        !entry.includes(`.${process.pid}.`)) ||
      (entry.startsWith(`${INSTALL_LOCK}.`) && entry.endsWith('.tmp') && deadWriter(entry));
    if (stale) rmSync(join(directory, entry), { recursive: true, force: true });
  }
}

/** A lock's temporary file (`LOCK.PID.RAND.tmp`) whose writer is gone: left by a kill -9. */
function deadWriter(entry: string): boolean {
  const pid = Number(entry.slice(INSTALL_LOCK.length + 1).split('.')[0]);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && processStart(pid) === undefined;
}

function currentTarget(directory: string): string | undefined {
  const t = linkTarget(join(directory, CURRENT));
  return t?.startsWith(GEN_PREFIX) ? t : undefined;
}

function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function kind(path: string): 'file' | 'link' | 'other' | 'none' {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'none';
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/**
 * Who new files belong to, or undefined to keep the installer's own (no group configured, or not
 * root: warned, unless the installer already runs with that group, as the NixOS module's renew
 * unit does with Group=). As root, the files get the directory's owner: under the NixOS module the
 * unprivileged renew user owns the directory and must later prune what the root preflight wrote.
 */
function resolveOwner(
  directory: string,
  group: string | undefined,
  warn?: (text: string) => void,
): Owner | undefined {
  if (group === undefined || group === '') return undefined;
  const gid = /^\d+$/.test(group) ? Number(group) : lookupGroup(group);
  if (gid === undefined) {
    warn?.(`group "${group}" does not exist; files keep the installer's group`);
    return undefined;
  }
  if (process.getuid?.() !== 0) {
    if (process.getgid?.() !== gid)
      warn?.(`not running as root: cannot give group "${group}" read access to the key`);
    return undefined;
  }
  return { uid: statSync(directory).uid, gid };
}

/** Looks a group name up in /etc/group (NixOS keeps static groups there; no NSS module is needed). */
function lookupGroup(name: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [n, , gid] = line.split(':');
      if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
    }
  } catch {
    // No /etc/group: treat the group as unknown.
  }
  return undefined;
}

import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * PEM files of a certificate, its chain or its key are a few KiB; 1 MiB leaves room for a long
 * chain with many SANs while a mistaken path to a huge file costs no more than 1 MiB of memory.
 */
export const MAX_PEM_BYTES = 1024 * 1024;

export type ReadResult =
  | {
      ok: true;
      data: Buffer;
      mode: number;
      uid: number;
      gid: number;
      /** Identity of what was read (device, inode, size, change time): detects a replaced file. */
      id?: string;
    }
  | { ok: false; code: 'missing' | 'unreadable' | 'malformed'; message: string };

/**
 * Reads a small regular file without ever blocking or reading more than `limit` bytes: FIFOs and
 * devices are refused (O_NONBLOCK so opening a FIFO cannot hang a service start), directories and
 * symlink loops get a clear message.
 */
export function readBounded(path: string, limit = MAX_PEM_BYTES, trust?: OwnerRule): ReadResult {
  let fd: number;
  const noFollow = trust ? constants.O_NOFOLLOW : 0;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | noFollow);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (trust && e.code === 'ELOOP') {
      return { ok: false, code: 'unreadable', message: `${path} is a symbolic link: refusing to follow it` };
    }
    return openError(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { ok: false, code: 'unreadable', message: `${path} is a directory` };
    if (!st.isFile()) return { ok: false, code: 'unreadable', message: `${path} is not a regular file` };
    if (trust && !trust.owners.includes(st.uid)) {
      return {
        ok: false,
        code: 'unreadable',
        message: `${path} is owned by uid ${st.uid}, not by ${trust.owners.join(' or ')}: refusing it`,
      };
    }
    if (trust && st.nlink !== 1) {
      return { ok: false, code: 'unreadable', message: `${path} has ${st.nlink} hard links: refusing it` };
    }
    if (st.size > limit) {
      return {
        ok: false,
        code: 'malformed',
        message: `${path} is too large (${st.size} bytes, limit ${limit})`,
      };
    }
    const buf = Buffer.alloc(Math.min(limit + 1, Math.max(st.size, 4096)));
    let length = 0;
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > limit) {
        return { ok: false, code: 'malformed', message: `${path} is too large (over ${limit} bytes)` };
      }
      if (length === buf.length) break;
    }
    return {
      ok: true,
      data: buf.subarray(0, length),
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      id: identity(st),
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EISDIR') return { ok: false, code: 'unreadable', message: `${path} is a directory` };
    return { ok: false, code: 'unreadable', message: `${path}: cannot read (${e.code ?? e.message})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * For files whose content certguard will pass on with other permissions (a reused key, files
 * migrated into a generation): opened with O_NOFOLLOW, and refused unless a regular file with one
 * link owned by one of `owners`. A link planted by whoever can write the directory then cannot
 * make root copy a file only root may read into a group-readable place.
 */
export interface OwnerRule {
  owners: number[];
}

/**
 * Reads `path` (a certificate directory's file) without following planted links: certguard's
 * own `NAME.pem -> current/NAME.pem` is resolved through `current` into its generation directory
 * (which must be a real directory), any other link is refused; the file itself must satisfy
 * `trust`.
 */
export function readOwnFile(path: string, trust: OwnerRule, limit = MAX_PEM_BYTES): ReadResult {
  const link = linkOf(path);
  if (link === undefined) return readBounded(path, limit, trust);
  const gen = generationPaths({ cert: path });
  const genDir = gen ? dirname(gen.cert) : undefined;
  let real = false;
  try {
    real = genDir !== undefined && lstatSync(genDir).isDirectory();
  } catch {
    real = false;
  }
  if (!gen || !real) {
    return {
      ok: false,
      code: 'unreadable',
      message: `${path} is a symbolic link certguard did not create (to ${link}): refusing to follow it`,
    };
  }
  return readBounded(gen.cert, limit, trust);
}

function openError(path: string, e: NodeJS.ErrnoException): ReadResult {
  switch (e.code) {
    case 'ENOENT':
      return { ok: false, code: 'missing', message: `${path} does not exist` };
    case 'ENOTDIR':
      return { ok: false, code: 'missing', message: `${path} does not exist (a parent is not a directory)` };
    case 'EACCES':
    case 'EPERM':
      return { ok: false, code: 'unreadable', message: `${path}: permission denied` };
    case 'ELOOP':
      return { ok: false, code: 'unreadable', message: `${path}: too many levels of symbolic links` };
    default:
      return { ok: false, code: 'unreadable', message: `${path}: cannot open (${e.code ?? e.message})` };
  }
}

function identity(st: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** The files of one certificate: certificate (fullchain), optional chain and key. */
export interface PairPaths {
  cert: string;
  chain?: string | undefined;
  key?: string | undefined;
}

export interface PairRead {
  cert: ReadResult;
  chain?: ReadResult;
  key?: ReadResult;
  /** Not certguard's generation layout: the caller may re-read once on a key mismatch. */
  foreign: boolean;
}

/**
 * Reads a certificate's files as one consistent set, so a renewal swapping them meanwhile can
 * never show a key beside another certificate. In certguard's layout (`NAME.pem ->
 * current/NAME.pem`, `current -> .gen-*`) `current` is resolved once and every file is read from
 * that one generation (the previous generation is kept after a swap; if it was pruned meanwhile the
 * set is resolved again, once). In a layout certguard did not write, the files are re-read once
 * when one of them was replaced between the reads.
 */
export function readPair(paths: PairPaths, limit = MAX_PEM_BYTES): PairRead {
  for (let attempt = 0; attempt < 2; attempt++) {
    const gen = generationPaths(paths);
    if (!gen) break;
    const set = readSet(gen, limit);
    if (attempt === 0 && Object.values(set).some((r) => !r.ok && r.code === 'missing')) continue;
    // Report the paths the caller named, not the generation's inner paths.
    return { ...renamePaths(set, gen, paths), foreign: false };
  }
  let set = readSet(paths, limit);
  if (changedSince(set, paths)) set = readSet(paths, limit);
  return { ...set, foreign: true };
}

function readSet(paths: PairPaths, limit: number): Omit<PairRead, 'foreign'> {
  const out: Omit<PairRead, 'foreign'> = { cert: readBounded(paths.cert, limit) };
  if (paths.chain) out.chain = readBounded(paths.chain, limit);
  if (paths.key) out.key = readBounded(paths.key, limit);
  return out;
}

function changedSince(set: Omit<PairRead, 'foreign'>, paths: PairPaths): boolean {
  const pairs: [ReadResult | undefined, string | undefined][] = [
    [set.cert, paths.cert],
    [set.chain, paths.chain],
    [set.key, paths.key],
  ];
  return pairs.some(([r, path]) => {
    if (!r?.ok || !path || !r.id) return false;
    try {
      return identity(statSync(path)) !== r.id;
    } catch {
      return true;
    }
  });
}

const GENERATION = /^\.gen-[A-Za-z0-9._-]+$/;

/**
 * The generation paths when every file is certguard's static link `current/<its name>` in one
 * directory; undefined for any other layout.
 */
function generationPaths(paths: PairPaths): PairPaths | undefined {
  const dir = dirname(paths.cert);
  const all = [paths.cert, paths.chain, paths.key].filter((p): p is string => p !== undefined);
  for (const p of all) {
    if (dirname(p) !== dir || linkOf(p) !== `current/${basename(p)}`) return undefined;
  }
  const gen = linkOf(join(dir, 'current'));
  if (!gen || !GENERATION.test(gen)) return undefined;
  const inGen = (p: string) => join(dir, gen, basename(p));
  return {
    cert: inGen(paths.cert),
    ...(paths.chain ? { chain: inGen(paths.chain) } : {}),
    ...(paths.key ? { key: inGen(paths.key) } : {}),
  };
}

function renamePaths(
  set: Omit<PairRead, 'foreign'>,
  from: PairPaths,
  to: PairPaths,
): Omit<PairRead, 'foreign'> {
  const fix = (r: ReadResult, a: string, b: string): ReadResult =>
    r.ok ? r : { ...r, message: r.message.replaceAll(a, b) };
  return {
    cert: fix(set.cert, from.cert, to.cert),
    ...(set.chain && from.chain && to.chain ? { chain: fix(set.chain, from.chain, to.chain) } : {}),
    ...(set.key && from.key && to.key ? { key: fix(set.key, from.key, to.key) } : {}),
  };
}

function linkOf(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

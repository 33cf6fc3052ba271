import { hash } from 'node:crypto';
import { closeSync, constants as fs, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The V8 code cache of an executable (see launch.ts): where the build puts it, and reading it only
 * when its bytes are exactly those the build made. V8 runs what it deserialises and, in release
 * builds, checks no checksum: a damaged cache (a flipped byte, a cut-off write) can crash the
 * preflight (tried by hand: one changed byte gave a V8 fatal error, exit 133), so the SHA-256 of the cache is built into the executable and compared first.
 * Whoever could change that hash could change the executable itself.
 */

/** scripts/code-cache.mjs writes the cache here; the two must agree. */
export const codeCachePath = (executable: string): string => `${executable}.code-cache`;
/** The hash an executable holds before the build has made its cache: it then reads none. */
export const NO_CACHE = '0'.repeat(64);
/** The compiled bundle's vm.Script, for scripts/code-cache-run.cjs to save its cache at exit. */
export const SCRIPT_KEY = Symbol.for('certguard.bundle-script');
/** Far above any real cache (100-300 KB): a bigger file is not one. */
export const MAX_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * The cache's bytes, or undefined when there is none or it is not the one the build made (another
 * SHA-256 than `sha256`, not a regular file, implausibly big). Never throws: the cache only saves
 * time, and without it the bundle is compiled from source.
 */
export function readCodeCache(executable: string, sha256: string): Buffer | undefined {
  if (sha256 === NO_CACHE) return undefined;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO planted at the path must not hang the start.
    fd = openSync(codeCachePath(executable), fs.O_RDONLY | fs.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_CACHE_BYTES) return undefined;
    const data = Buffer.allocUnsafe(st.size);
    if (readSync(fd, data, 0, st.size, 0) !== st.size) return undefined;
    // crypto.hash: one native call (Node >= 20.12). This file also runs under an older Node, before
    // the version check, where the call throws and the catch below gives undefined.
    return hash('sha256', data) === sha256 ? data : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * PEM files of a certificate, its chain or its key are a few KiB; 1 MiB leaves room for a long
 * chain with many SANs while a mistaken path to a huge file costs no more than 1 MiB of memory.
 */
export const MAX_PEM_BYTES = 1024 * 1024;

export type ReadResult =
  | { ok: true; data: Buffer; mode: number; uid: number; gid: number }
  | { ok: false; code: 'missing' | 'unreadable' | 'malformed'; message: string };

/**
 * Reads a small regular file without ever blocking or reading more than `limit` bytes: FIFOs and
 * devices are refused (O_NONBLOCK so opening a FIFO cannot hang a service start), directories and
 * symlink loops get a clear message.
 */
export function readBounded(path: string, limit = MAX_PEM_BYTES): ReadResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return openError(path, err as NodeJS.ErrnoException);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { ok: false, code: 'unreadable', message: `${path} is a directory` };
    if (!st.isFile()) return { ok: false, code: 'unreadable', message: `${path} is not a regular file` };
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
    return { ok: true, data: buf.subarray(0, length), mode: st.mode, uid: st.uid, gid: st.gid };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EISDIR') return { ok: false, code: 'unreadable', message: `${path} is a directory` };
    return { ok: false, code: 'unreadable', message: `${path}: cannot read (${e.code ?? e.message})` };
  } finally {
    closeSync(fd);
  }
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

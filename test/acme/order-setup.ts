/** Shared setup of the ACME tests: a request against a pebble (or a proxy in front of it). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeBudget } from '../../src/acme/budget.ts';
import type { OrderRequest } from '../../src/acme/types.ts';
import { type Pebble, pebbleAvailable } from '../helpers/pebble.ts';

export interface Logged {
  lines: string[];
  log: OrderRequest['log'];
}

export function collectLog(): Logged {
  const lines: string[] = [];
  return { lines, log: (level, text) => lines.push(`${level}: ${text}`) };
}

export function baseRequest(
  pebble: Pebble,
  dir: string,
  over: Partial<OrderRequest> = {},
): OrderRequest & { logged: Logged } {
  const logged = collectLog();
  const webroot = join(dir, 'webroot');
  mkdirSync(webroot, { recursive: true });
  return {
    server: pebble.directoryUrl,
    email: 'admin@example.com',
    caBundle: pebble.caBundlePath,
    domains: ['a.example.com'],
    keyType: 'ec256',
    challenge: { type: 'webroot', webroot },
    accountDir: join(dir, 'accounts'),
    budget: makeBudget({ totalMs: 30_000, requestTimeoutMs: 5_000, connectTimeoutMs: 2_000 }),
    log: logged.log,
    logged,
    ...over,
  };
}

/**
 * For describe(..., { skip: pebbleSkip() }): false when pebble is installed, else a loud reason
 * (CI installs it: Debian package "pebble").
 */
export function pebbleSkip(): false | string {
  if (pebbleAvailable()) return false;
  const why = 'SKIPPED: pebble not installed: apt-get install pebble';
  console.warn(why);
  return why;
}

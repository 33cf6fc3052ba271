import type { X509Certificate } from 'node:crypto';
import { selfIssued } from './chain-links.ts';
import { loadTrustAnchors, systemBundleHolds, trustSetting } from './trust-store.ts';
import type { Evidence } from './verdict.ts';

/**
 * What decide() needs to judge trust, read from disk: the anchors of the `trust` setting, or,
 * without one, whether the system bundle holds the self-signed root a chain ends at. The bundle is
 * only opened in that case, so a preflight of the usual leaf + intermediate reads nothing more.
 */
export function trustEvidence(
  trust: string | undefined,
  ev: Evidence,
  env: NodeJS.ProcessEnv = process.env,
): Pick<Evidence, 'trust' | 'rootInSystemBundle'> {
  if (trust !== undefined) {
    const loaded = loadTrustAnchors(trustSetting(trust), env);
    return { trust: loaded };
  }
  if (!ev.cert.ok) return {};
  const certs: X509Certificate[] = [...ev.cert.certs, ...(ev.chain?.ok ? ev.chain.certs : [])];
  const root = certs.at(-1);
  if (certs.length < 2 || !root || !endsAtRoot(root)) return {};
  const holds = systemBundleHolds(root.raw, env);
  return holds === undefined ? {} : { rootInSystemBundle: holds };
}

function endsAtRoot(cert: X509Certificate): boolean {
  try {
    return selfIssued(cert);
  } catch {
    return false;
  }
}

import type { X509Certificate } from 'node:crypto';
import { fieldsOf, type GeneralName, subjectAltNamesOf } from './cert-fields.ts';
import type { Placed } from './client-checks.ts';

/**
 * The first name of the leaf that a CA of the path forbids, as a message; undefined when none.
 * DNS and IP SANs are checked against dNSName and iPAddress subtrees (RFC 5280 §4.2.1.10, with
 * the leading-dot convention OpenSSL and Go use for "subdomains only"). Subtrees of other kinds
 * (email, URI, directoryName) constrain names a TLS server certificate is not checked by.
 */
export function nameConstraintProblem(leaf: X509Certificate, cas: Placed[]): string | undefined {
  let names: GeneralName[] | undefined;
  for (const { cert, label } of cas) {
    const nc = fieldsOf(cert).nameConstraints;
    if (!nc) continue;
    names ??= subjectAltNamesOf(fieldsOf(leaf));
    for (const name of names) {
      if (name.kind === 'other') continue;
      const shown = show(name);
      const excluded = nc.excluded.find((c) => c.kind === name.kind && within(name, c, true));
      if (excluded) return `${shown} is excluded by the name constraints of ${label} (${show(excluded)})`;
      const permitted = nc.permitted.filter((c) => c.kind === name.kind);
      if (permitted.length > 0 && !permitted.some((c) => within(name, c, false))) {
        return `${shown} is outside the permitted names of ${label} (${permitted.map(show).join(', ')})`;
      }
    }
  }
  return undefined;
}

/**
 * Whether `name` falls in the subtree `c`. A wildcard SAN stands for every name one label below
 * its base: permitted only if the whole base is, excluded as soon as one name it covers is.
 */
function within(name: GeneralName, c: GeneralName, excluding: boolean): boolean {
  if (name.kind === 'ip' && c.kind === 'ip') return ipWithin(name.bytes, c.bytes);
  if (name.kind !== 'dns' || c.kind !== 'dns') return false;
  const n = name.value.toLowerCase().replace(/\.$/, '');
  const base = c.value.toLowerCase().replace(/\.$/, '');
  if (base === '') return true;
  if (dnsWithin(n, base)) return true;
  if (excluding && n.startsWith('*.')) {
    // *.example.com covers a.example.com: an excluded a.example.com (or its subtree root) hits it.
    const parent = n.slice(2);
    const b = base.replace(/^\./, '');
    return b.endsWith(`.${parent}`) && !b.slice(0, -parent.length - 1).includes('.');
  }
  return false;
}

function dnsWithin(n: string, base: string): boolean {
  if (base.startsWith('.')) return n.endsWith(base);
  return n === base || n.endsWith(`.${base}`);
}

/** iPAddress constraints are address + mask (8 bytes for IPv4, 32 for IPv6). */
function ipWithin(ip: Uint8Array, c: Uint8Array): boolean {
  if (c.length !== ip.length * 2) return false;
  for (let i = 0; i < ip.length; i++) {
    const mask = c[ip.length + i]!;
    if ((ip[i]! & mask) !== (c[i]! & mask)) return false;
  }
  return true;
}

function show(n: GeneralName): string {
  if (n.kind === 'dns') return n.value;
  if (n.kind === 'other') return `name of tag ${n.tag}`;
  const b = [...n.bytes];
  if (b.length === 4) return b.join('.');
  if (b.length === 8) return `${b.slice(0, 4).join('.')}/${b.slice(4).join('.')}`;
  const hex = (xs: number[]) =>
    Array.from({ length: xs.length / 2 }, (_, i) => ((xs[2 * i]! << 8) | xs[2 * i + 1]!).toString(16)).join(
      ':',
    );
  return b.length === 16 ? hex(b) : b.length === 32 ? `${hex(b.slice(0, 16))}/${hex(b.slice(16))}` : 'IP';
}

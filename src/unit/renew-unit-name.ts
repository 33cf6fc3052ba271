/**
 * The renew unit of certificate NAME. Names are restricted to [A-Za-z0-9._-] (config-file.ts), all
 * valid in a unit instance as they are; `%i` in the template gives the NAME back unchanged.
 */
export function renewUnitName(name: string): string {
  return `certguard-renew@${name}.service`;
}

/**
 * The oldest Node.js certguard runs on: package.json's "engines" (yargs and execa need 20.19).
 * Pure, so that the guard below and its tests share one rule.
 */
export function nodeTooOld(version: string): string | undefined {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (major !== undefined && minor !== undefined && (major > 20 || (major === 20 && minor >= 19))) {
    return undefined;
  }
  return `certguard needs Node.js >= 20.19; this is ${version}`;
}

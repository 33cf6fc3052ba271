/**
 * ACME profiles (draft-ietf-acme-profiles): the directory's `meta.profiles` maps each profile the
 * CA offers to a description, and newOrder names one in its `profile` field. A profile the CA does
 * not offer can never be ordered, so it is a configuration error, said before any order is placed.
 */
import { UsageError } from '../exit-codes.ts';

/** A hostile directory could list thousands of names: the message shows a bounded few. */
const MAX_LISTED = 20;

/** The offered profile names (validated tokens only), or [] when the CA offers none. */
export function offeredProfiles(metaProfiles: unknown): string[] {
  if (typeof metaProfiles !== 'object' || metaProfiles === null || Array.isArray(metaProfiles)) return [];
  return Object.keys(metaProfiles).filter((k) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(k));
}

export function checkProfile(server: string, profile: string, metaProfiles: unknown): void {
  const offered = offeredProfiles(metaProfiles);
  if (offered.includes(profile)) return;
  const list =
    offered.length === 0
      ? 'it offers no profiles'
      : `it offers ${offered.slice(0, MAX_LISTED).join(', ')}${offered.length > MAX_LISTED ? ', ...' : ''}`;
  throw new UsageError(
    `profile ${JSON.stringify(profile)} is not offered by ${server} (${list}): change profile (--profile) or unset it for the CA's default`,
  );
}

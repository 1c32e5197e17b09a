import { isDigest } from '@berth/oci';
import { isRegistryClientError, RegistryClientError } from './errors.js';
import { type RegistryClient } from './registry-client.js';

/** What `removeReference` did at the registry. */
export type RemoveOutcome =
  | { removed: 'tag'; tag: string }
  | { removed: 'manifest'; digest: string; via?: string }
  | { removed: 'nothing'; reason: string };

/** At most this many tags are resolved to find out whether a manifest is shared. */
const MAX_TAGS_CHECKED = 1000;

/**
 * Deletes `reference` (a tag or a digest) from `repository`, for deletion replication.
 *
 * - A digest: the manifest is deleted (its tags go with it).
 * - A tag: untagged where the registry can untag. Registries that cannot (CNCF Distribution 2.x
 *   answers 400 `DIGEST_INVALID`, others 405 or `UNSUPPORTED`) get the manifest the tag points at
 *   deleted by digest, but only when no other tag of the repository points at it: a deletion
 *   must never take another tag's content. Otherwise a `RegistryClientError` (`TAG_SHARED`).
 * - Absent already (404): nothing, with the reason.
 */
export async function removeReference(
  client: RegistryClient,
  repository: string,
  reference: string,
): Promise<RemoveOutcome> {
  if (isDigest(reference)) {
    return absentAsNothing(async () => {
      await client.deleteManifest(repository, reference);
      return { removed: 'manifest', digest: reference };
    });
  }
  return absentAsNothing(async () => {
    try {
      await client.deleteTag(repository, reference);
      return { removed: 'tag', tag: reference };
    } catch (error) {
      if (!cannotUntag(error)) throw error;
    }
    const head = await client.headManifest(repository, reference);
    if (!head) return { removed: 'nothing', reason: `tag ${reference} is not there` };
    const sharing = await otherTagsOf(client, repository, reference, head.digest);
    if (sharing.length > 0) {
      throw new RegistryClientError(
        `the registry cannot delete tags, and deleting manifest ${head.digest} would also remove ` +
          `tag(s) ${sharing.slice(0, 5).join(', ')}`,
        { status: 0, code: 'TAG_SHARED' },
      );
    }
    await client.deleteManifest(repository, head.digest);
    return { removed: 'manifest', digest: head.digest, via: reference };
  });
}

/** The answers of registries that cannot delete a tag (as opposed to a tag that is not there). */
function cannotUntag(error: unknown): boolean {
  if (!isRegistryClientError(error)) return false;
  if (error.status === 405) return true;
  return (
    (error.status === 400 || error.status === 501) &&
    ['DIGEST_INVALID', 'UNSUPPORTED', 'MANIFEST_INVALID', 'REFERENCE_INVALID'].includes(error.code)
  );
}

async function otherTagsOf(
  client: RegistryClient,
  repository: string,
  tag: string,
  digest: string,
): Promise<string[]> {
  const sharing: string[] = [];
  let checked = 0;
  for await (const other of client.listTags(repository)) {
    if (other === tag) continue;
    if (++checked > MAX_TAGS_CHECKED) {
      throw new RegistryClientError(
        `the registry cannot delete tags, and repository ${repository} has too many tags to check ` +
          `that manifest ${digest} is not shared`,
        { status: 0, code: 'TAG_SHARED' },
      );
    }
    if ((await client.headManifest(repository, other))?.digest === digest) sharing.push(other);
  }
  return sharing;
}

async function absentAsNothing(remove: () => Promise<RemoveOutcome>): Promise<RemoveOutcome> {
  try {
    return await remove();
  } catch (error) {
    if (isRegistryClientError(error) && error.status === 404) {
      return { removed: 'nothing', reason: `not there (${error.code})` };
    }
    throw error;
  }
}

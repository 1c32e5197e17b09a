import { isDigest, isValidRepositoryName, isValidTag, type Digest } from '@berth/oci';
import { RegistryClientError } from './errors.js';

/**
 * The distribution-spec's endpoint paths, relative (no leading slash) so a registry served
 * under a path prefix keeps it. Names and references are checked before any request: a bad
 * one is the caller's mistake, reported without a round trip.
 */
export function repositoryPath(repository: string, ...rest: string[]): string {
  if (!isValidRepositoryName(repository)) {
    throw new RegistryClientError(`invalid repository name ${JSON.stringify(repository.slice(0, 300))}`, {
      status: 0,
      code: 'NAME_INVALID',
    });
  }
  return ['v2', repository, ...rest].join('/');
}

/** A tag or a digest, as the last segment of a manifest path. */
export function checkReference(reference: string): string {
  if (isValidTag(reference) || isDigest(reference)) return reference;
  throw new RegistryClientError(`invalid reference ${JSON.stringify(reference.slice(0, 200))}`, {
    status: 0,
    code: 'REFERENCE_INVALID',
  });
}

export function checkDigest(digest: string): Digest {
  if (isDigest(digest)) return digest;
  throw new RegistryClientError(`invalid digest ${JSON.stringify(digest.slice(0, 200))}`, {
    status: 0,
    code: 'DIGEST_INVALID',
  });
}

/** The referrers tag schema (distribution-spec, "unavailable referrers API"): `<alg>-<hex>`. */
export function referrersTag(digest: Digest): string {
  return digest.replace(':', '-').slice(0, 128);
}

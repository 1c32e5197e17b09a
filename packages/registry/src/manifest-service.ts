import {
  assertTag,
  digestAlgorithm,
  digestOf,
  parseDigest,
  parseManifest,
  RegistryError,
  type Digest,
} from '@berth/oci';
import type { ManifestRecord, QuotaExceededError } from '@berth/db';
import type { RegistryStores } from './registry-stores.js';

/** A manifest reference from a URL: a tag or a digest. */
export type ManifestReference = { tag: string; digest?: undefined } | { digest: Digest; tag?: undefined };

export function parseReference(reference: string): ManifestReference {
  return reference.includes(':') ? { digest: parseDigest(reference) } : { tag: assertTag(reference) };
}

export interface PutManifestResult {
  digest: Digest;
  mediaType: string;
  /** Tags now pointing at the manifest (the URL's tag, or the `?tag=` parameters). */
  tags: string[];
  subject?: Digest;
}

/** Manifests and tags of a repository (spec: "Pulling manifests", "Pushing manifests"). */
export class ManifestService {
  constructor(private readonly stores: RegistryStores) {}

  /**
   * Validates and stores a manifest exactly as sent. `extraTags` are the `?tag=` parameters of
   * a push by digest. Everything the manifest needs must already be in the repository, except
   * its subject (the referrers API allows a subject to arrive later).
   */
  async put(
    repository: string,
    reference: string,
    bytes: Buffer,
    contentType: string | undefined,
    extraTags: readonly string[] = [],
  ): Promise<PutManifestResult> {
    const target = parseReference(reference);
    const manifest = parseManifest(bytes, contentType);
    if (target.digest !== undefined) {
      const algorithm = digestAlgorithm(target.digest);
      const actual = algorithm === 'sha256' ? manifest.digest : digestOf(bytes, algorithm);
      if (actual !== target.digest) {
        throw new RegistryError('DIGEST_INVALID', `manifest digest is ${actual}, not ${target.digest}`);
      }
      manifest.digest = target.digest;
    }
    const tags =
      target.tag !== undefined ? [target.tag] : [...new Set(extraTags.map((tag) => assertTag(tag)))];
    const repositoryId = await this.stores.repositories.ensure(repository);
    try {
      await this.stores.manifests.save(repositoryId, manifest, tags);
    } catch (error) {
      throw isQuotaExceeded(error) ? quotaDenied(error) : error;
    }
    return {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      tags,
      ...(manifest.subject && { subject: manifest.subject.digest }),
    };
  }

  async get(repository: string, reference: string): Promise<ManifestRecord> {
    const target = parseReference(reference);
    const record =
      target.digest !== undefined
        ? await this.stores.manifests.findByDigest(repository, target.digest)
        : await this.stores.manifests.findByTag(repository, target.tag);
    if (!record) throw new RegistryError('MANIFEST_UNKNOWN', undefined, { detail: { reference } });
    return record;
  }

  /** By digest: deletes the manifest and its tags. By tag: removes only the tag. */
  async delete(repository: string, reference: string): Promise<void> {
    const target = parseReference(reference);
    const deleted =
      target.digest !== undefined
        ? await this.stores.manifests.deleteByDigest(repository, target.digest)
        : await this.stores.manifests.untag(repository, target.tag);
    if (!deleted) throw new RegistryError('MANIFEST_UNKNOWN', undefined, { detail: { reference } });
  }
}

// By name, not instanceof: the registry imports only the port types of @berth/db.
function isQuotaExceeded(error: unknown): error is QuotaExceededError {
  return error instanceof Error && error.name === 'QuotaExceededError';
}

/** 403 DENIED, as Harbor and Distribution-based registries refuse a push over quota. */
function quotaDenied(error: QuotaExceededError): RegistryError {
  return new RegistryError('DENIED', error.message, {
    detail: {
      project: error.project,
      storageLimitBytes: error.storageLimitBytes,
      storageUsedBytes: error.storageUsedBytes,
      requiredBytes: error.requiredBytes,
    },
  });
}

import { MediaType, RegistryError, type Digest } from '@berth/oci';
import type { PageRequest } from './pagination.js';
import type { RegistryStores } from './registry-stores.js';

export interface Page {
  entries: string[];
  /** The `last` of the next page, when there may be one. */
  next?: string;
}

export interface ReferrersIndex {
  schemaVersion: 2;
  mediaType: typeof MediaType.OciIndex;
  manifests: {
    mediaType: string;
    digest: string;
    size: number;
    artifactType?: string;
    annotations?: Record<string, string>;
  }[];
}

/** Tag lists, the catalog and the referrers index: read-only views of the metadata. */
export class ListingService {
  constructor(private readonly stores: RegistryStores) {}

  async tags(repository: string, page: PageRequest): Promise<Page> {
    if (page.limit === 0) {
      if ((await this.stores.repositories.findId(repository)) === undefined) throw nameUnknown(repository);
      return { entries: [] };
    }
    // One extra row tells whether a next page exists without a second query.
    const tags = await this.stores.manifests.tags(repository, page.limit + 1, page.last);
    if (tags === undefined) throw nameUnknown(repository);
    return paginate(tags, page.limit);
  }

  async catalog(page: PageRequest): Promise<Page> {
    if (page.limit === 0) return { entries: [] };
    return paginate(await this.stores.repositories.catalog(page.limit + 1, page.last), page.limit);
  }

  async referrers(repository: string, digest: Digest, artifactType?: string): Promise<ReferrersIndex> {
    const records = await this.stores.manifests.referrers(repository, digest, artifactType);
    return {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: records.map((record) => ({
        mediaType: record.mediaType,
        digest: record.digest,
        size: record.size,
        ...(record.artifactType !== null && { artifactType: record.artifactType }),
        ...(record.annotations !== null && { annotations: record.annotations }),
      })),
    };
  }
}

function paginate(rows: string[], limit: number): Page {
  if (rows.length <= limit) return { entries: rows };
  const entries = rows.slice(0, limit);
  return { entries, next: entries[entries.length - 1]! };
}

function nameUnknown(repository: string): RegistryError {
  return new RegistryError('NAME_UNKNOWN', `repository ${repository} is not known`, {
    detail: { name: repository },
  });
}

import type { ArtifactRecord, RepositoryDetail, RepositorySummary } from '@berth/db';
import { indexPlatforms, type Platform } from '@berth/registry';

/** A repository as the API shows it; `sizeBytes` only when reading one repository. */
export interface RepositoryView {
  /** The full name, `<project>/<path>` (as in `/v2/_catalog`). */
  name: string;
  project: string;
  artifactCount: number;
  tagCount: number;
  pullCount: number;
  sizeBytes?: number;
  lastPushAt: string | null;
  createdAt: string;
}

export function repositoryView(repository: RepositorySummary | RepositoryDetail): RepositoryView {
  return {
    name: repository.name,
    project: repository.project,
    artifactCount: repository.artifactCount,
    tagCount: repository.tagCount,
    pullCount: repository.pullCount,
    ...('sizeBytes' in repository && { sizeBytes: repository.sizeBytes }),
    lastPushAt: repository.lastPushAt?.toISOString() ?? null,
    createdAt: repository.createdAt.toISOString(),
  };
}

export interface ArtifactView {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  size: number;
  tags: { name: string; pushedAt: string }[];
  pushedAt: string;
  lastPulledAt: string | null;
  pullCount: number;
  /** An index's children's platforms; an image's own platform when one artifact is read. */
  platforms?: Platform[];
  accessories: { digest: string; mediaType: string; artifactType: string | null; size: number }[];
  annotations?: Record<string, string>;
}

export function artifactView(artifact: ArtifactRecord): ArtifactView {
  return {
    digest: artifact.digest,
    mediaType: artifact.mediaType,
    artifactType: artifact.artifactType,
    size: artifact.size,
    tags: artifact.tags.map((tag) => ({ name: tag.name, pushedAt: tag.pushedAt.toISOString() })),
    pushedAt: artifact.pushedAt.toISOString(),
    lastPulledAt: artifact.lastPulledAt?.toISOString() ?? null,
    pullCount: artifact.pullCount,
    ...(artifact.indexPayload && { platforms: indexPlatforms(artifact.indexPayload) }),
    accessories: artifact.accessories.map((a) => ({
      digest: a.digest,
      mediaType: a.mediaType,
      artifactType: a.artifactType,
      size: a.size,
    })),
  };
}

import { Injectable } from '@nestjs/common';
import { ArtifactCatalog } from '@berth/db';
import { MediaType, RegistryError, type Digest } from '@berth/oci';
import {
  ArtifactOperations,
  configPlatform,
  Registry,
  RegistryEvents,
  TagExistsError,
} from '@berth/registry';
import { conflict, notFound } from '../admin/admin.errors.js';
import { objectBody } from '../admin/body.validation.js';
import { isProjectName } from '../admin/project.access.js';
import { ContentAccess } from './content.access.js';
import { actorOf } from './content.events.js';
import { linkedPage } from './content.paging.js';
import {
  copySource,
  flagParam,
  listingParams,
  withNamedFields,
  referenceParam,
  repositoryParam,
  tagParam,
} from './content.params.js';
import type { Viewer } from './content-viewer.guard.js';
import { artifactView, type ArtifactView } from './content.views.js';

/** Image configs small enough to read for an image's platform when one artifact is asked for. */
const CONFIG_TYPES: readonly string[] = [
  MediaType.OciConfig,
  'application/vnd.docker.container.image.v1+json',
];
const MAX_CONFIG_BYTES = 64 * 1024;

/**
 * Artifacts of a repository: listed, read, deleted, tagged and untagged, and copied in from
 * another repository. Changes go through `ArtifactOperations` (the registry core) and are
 * announced on `RegistryEvents` with the caller as actor.
 */
@Injectable()
export class ArtifactsService {
  constructor(
    private readonly catalog: ArtifactCatalog,
    private readonly access: ContentAccess,
    private readonly operations: ArtifactOperations,
    private readonly registry: Registry,
    private readonly events: RegistryEvents,
  ) {}

  async list(viewer: Viewer, project: string, repository: string, query: Record<string, unknown>) {
    const name = this.name(project, repository);
    const params = listingParams(query);
    const tagged = flagParam(query, 'tagged');
    const all = flagParam(query, 'all');
    await this.access.require(viewer, project, 'pull');
    const page = await withNamedFields(
      this.catalog.list(name, {
        ...params,
        ...(tagged !== undefined && { tagged }),
        ...(all !== undefined && { all }),
      }),
    );
    if (!page) throw notFound(`repository ${name} not found`);
    return linkedPage(page, params, artifactView);
  }

  async get(viewer: Viewer, project: string, repository: string, reference: string): Promise<ArtifactView> {
    const name = this.name(project, repository);
    const ref = referenceParam(reference);
    await this.access.require(viewer, project, 'pull');
    const { digest } = await this.registry.manifests.get(name, ref);
    const artifact = await this.catalog.get(name, digest);
    if (!artifact) throw new RegistryError('MANIFEST_UNKNOWN', undefined, { detail: { reference } });
    const view = artifactView(artifact);
    const platform =
      artifact.configDigest !== undefined && CONFIG_TYPES.includes(artifact.artifactType ?? '')
        ? await this.imagePlatform(name, artifact.configDigest)
        : undefined;
    return {
      ...view,
      ...(platform && { platforms: [platform] }),
      ...(artifact.annotations && { annotations: artifact.annotations }),
    };
  }

  async remove(viewer: Viewer, project: string, repository: string, reference: string): Promise<void> {
    const name = this.name(project, repository);
    const ref = referenceParam(reference);
    await this.access.require(viewer, project, 'delete');
    const deleted = await this.operations.delete(name, ref);
    const origin = actorOf(viewer);
    for (const digest of deleted)
      this.events.emit({ kind: 'manifest.deleted', ...origin, repository: name, digest });
  }

  async addTag(viewer: Viewer, project: string, repository: string, reference: string, body: unknown) {
    const name = this.name(project, repository);
    const ref = referenceParam(reference);
    const tag = tagParam('name', objectBody(body).name);
    await this.access.require(viewer, project, 'push');
    try {
      const pushed = await this.operations.addTag(name, ref, tag);
      this.events.emit({ kind: 'manifest.pushed', ...actorOf(viewer), repository: name, ...pushed });
      return { name: tag, digest: pushed.digest };
    } catch (error) {
      if (error instanceof TagExistsError)
        throw conflict(`tag ${tag} already exists in ${name}; delete it first to move it`);
      throw error;
    }
  }

  async removeTag(viewer: Viewer, project: string, repository: string, reference: string, tag: string) {
    const name = this.name(project, repository);
    const ref = referenceParam(reference);
    const tagName = tagParam('tag', tag);
    await this.access.require(viewer, project, 'delete');
    await this.operations.removeTag(name, ref, tagName);
    this.events.emit({ kind: 'tag.deleted', ...actorOf(viewer), repository: name, tag: tagName });
  }

  /** Harbor's copy: `POST …/artifacts?from=<project>/<repo>@<digest>` (or `:<tag>`). */
  async copy(
    viewer: Viewer,
    project: string,
    repository: string,
    from: unknown,
  ): Promise<{ digest: string }> {
    const name = this.name(project, repository);
    const source = copySource(from);
    await this.access.require(viewer, project, 'push');
    await this.access.require(viewer, source.repository.slice(0, source.repository.indexOf('/')), 'pull');
    const copied = await this.operations.copy(source.repository, source.reference, name);
    const origin = actorOf(viewer);
    for (const pushed of copied.pushed) {
      this.events.emit({ kind: 'manifest.pushed', ...origin, repository: name, ...pushed });
    }
    return { digest: copied.digest };
  }

  private name(project: string, repository: string): string {
    if (!isProjectName(project)) throw notFound('project (invalid name) not found');
    return repositoryParam(project, repository);
  }

  /** The os and architecture an image's config declares; nothing when unreadable. */
  private async imagePlatform(repository: string, configDigest: string) {
    try {
      const blob = await this.registry.blobs.read(repository, configDigest as Digest);
      if (blob.size > MAX_CONFIG_BYTES) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of await blob.open()) chunks.push(chunk as Buffer);
      return configPlatform(Buffer.concat(chunks));
    } catch {
      return undefined;
    }
  }
}

import { Injectable } from '@nestjs/common';
import { RepositoryCatalog } from '@berth/db';
import { RegistryError } from '@berth/oci';
import { ArtifactOperations, RegistryEvents } from '@berth/registry';
import { notFound } from '../admin/admin.errors.js';
import { isProjectName } from '../admin/project.access.js';
import { ContentAccess } from './content.access.js';
import { linkedPage } from './content.paging.js';
import { listingParams, withNamedFields, repositoryParam } from './content.params.js';
import type { Viewer } from './content-viewer.guard.js';
import { repositoryView, type RepositoryView } from './content.views.js';
import { actorOf } from './content.events.js';

/** Repositories: listed across projects or in one, read, and deleted with their artifacts. */
@Injectable()
export class RepositoriesService {
  constructor(
    private readonly catalog: RepositoryCatalog,
    private readonly access: ContentAccess,
    private readonly operations: ArtifactOperations,
    private readonly events: RegistryEvents,
  ) {}

  /** Every repository the viewer may pull from (a system administrator: all). */
  async listAll(viewer: Viewer, query: Record<string, unknown>) {
    const params = listingParams(query);
    const page = await withNamedFields(this.catalog.list({ ...params, scope: this.access.scope(viewer) }));
    return linkedPage(page, params, repositoryView);
  }

  async listProject(viewer: Viewer, project: string, query: Record<string, unknown>) {
    const params = listingParams(query);
    await this.access.require(viewer, project, 'pull');
    const page = await withNamedFields(this.catalog.list({ ...params, scope: { project } }));
    return linkedPage(page, params, repositoryView);
  }

  async get(viewer: Viewer, project: string, repository: string): Promise<RepositoryView> {
    const name = this.name(project, repository);
    await this.access.require(viewer, project, 'pull');
    const found = await this.catalog.get(name);
    if (!found) throw notFound(`repository ${name} not found`);
    return repositoryView(found);
  }

  async remove(viewer: Viewer, project: string, repository: string): Promise<void> {
    const name = this.name(project, repository);
    await this.access.require(viewer, project, 'delete');
    let deleted: string[];
    try {
      deleted = await this.operations.deleteRepository(name);
    } catch (error) {
      if (error instanceof RegistryError && error.kind === 'NAME_UNKNOWN')
        throw notFound(`repository ${name} not found`);
      throw error;
    }
    const origin = actorOf(viewer);
    for (const digest of deleted) {
      this.events.emit({ kind: 'manifest.deleted', ...origin, repository: name, digest });
    }
  }

  private name(project: string, repository: string): string {
    // An impossible project is a 404 like a missing one (the project endpoints do the same).
    if (!isProjectName(project)) throw notFound('project (invalid name) not found');
    return repositoryParam(project, repository);
  }
}

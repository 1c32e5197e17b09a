import { Injectable } from '@nestjs/common';
import {
  ConflictError,
  MemberRecords,
  ProjectRecords,
  QuotaRecords,
  RepositoryRecords,
  type ProjectRecord,
} from '@berth/db';
import { conflict, forbidden, invalid } from './admin.errors.js';
import { AuditTrail } from './audit.trail.js';
import { objectBody, optionalBoolean, requiredBoolean, requiredString } from './body.validation.js';
import type { Caller } from './caller.resolver.js';
import { PROJECT_NAME } from './admin.grammar.js';
import { isSystemAdmin, ProjectAccess } from './project.access.js';
import { PagedResult, parsePaging } from './paging.js';
import { assertMayChangeLimit, readStorageLimit, storageLimitView } from './project-quota.service.js';

export interface ProjectView {
  id: string;
  name: string;
  public: boolean;
  /** Bytes, or -1 for no limit. */
  storageLimitBytes: number;
  /** Bytes the project's manifests hold now (see `QuotaRecords.usedBytes`). */
  storageUsedBytes: number;
  createdAt: string;
}

/**
 * Projects: any authenticated user may create one and becomes its `admin` member (Harbor's
 * default); reading needs `read`, changing settings or deleting needs `update`, and changing
 * the storage limit is for system administrators (a creator may set one: it only restricts).
 */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectRecords,
    private readonly members: MemberRecords,
    private readonly access: ProjectAccess,
    private readonly repositories: RepositoryRecords,
    private readonly quota: QuotaRecords,
    private readonly audit: AuditTrail,
  ) {}

  async create(caller: Caller, body: unknown): Promise<{ id: string; name: string; public: boolean }> {
    const input = objectBody(body);
    const name = requiredString(input, 'name', PROJECT_NAME);
    const isPublic = requiredBoolean(input, 'public');
    const storageLimitBytes = readStorageLimit(input) ?? null;
    if (caller.kind !== 'user') throw forbidden('robots cannot create projects');
    let project: ProjectRecord;
    try {
      project = await this.projects.create({ name, public: isPublic, storageLimitBytes });
    } catch (error) {
      if (error instanceof ConflictError) throw conflict(`project ${name} already exists`);
      throw error;
    }
    await this.members.add(project.id, caller.id, 'admin');
    await this.audit.record(caller, 'project.create', `project:${name}`, { public: isPublic });
    return { id: project.id, name: project.name, public: project.public };
  }

  async list(caller: Caller, query: Record<string, unknown>): Promise<PagedResult<ProjectView>> {
    const paging = parsePaging(query);
    const viewer = isSystemAdmin(caller) ? 'all' : caller.kind === 'user' ? caller.id : undefined;
    const page = await this.projects.list({
      ...paging,
      ...(viewer !== undefined && { visibleToUserId: viewer }),
    });
    const used = await this.quota.usedBytesOf(page.items.map((project) => project.name));
    return new PagedResult(
      page.items.map((project) => projectView(project, used.get(project.name) ?? 0)),
      page.total,
      paging,
    );
  }

  async get(caller: Caller, name: string): Promise<ProjectView & { repositoryCount: number }> {
    const project = await this.access.require(caller, name, 'read');
    return {
      ...projectView(project, await this.quota.usedBytes(name)),
      repositoryCount: await this.projects.repositoryCount(name),
    };
  }

  async update(caller: Caller, name: string, body: unknown): Promise<ProjectView> {
    const input = objectBody(body);
    const isPublic = optionalBoolean(input, 'public');
    const limit = readStorageLimit(input);
    const hasLimit = limit !== undefined;
    const project = await this.access.require(caller, name, 'update');
    if (hasLimit) assertMayChangeLimit(caller, project.storageLimitBytes, limit);
    if (isPublic !== undefined) await this.projects.setPublic(name, isPublic);
    if (hasLimit) await this.projects.setStorageLimit(name, limit);
    await this.audit.record(caller, 'project.update', `project:${name}`, {
      ...(isPublic !== undefined && { public: isPublic }),
      ...(hasLimit && { storageLimitBytes: limit }),
    });
    const updated = await this.access.require(caller, name, 'read');
    return projectView(updated, await this.quota.usedBytes(name));
  }

  async remove(caller: Caller, name: string, force: unknown): Promise<void> {
    if (force !== undefined && force !== 'true' && force !== 'false') {
      throw invalid('force', 'must be true or false');
    }
    await this.access.require(caller, name, 'update');
    const repositories = await this.projects.repositoryCount(name);
    if (repositories > 0 && force !== 'true') {
      throw conflict(
        `project ${name} still holds ${repositories} repositories; delete them or pass force=true`,
      );
    }
    if (repositories > 0) await this.repositories.deleteByProject(name);
    await this.projects.delete(name);
    await this.audit.record(caller, 'project.delete', `project:${name}`, {
      ...(repositories > 0 && { repositoriesDeleted: repositories }),
    });
  }
}

export function projectView(project: ProjectRecord, storageUsedBytes: number): ProjectView {
  return {
    id: project.id,
    name: project.name,
    public: project.public,
    storageLimitBytes: storageLimitView(project.storageLimitBytes),
    storageUsedBytes,
    createdAt: project.createdAt.toISOString(),
  };
}

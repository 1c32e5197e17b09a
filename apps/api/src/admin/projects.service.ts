import { Injectable } from '@nestjs/common';
import {
  ConflictError,
  MemberRecords,
  ProjectRecords,
  RepositoryRecords,
  type ProjectRecord,
} from '@berth/db';
import { conflict, forbidden, invalid } from './admin.errors.js';
import { AuditTrail } from './audit.trail.js';
import {
  objectBody,
  optionalBoolean,
  optionalInteger,
  requiredBoolean,
  requiredString,
  type JsonObject,
} from './body.validation.js';
import type { Caller } from './caller.resolver.js';
import { PROJECT_NAME } from './admin.grammar.js';
import { isSystemAdmin, ProjectAccess } from './project.access.js';
import { PagedResult, parsePaging } from './paging.js';

export interface ProjectView {
  id: string;
  name: string;
  public: boolean;
  storageLimitBytes: number | null;
  createdAt: string;
}

const LIMIT = { min: 0, max: Number.MAX_SAFE_INTEGER };

/**
 * Projects: any authenticated user may create one and becomes its `admin` member (Harbor's
 * default); reading needs `read`, changing settings or deleting needs `update`.
 */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectRecords,
    private readonly members: MemberRecords,
    private readonly access: ProjectAccess,
    private readonly repositories: RepositoryRecords,
    private readonly audit: AuditTrail,
  ) {}

  async create(caller: Caller, body: unknown): Promise<{ id: string; name: string; public: boolean }> {
    const input = objectBody(body);
    const name = requiredString(input, 'name', PROJECT_NAME);
    const isPublic = requiredBoolean(input, 'public');
    const storageLimitBytes = storageLimit(input);
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
    return new PagedResult(page.items.map(projectView), page.total, paging);
  }

  async get(caller: Caller, name: string): Promise<ProjectView & { repositoryCount: number }> {
    const project = await this.access.require(caller, name, 'read');
    return { ...projectView(project), repositoryCount: await this.projects.repositoryCount(name) };
  }

  async update(caller: Caller, name: string, body: unknown): Promise<ProjectView> {
    const input = objectBody(body);
    const isPublic = optionalBoolean(input, 'public');
    const hasLimit = Object.hasOwn(input, 'storageLimitBytes');
    const limit = storageLimit(input);
    await this.access.require(caller, name, 'update');
    if (isPublic !== undefined) await this.projects.setPublic(name, isPublic);
    if (hasLimit) await this.projects.setStorageLimit(name, limit);
    await this.audit.record(caller, 'project.update', `project:${name}`, {
      ...(isPublic !== undefined && { public: isPublic }),
      ...(hasLimit && { storageLimitBytes: limit }),
    });
    return projectView(await this.access.require(caller, name, 'read'));
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

/** `storageLimitBytes`: a non-negative integer, or null/absent for unlimited. */
function storageLimit(input: JsonObject): number | null {
  return optionalInteger(input, 'storageLimitBytes', LIMIT) ?? null;
}

export function projectView(project: ProjectRecord): ProjectView {
  return {
    id: project.id,
    name: project.name,
    public: project.public,
    storageLimitBytes: project.storageLimitBytes,
    createdAt: project.createdAt.toISOString(),
  };
}

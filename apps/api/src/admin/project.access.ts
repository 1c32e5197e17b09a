import { projectPermissions, type ProjectAction } from '@berth/auth';
import type { ProjectRecord, ProjectRecords } from '@berth/db';
import { forbidden, notFound } from './admin.errors.js';
import { PROJECT_NAME } from './admin.grammar.js';
import type { Caller } from './caller.resolver.js';

/**
 * The admin API's project permission decision: `projectPermissions` (the same rules the token
 * service uses) applied to the caller's membership. A project the caller may not even `read`
 * is a 404 rather than a 403, so private project names do not leak.
 */
export class ProjectAccess {
  constructor(private readonly projects: ProjectRecords) {}

  /** The project, when `caller` holds `permission` in it; otherwise 404 or 403. */
  async require(caller: Caller, name: string, permission: ProjectAction): Promise<ProjectRecord> {
    const project = isProjectName(name) ? await this.projects.findByName(name) : undefined;
    if (!project) throw notFound(`project ${isProjectName(name) ? name : '(invalid name)'} not found`);
    const access = await this.projects.accessFor(name, caller.kind === 'user' ? caller.id : undefined);
    const granted = projectPermissions(caller, {
      projectName: name,
      projectExists: access.exists,
      projectPublic: access.public,
      ...(access.role && { role: access.role }),
    });
    // A caller who can neither read nor pull from the project is told nothing about it: 404.
    if (!granted.has('read') && !granted.has('pull')) throw notFound(`project ${name} not found`);
    if (!granted.has(permission)) {
      throw forbidden(`you need the ${permission} permission in project ${name}`);
    }
    return project;
  }
}

/** Whether `name` can name a project at all (anything else is answered 404 without a query). */
export function isProjectName(name: string): boolean {
  return name.length <= PROJECT_NAME.max && PROJECT_NAME.pattern.test(name);
}

export function isSystemAdmin(caller: Caller): boolean {
  return caller.kind === 'user' && caller.systemAdmin;
}

/** 403 unless the caller is a system administrator. */
export function requireSystemAdmin(caller: Caller): void {
  if (!isSystemAdmin(caller)) throw forbidden('only a system administrator may do this');
}

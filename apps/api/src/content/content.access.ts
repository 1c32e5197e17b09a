import { projectPermissions, type RegistryAction, type RobotPermission } from '@berth/auth';
import type { ProjectRecords, RepositoryScope } from '@berth/db';
import { forbidden, notFound, unauthenticated } from '../admin/admin.errors.js';
import { isProjectName } from '../admin/project.access.js';
import type { Viewer } from './content-viewer.guard.js';

/**
 * Who may see and change repositories and artifacts, with `projectPermissions` (the rules the
 * token service uses for pulls and pushes):
 * - reading needs `pull`: whoever may pull an artifact may see it, and nothing more. So a
 *   `limited-guest` member or a pull-only robot browses what it pulls; anonymous callers and
 *   everyone else browse public projects;
 * - copying and tagging need `push` (developer and up), deleting needs `delete` (maintainer and
 *   up, robots with `delete`).
 * A project the caller may not read is a 404 (its name does not leak); anonymous callers get a
 * 401 instead, so they know to log in.
 */
export class ContentAccess {
  constructor(private readonly projects: ProjectRecords) {}

  async require(viewer: Viewer, project: string, action: RegistryAction): Promise<void> {
    const granted = await this.permissions(viewer, project);
    if (!granted.has('pull')) {
      if (viewer.kind === 'anonymous') throw unauthenticated();
      throw notFound(`project ${isProjectName(project) ? project : '(invalid name)'} not found`);
    }
    if (granted.has(action)) return;
    if (viewer.kind === 'anonymous') throw unauthenticated(`authentication required to ${action}`);
    throw forbidden(`you need the ${action} permission in project ${project}`);
  }

  /** The repositories a listing across projects shows the viewer. */
  scope(viewer: Viewer): RepositoryScope {
    switch (viewer.kind) {
      case 'anonymous':
        return { viewer: {} };
      case 'user':
        return viewer.systemAdmin ? { all: true } : { viewer: { userId: viewer.id } };
      case 'robot': {
        const projects = robotPullProjects(viewer.project, viewer.permissions);
        return projects === 'all' ? { all: true } : { viewer: { projects } };
      }
    }
  }

  private async permissions(viewer: Viewer, project: string) {
    if (!isProjectName(project)) return new Set<string>();
    const access = await this.projects.accessFor(project, viewer.kind === 'user' ? viewer.id : undefined);
    return projectPermissions(viewer, {
      projectName: project,
      projectExists: access.exists,
      projectPublic: access.public,
      ...(access.role && { role: access.role }),
    }) as Set<string>;
  }
}

/**
 * The projects a robot may pull from by its own permissions (public ones come on top), as
 * `projectPermissions` decides for robots: a project robot only in its project, a system robot
 * where a permission names the project or `*`.
 */
export function robotPullProjects(
  ownProject: string | undefined,
  permissions: readonly RobotPermission[],
): string[] | 'all' {
  const pulls = (p: RobotPermission) => p.actions.includes('pull') || p.actions.includes('*');
  if (ownProject !== undefined) {
    const allowed = permissions.some((p) => (p.project === ownProject || p.project === '*') && pulls(p));
    return allowed ? [ownProject] : [];
  }
  const projects: string[] = [];
  for (const permission of permissions) {
    if (!pulls(permission)) continue;
    if (permission.project === '*') return 'all';
    projects.push(permission.project);
  }
  return projects;
}

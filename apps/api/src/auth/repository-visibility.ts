import { grantedActions, repositoryProject, ROBOT_PREFIX, type Subject } from '@berth/auth';
import type { ProjectRecords, RobotRecords, UserRecords } from '@berth/db';

/**
 * Which repositories a token's subject may see in the catalog: those it may pull. The token
 * only says `registry:catalog:*`, so the decision is made here, per project, with the same
 * rules the token service uses.
 */
export class RepositoryVisibility {
  constructor(
    private readonly users: UserRecords,
    private readonly robots: RobotRecords,
    private readonly projects: ProjectRecords,
  ) {}

  async filter(subjectName: string, repositories: readonly string[]): Promise<string[]> {
    const subject = await this.subject(subjectName);
    if (!subject) return [];
    const visible = new Map<string, boolean>();
    const result: string[] = [];
    for (const name of repositories) {
      const project = repositoryProject(name);
      if (project === undefined) continue;
      if (!visible.has(project)) {
        const access = await this.projects.accessFor(
          project,
          subject.kind === 'user' ? subject.id : undefined,
        );
        const context = {
          projectName: project,
          projectExists: access.exists,
          projectPublic: access.public,
          ...(access.role && { role: access.role }),
        };
        const pull = grantedActions(subject, { type: 'repository', name, actions: ['pull'] }, context);
        visible.set(project, pull.length > 0);
      }
      if (visible.get(project)) result.push(name);
    }
    return result;
  }

  private async subject(name: string): Promise<Subject | undefined> {
    if (name === '') return { kind: 'anonymous' };
    if (name.startsWith(ROBOT_PREFIX)) {
      const robot = await this.robots.findByName(name);
      if (!robot || robot.disabled) return undefined;
      return {
        kind: 'robot',
        id: robot.id,
        name: robot.name,
        ...(robot.projectName !== null && { project: robot.projectName }),
        permissions: robot.permissions,
      };
    }
    const user = await this.users.findByUsername(name);
    if (!user || user.disabled) return undefined;
    return { kind: 'user', id: user.id, username: user.username, systemAdmin: user.systemAdmin };
  }
}

import { grantedActions, repositoryProject } from '@berth/auth';
import type { ProjectRecords } from '@berth/db';
import type { SubjectDirectory } from './subject-directory.js';

/**
 * Which repositories a token's subject may see in the catalog: those it may pull. The token
 * only says `registry:catalog:*`, so the decision is made here, per project, with the same
 * rules the token service uses.
 */
export class RepositoryVisibility {
  constructor(
    private readonly subjects: SubjectDirectory,
    private readonly projects: ProjectRecords,
  ) {}

  async filter(subjectName: string, repositories: readonly string[]): Promise<string[]> {
    const subject = await this.subjects.byName(subjectName);
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
}

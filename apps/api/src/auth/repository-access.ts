import { grantedActions, repositoryProject } from '@berth/auth';
import type { ProjectRecords } from '@berth/db';
import type { SubjectDirectory } from './subject-directory.js';
import type { AccessCheck } from './v2-authorizer.js';

/**
 * The access model, asked by the api itself with the rules the token service uses: which
 * repositories a token's subject may see in the catalog (those it may pull; the token only says
 * `registry:catalog:*`), and whether a refused action is refused by the model (403) or merely
 * missing from the token (401, ask again).
 */
export class RepositoryAccess implements AccessCheck {
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

  async check(subjectName: string, repository: string, action: string) {
    const subject = await this.subjects.byName(subjectName);
    const project = repositoryProject(repository);
    if (!subject) return { permitted: false, projectExists: false, subjectKnown: false };
    if (project === undefined) return { permitted: false, projectExists: false, subjectKnown: true };
    const access = await this.projects.accessFor(project, subject.kind === 'user' ? subject.id : undefined);
    const context = {
      projectName: project,
      projectExists: access.exists,
      projectPublic: access.public,
      ...(access.role && { role: access.role }),
    };
    const granted = grantedActions(
      subject,
      { type: 'repository', name: repository, actions: [action] },
      context,
    );
    return { permitted: granted.length > 0, projectExists: access.exists, subjectKnown: true };
  }
}

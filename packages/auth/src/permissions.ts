import { REGISTRY, REPOSITORY, type ResourceScope } from './scope.js';

/**
 * The access model of PRODUCT.md (after Harbor): project roles, what each allows, and the
 * decision of which requested token actions a subject gets. Pure: the caller looks up the
 * project, the membership and the robot's permissions, and passes what it found.
 */

export const ROLES = ['admin', 'maintainer', 'developer', 'guest', 'limited-guest'] as const;
export type Role = (typeof ROLES)[number];

/** Actions a registry token can carry on a repository. `delete` covers manifests, tags and blobs. */
export const REGISTRY_ACTIONS = ['pull', 'push', 'delete'] as const;
export type RegistryAction = (typeof REGISTRY_ACTIONS)[number];

export function isRegistryAction(value: unknown): value is RegistryAction {
  return typeof value === 'string' && (REGISTRY_ACTIONS as readonly string[]).includes(value);
}

/**
 * Admin-API actions on a project: reading it, administering its settings, members, robots,
 * policies, and reading its audit log (`logs`).
 */
export const PROJECT_ACTIONS = ['read', 'update', 'members', 'robots', 'policies', 'logs'] as const;
export type ProjectAction = (typeof PROJECT_ACTIONS)[number];

export type Permission = RegistryAction | ProjectAction;
export const PERMISSIONS: readonly Permission[] = [...REGISTRY_ACTIONS, ...PROJECT_ACTIONS];

/**
 * Role × permission. Each role includes the one below it. `developer` has `read`: PRODUCT.md
 * lists only its registry actions, and a member who may push to a project but not see it would
 * be Harbor-incompatible and surprising.
 */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  admin: ['pull', 'push', 'delete', 'read', 'update', 'members', 'robots', 'policies', 'logs'],
  maintainer: ['pull', 'push', 'delete', 'read', 'logs'],
  developer: ['pull', 'push', 'read'],
  guest: ['pull', 'read'],
  'limited-guest': ['pull'],
});

const ROLE_SUMMARIES: Readonly<Record<Role, string>> = {
  admin: 'everything in the project, including members, robots and policies',
  maintainer: 'push, pull, delete artifacts and tags, read the project and its audit log',
  developer: 'push and pull, read the project; no delete',
  guest: 'pull, read the project',
  'limited-guest': 'pull only',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_ACTIONS[role].includes(permission);
}

/** One row per role, for documentation and the admin API: which permission each role has. */
export interface RoleDescription {
  role: Role;
  summary: string;
  permissions: Record<Permission, boolean>;
}

export function describeRoles(): RoleDescription[] {
  return ROLES.map((role) => ({
    role,
    summary: ROLE_SUMMARIES[role],
    permissions: Object.fromEntries(PERMISSIONS.map((p) => [p, roleAllows(role, p)])) as Record<
      Permission,
      boolean
    >,
  }));
}

/**
 * One explicit robot permission. `project: '*'` means every project for a system robot, and only
 * its own project for a project robot.
 */
export interface RobotPermission {
  project: string;
  /** Registry actions; `*` means all of them. Anything else is ignored. */
  actions: readonly string[];
}

/**
 * Who asks. The caller has already authenticated it and refused disabled or expired accounts.
 * A project robot (`project` set, `robot$<project>+<name>`) only ever gets access to its own
 * project, whatever its permission list says.
 */
export type Subject =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: string; username: string; systemAdmin: boolean }
  | {
      kind: 'robot';
      id: string;
      name: string;
      project?: string;
      permissions: readonly RobotPermission[];
    };

/** What the caller looked up about the project of the resource. */
export interface AccessContext {
  /** The project of the repository: its first path segment (see `repositoryProject`). */
  projectName: string;
  projectExists: boolean;
  projectPublic: boolean;
  /** The user's membership role in the project, if any. Ignored for robots and anonymous. */
  role?: Role;
}

const PROJECT_PATTERN = /^[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*$/;

/**
 * The project of a repository name: its first path segment. Undefined for a name without a
 * path after the project (`alpine`: Berth repositories are always `<project>/<path>`) and for a
 * first segment that cannot be a project (`localhost:5000/p/app`, `Host/p/app`).
 */
export function repositoryProject(name: string): string | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return undefined;
  const project = name.slice(0, slash);
  return PROJECT_PATTERN.test(project) ? project : undefined;
}

function robotActions(robot: Extract<Subject, { kind: 'robot' }>, project: string): Set<RegistryAction> {
  const actions = new Set<RegistryAction>();
  if (robot.project !== undefined && robot.project !== project) return actions;
  for (const permission of robot.permissions) {
    if (permission.project !== project && permission.project !== '*') continue;
    for (const action of permission.actions) {
      if (action === '*') REGISTRY_ACTIONS.forEach((a) => actions.add(a));
      else if (isRegistryAction(action)) actions.add(action);
    }
  }
  return actions;
}

/**
 * Everything `subject` may do in the project described by `context`.
 * - Nothing at all in a project that does not exist, not even for a system administrator.
 * - A system administrator: every permission.
 * - A member: its role's permissions.
 * - A robot: its explicit registry actions for this project (no role, no project actions).
 * - A public project adds `pull` and `read` for everyone, anonymous and robots included.
 */
export function projectPermissions(subject: Subject, context: AccessContext): Set<Permission> {
  const granted = new Set<Permission>();
  if (!context.projectExists) return granted;
  switch (subject.kind) {
    case 'anonymous':
      break;
    case 'user':
      if (subject.systemAdmin) return new Set(PERMISSIONS);
      if (context.role !== undefined && isRole(context.role)) {
        ROLE_ACTIONS[context.role].forEach((p) => granted.add(p));
      }
      break;
    case 'robot':
      robotActions(subject, context.projectName).forEach((a) => granted.add(a));
      break;
  }
  if (context.projectPublic) {
    granted.add('pull');
    granted.add('read');
  }
  return granted;
}

/** The requested actions that are permitted, deduplicated, in request order. */
function intersect(requested: readonly string[], permitted: ReadonlySet<string>): string[] {
  const result: string[] = [];
  for (const action of requested) {
    const ok = action === '*' ? REGISTRY_ACTIONS.every((a) => permitted.has(a)) : permitted.has(action);
    if (ok && !result.includes(action)) result.push(action);
  }
  return result;
}

/**
 * The actions to put in the token for one requested resource: the intersection of what was
 * requested and what is permitted. Never throws; denial is an empty list (the token spec says
 * partial access is not an error).
 *
 * - `registry:catalog:*` is granted to every subject, anonymous too (the api filters the catalog).
 * - `repository:<project>/<path>`: see `projectPermissions`. A requested `*` is granted only to
 *   subjects holding every registry action (pull, push, delete). Unknown actions are dropped.
 * - Anything else, a context that is missing or names another project than the repository's,
 *   or a name without a project path grants nothing.
 */
export function grantedActions(
  subject: Subject,
  resource: ResourceScope,
  context: AccessContext | undefined,
): string[] {
  if (resource.type === REGISTRY) {
    // Everyone may ask; the api lists only the repositories the caller may pull.
    if (resource.name !== 'catalog') return [];
    return resource.actions.includes('*') ? ['*'] : [];
  }
  if (resource.type !== REPOSITORY || context === undefined) return [];
  if (repositoryProject(resource.name) !== context.projectName) return [];
  const permitted = new Set<string>([...projectPermissions(subject, context)].filter(isRegistryAction));
  return intersect(resource.actions, permitted);
}

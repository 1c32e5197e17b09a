import { describe, expect, it } from '@jest/globals';
import {
  describeRoles,
  grantedActions,
  isRegistryAction,
  isRole,
  PERMISSIONS,
  projectPermissions,
  repositoryProject,
  ROLE_ACTIONS,
  roleAllows,
  ROLES,
  type AccessContext,
  type Role,
  type Subject,
} from './permissions.js';
import { type ResourceScope } from './scope.js';

const ALL = ['pull', 'push', 'delete', '*'];
const REQUEST: ResourceScope = { type: 'repository', name: 'p/app', actions: ALL };

const anonymous: Subject = { kind: 'anonymous' };
const user: Subject = { kind: 'user', id: 'u1', username: 'alice', systemAdmin: false };
const sysadmin: Subject = { kind: 'user', id: 'u0', username: 'admin', systemAdmin: true };
function robot(actions: string[], project = 'p', robotProject: string | undefined = 'p'): Subject {
  return {
    kind: 'robot',
    id: 'r1',
    name: robotProject ? `robot$${robotProject}+ci` : 'robot$ci',
    ...(robotProject ? { project: robotProject } : {}),
    permissions: [{ project, actions }],
  };
}

type ProjectKind = 'public' | 'private' | 'missing';
function context(kind: ProjectKind, role?: Role): AccessContext {
  return {
    projectName: 'p',
    projectExists: kind !== 'missing',
    projectPublic: kind === 'public',
    ...(role ? { role } : {}),
  };
}

// subject, role, granted on [public, private, missing] for the request pull,push,delete,*.
const MATRIX: [string, Subject, Role | undefined, string[], string[], string[]][] = [
  ['anonymous', anonymous, undefined, ['pull'], [], []],
  ['a user who is not a member', user, undefined, ['pull'], [], []],
  ['a system administrator', sysadmin, undefined, ALL, ALL, []],
  ['a system administrator who is also a guest', sysadmin, 'guest', ALL, ALL, []],
  ['an admin member', user, 'admin', ALL, ALL, []],
  ['a maintainer', user, 'maintainer', ALL, ALL, []],
  ['a developer', user, 'developer', ['pull', 'push'], ['pull', 'push'], []],
  ['a guest', user, 'guest', ['pull'], ['pull'], []],
  ['a limited guest', user, 'limited-guest', ['pull'], ['pull'], []],
  ['anonymous carrying a role (ignored)', anonymous, 'admin', ['pull'], [], []],
  ['a pull robot', robot(['pull']), undefined, ['pull'], ['pull'], []],
  ['a pull+push robot', robot(['pull', 'push']), undefined, ['pull', 'push'], ['pull', 'push'], []],
  ['a push-only robot', robot(['push']), undefined, ['pull', 'push'], ['push'], []],
  ['a delete robot', robot(['pull', 'push', 'delete']), undefined, ALL, ALL, []],
  ['a * robot', robot(['*']), undefined, ALL, ALL, []],
  ['a robot with a role (ignored)', robot(['pull']), 'admin', ['pull'], ['pull'], []],
  ['a robot with project actions only', robot(['read', 'members']), undefined, ['pull'], [], []],
  ['a robot of project p for project q', robot(['pull', 'push'], 'q', 'p'), undefined, ['pull'], [], []],
  ['a robot of project q claiming p', robot(['pull', 'push'], 'p', 'q'), undefined, ['pull'], [], []],
  [
    'a project robot with project *',
    robot(['pull', 'push'], '*', 'p'),
    undefined,
    ['pull', 'push'],
    ['pull', 'push'],
    [],
  ],
  ['a system robot on every project', robot(['pull'], '*', undefined), undefined, ['pull'], ['pull'], []],
  [
    'a system robot on p',
    robot(['pull', 'push'], 'p', undefined),
    undefined,
    ['pull', 'push'],
    ['pull', 'push'],
    [],
  ],
  ['a system robot on q only', robot(['pull', 'push'], 'q', undefined), undefined, ['pull'], [], []],
];

describe('grantedActions: the role × action matrix', () => {
  describe.each(MATRIX)('%s', (_label, subject, role, onPublic, onPrivate, onMissing) => {
    it.each<[ProjectKind, string[]]>([
      ['public', onPublic],
      ['private', onPrivate],
      ['missing', onMissing],
    ])('in a %s project gets %j', (kind, expected) => {
      expect(grantedActions(subject, REQUEST, context(kind, role))).toEqual(expected);
    });
  });

  it.each(MATRIX)('%s: each action alone is granted iff it is in the full grant', (_l, subject, role) => {
    for (const kind of ['public', 'private', 'missing'] as const) {
      const full = grantedActions(subject, REQUEST, context(kind, role));
      for (const action of ALL) {
        const alone = grantedActions(subject, { ...REQUEST, actions: [action] }, context(kind, role));
        expect(alone).toEqual(full.includes(action) ? [action] : []);
      }
    }
  });
});

describe('grantedActions: edge cases', () => {
  const maintainer = context('private', 'maintainer');

  it('keeps the request order and drops duplicates and unknown actions', () => {
    expect(
      grantedActions(user, { ...REQUEST, actions: ['push', 'metadata', 'pull', 'push', 'read'] }, maintainer),
    ).toEqual(['push', 'pull']);
  });

  it('grants nothing for an empty request', () => {
    expect(grantedActions(sysadmin, { ...REQUEST, actions: [] }, context('public'))).toEqual([]);
  });

  it('grants nothing without a context', () => {
    expect(grantedActions(sysadmin, REQUEST, undefined)).toEqual([]);
  });

  it.each([
    ['a context for another project', 'p/app', { ...maintainer, projectName: 'q' }],
    ['a name without a path after the project', 'p', maintainer],
    ['a name ending in a slash', 'p/', maintainer],
    ['a host:port name', 'localhost:5000/p/app', { ...maintainer, projectName: 'localhost:5000' }],
  ])('grants nothing for %s', (_label, name, ctx) => {
    expect(grantedActions(sysadmin, { ...REQUEST, name }, ctx)).toEqual([]);
    expect(grantedActions(user, { ...REQUEST, name }, ctx)).toEqual([]);
  });

  it('grants nothing for a role outside the table', () => {
    const bogus = { ...context('private'), role: 'owner' as Role };
    expect(grantedActions(user, REQUEST, bogus)).toEqual([]);
  });

  it('grants nothing for unknown resource types', () => {
    expect(grantedActions(sysadmin, { type: 'namespace', name: 'p', actions: ['pull'] }, maintainer)).toEqual(
      [],
    );
  });

  it('grants deep repository paths by their first segment', () => {
    expect(grantedActions(user, { ...REQUEST, name: 'p/a/b/c' }, context('private', 'developer'))).toEqual([
      'pull',
      'push',
    ]);
  });
});

describe('grantedActions: registry:catalog', () => {
  const catalog: ResourceScope = { type: 'registry', name: 'catalog', actions: ['*'] };

  it.each<[string, Subject, string[]]>([
    ['anonymous (the api lists public repositories only)', anonymous, ['*']],
    ['a user', user, ['*']],
    ['a system administrator', sysadmin, ['*']],
    ['a robot', robot(['pull']), ['*']],
  ])('%s gets %j', (_label, subject, expected) => {
    expect(grantedActions(subject, catalog, undefined)).toEqual(expected);
  });

  it('grants only *', () => {
    expect(grantedActions(user, { ...catalog, actions: ['pull', 'push'] }, undefined)).toEqual([]);
  });

  it('grants no other registry resource', () => {
    expect(grantedActions(sysadmin, { ...catalog, name: 'all' }, undefined)).toEqual([]);
  });
});

describe('projectPermissions', () => {
  it.each<[string, Subject, AccessContext, string[]]>([
    ['an admin member', user, context('private', 'admin'), [...ROLE_ACTIONS.admin]],
    ['a developer', user, context('private', 'developer'), ['pull', 'push', 'read']],
    ['a limited guest of a private project', user, context('private', 'limited-guest'), ['pull']],
    ['a limited guest of a public project', user, context('public', 'limited-guest'), ['pull', 'read']],
    ['anonymous in a public project', anonymous, context('public'), ['pull', 'read']],
    ['a system administrator', sysadmin, context('private'), [...PERMISSIONS]],
    ['a system administrator in a missing project', sysadmin, context('missing'), []],
    ['a robot', robot(['pull', 'push', 'members']), context('private'), ['pull', 'push']],
  ])('%s', (_label, subject, ctx, expected) => {
    expect([...projectPermissions(subject, ctx)].sort()).toEqual([...expected].sort());
  });
});

describe('roles', () => {
  it('orders roles so that each includes the next', () => {
    for (let i = 0; i + 1 < ROLES.length; i++) {
      const higher = ROLE_ACTIONS[ROLES[i]!];
      for (const permission of ROLE_ACTIONS[ROLES[i + 1]!]) expect(higher).toContain(permission);
    }
  });

  it.each<[Role, string, boolean]>([
    ['admin', 'members', true],
    ['admin', 'robots', true],
    ['admin', 'policies', true],
    ['maintainer', 'delete', true],
    ['maintainer', 'members', false],
    ['maintainer', 'logs', true],
    ['developer', 'logs', false],
    ['guest', 'logs', false],
    ['limited-guest', 'logs', false],
    ['developer', 'push', true],
    ['developer', 'delete', false],
    ['guest', 'read', true],
    ['guest', 'push', false],
    ['limited-guest', 'pull', true],
    ['limited-guest', 'read', false],
  ])('%s %s → %s', (role, permission, allowed) => {
    expect(roleAllows(role, permission as never)).toBe(allowed);
  });

  it('recognises roles and registry actions', () => {
    expect(ROLES.every(isRole)).toBe(true);
    expect([isRole('owner'), isRole(''), isRole(undefined), isRole('Admin')]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect([isRegistryAction('delete'), isRegistryAction('*'), isRegistryAction('read')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('describes every role with every permission', () => {
    const rows = describeRoles();
    expect(rows.map((r) => r.role)).toEqual([...ROLES]);
    for (const row of rows) {
      expect(Object.keys(row.permissions).sort()).toEqual([...PERMISSIONS].sort());
      expect(row.summary.length).toBeGreaterThan(0);
    }
    expect(rows.find((r) => r.role === 'developer')!.permissions).toMatchObject({
      push: true,
      delete: false,
    });
  });
});

describe('repositoryProject', () => {
  it.each([
    ['p/app', 'p'],
    ['p/a/b', 'p'],
    ['p', undefined],
    ['p/', undefined],
    ['/app', undefined],
    ['', undefined],
    ['localhost:5000/p/app', undefined],
    ['Host/app', undefined],
    ['my.project/app', 'my.project'],
  ])('%s → %s', (name, project) => {
    expect(repositoryProject(name)).toBe(project);
  });
});

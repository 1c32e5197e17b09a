// The access model of PRODUCT.md, end to end: every subject (anonymous, non-member, each project
// role, system admin, project robots, another project's robot, a system robot) against a private
// and a public project, for pull, push, delete and catalog visibility. Each subject gets one
// token from the token service (`scope=repository:<name>:pull,push,delete`), as a client would,
// and the /v2/ api must answer 2xx, 401 with a challenge (anonymous refused) or 403 DENIED
// (authenticated refused).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ALL_MANIFEST_TYPES,
  sha256Digest,
  startRegistryUnderTest,
  type Credentials,
  type RegistryUnderTest,
} from '@berth/testing';
import {
  AdminApi,
  bearer,
  berthOf,
  catalogOf,
  decodeJwt,
  outcome,
  pushImage,
  putManifest,
  requestToken,
  tinyImage,
  tokenFor,
  uploadBlob,
  type Role,
  type TinyImage,
} from './access-fixtures.js';

type Subject =
  | 'anonymous'
  | 'non-member'
  | `member-${Role}`
  | 'system-admin'
  | 'robot-pull'
  | 'robot-pull-push'
  | 'other-project-robot'
  | 'system-robot'
  | 'system-robot-one-project';

type Result = 'ok' | '401' | '403';
interface Expected {
  pull: Result;
  push: Result;
  delete: Result;
}

const PRIVATE = 'priv';
const PUBLIC = 'pub';
const OTHER = 'other';
const ROLES: Role[] = ['admin', 'maintainer', 'developer', 'guest', 'limited-guest'];

const ALL: Expected = { pull: 'ok', push: 'ok', delete: 'ok' };
const PULL_PUSH: Expected = { pull: 'ok', push: 'ok', delete: '403' };
const PULL: Expected = { pull: 'ok', push: '403', delete: '403' };
const NOTHING: Expected = { pull: '403', push: '403', delete: '403' };

/** What each subject may do, per project (PRODUCT.md "Access model"). */
const MATRIX: Record<string, Record<Subject, Expected>> = {
  [PRIVATE]: {
    anonymous: { pull: '401', push: '401', delete: '401' },
    'non-member': NOTHING,
    'member-admin': ALL,
    'member-maintainer': ALL,
    'member-developer': PULL_PUSH,
    'member-guest': PULL,
    'member-limited-guest': PULL,
    'system-admin': ALL,
    'robot-pull': PULL,
    'robot-pull-push': PULL_PUSH,
    'other-project-robot': NOTHING,
    'system-robot': PULL_PUSH,
    'system-robot-one-project': PULL,
  },
  [PUBLIC]: {
    anonymous: { pull: 'ok', push: '401', delete: '401' },
    'non-member': PULL,
    'member-admin': ALL,
    'member-maintainer': ALL,
    'member-developer': PULL_PUSH,
    'member-guest': PULL,
    'member-limited-guest': PULL,
    'system-admin': ALL,
    'robot-pull': PULL,
    'robot-pull-push': PULL_PUSH,
    'other-project-robot': PULL,
    'system-robot': PULL_PUSH,
    'system-robot-one-project': PULL,
  },
};

/** The projects whose repositories each subject sees in `_catalog`: those it may pull from. */
const CATALOG: Record<Subject, string[]> = {
  anonymous: [PUBLIC],
  'non-member': [PUBLIC],
  'member-admin': [PRIVATE, PUBLIC],
  'member-maintainer': [PRIVATE, PUBLIC],
  'member-developer': [PRIVATE, PUBLIC],
  'member-guest': [PRIVATE, PUBLIC],
  'member-limited-guest': [PRIVATE, PUBLIC],
  'system-admin': [OTHER, PRIVATE, PUBLIC],
  // robots of `priv` (for the catalog, the private project's robots stand for both)
  'robot-pull': [PRIVATE, PUBLIC],
  'robot-pull-push': [PRIVATE, PUBLIC],
  'other-project-robot': [OTHER, PUBLIC],
  'system-robot': [OTHER, PRIVATE, PUBLIC],
  'system-robot-one-project': [PRIVATE, PUBLIC],
};

const SUBJECTS = Object.keys(MATRIX[PRIVATE]!) as Subject[];

let registry: RegistryUnderTest;
let admin: AdminApi;
/** Login of each subject; project robots per project. `undefined`: anonymous. */
const logins = new Map<string, Credentials | undefined>();
/** The image each (project, subject) repository holds before the subject acts on it. */
const seeded = new Map<string, TinyImage>();

const loginOf = (project: string, subject: Subject): Credentials | undefined =>
  logins.get(`${project}:${subject}`) ?? logins.get(subject);

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  const system = berthOf(registry).admin;
  admin = new AdminApi(registry, system);
  logins.set('anonymous', undefined);
  logins.set('system-admin', system);

  // The projects belong to `owner` (their creator and admin member): the system administrator
  // is a member of none of them, so its access comes from being a system administrator only.
  const owner = await admin.createUser('owner');
  const ownerApi = admin.as(owner);
  await ownerApi.createProject(PRIVATE, false);
  await ownerApi.createProject(PUBLIC, true);
  await ownerApi.createProject(OTHER, false);
  logins.set('non-member', await admin.createUser('outsider'));
  for (const role of ROLES) {
    const user = await admin.createUser(`role-${role}`);
    logins.set(`member-${role}`, user);
    for (const project of [PRIVATE, PUBLIC]) await ownerApi.addMember(project, user.username, role);
  }
  for (const project of [PRIVATE, PUBLIC]) {
    logins.set(`${project}:robot-pull`, await ownerApi.createProjectRobot(project, 'puller', ['pull']));
    logins.set(
      `${project}:robot-pull-push`,
      await ownerApi.createProjectRobot(project, 'pusher', ['pull', 'push']),
    );
  }
  logins.set('other-project-robot', await ownerApi.createProjectRobot(OTHER, 'pusher', ['pull', 'push']));
  logins.set(
    'system-robot',
    await admin.createSystemRobot('ci', [{ project: '*', actions: ['pull', 'push'] }]),
  );
  logins.set(
    'system-robot-one-project',
    await admin.createSystemRobot('scanner', [{ project: PRIVATE, actions: ['pull'] }]),
  );

  // One repository per (project, subject), so a subject's delete cannot affect another's pull.
  for (const project of [PRIVATE, PUBLIC]) {
    for (const subject of SUBJECTS) {
      const image = tinyImage(`${project}/${subject}`);
      seeded.set(`${project}/${subject}`, image);
      await pushImage(registry, system, `${project}/${subject}`, 'v1', image);
    }
  }
  await pushImage(registry, system, `${OTHER}/app`, 'v1', tinyImage(`${OTHER}/app`));
}, 120_000);

afterAll(async () => {
  await registry?.close();
});

describe('catalog visibility', () => {
  it.each(SUBJECTS)('%s sees the repositories of exactly the projects it may pull from', async (subject) => {
    const login = loginOf(PRIVATE, subject);
    const token = await tokenFor(registry, login, ['registry:catalog:*']);
    const catalog = await catalogOf(registry, token);
    expect({ status: catalog.status, text: catalog.text }).toEqual({ status: 200, text: '' });
    const projects = [...new Set(catalog.repositories.map((name) => name.split('/')[0]!))].sort();
    expect(projects).toEqual(CATALOG[subject]);
  });
});

describe.each([PRIVATE, PUBLIC])('project %s', (project) => {
  it.each(SUBJECTS)('%s: pull, push and delete as the access model says', async (subject) => {
    const repository = `${project}/${subject}`;
    const image = seeded.get(repository)!;
    const token = await tokenFor(registry, loginOf(project, subject), [
      `repository:${repository}:pull,push,delete`,
    ]);
    const auth = bearer(token);
    const pullScope = `repository:${repository}:pull`;
    const pushScope = `repository:${repository}:pull,push`;
    const actual: Record<string, string> = {};

    actual.pullManifest = await outcome(
      await fetch(`${registry.url}/v2/${repository}/manifests/v1`, {
        headers: { ...auth, accept: ALL_MANIFEST_TYPES },
      }),
      registry,
      pullScope,
    );
    actual.pullBlob = await outcome(
      await fetch(`${registry.url}/v2/${repository}/blobs/${image.layerDigest}`, { headers: auth }),
      registry,
      pullScope,
    );
    actual.listTags = await outcome(
      await fetch(`${registry.url}/v2/${repository}/tags/list`, { headers: auth }),
      registry,
      pullScope,
    );
    // a new image: a new config blob beside the seeded layer
    const pushed = tinyImage(`${repository}/pushed`, image.layer);
    actual.pushBlob = await outcome(
      await uploadBlob(registry, repository, pushed.config, auth),
      registry,
      pushScope,
    );
    actual.pushManifest = await outcome(
      await putManifest(registry, repository, 'pushed', pushed.manifest, auth),
      registry,
      pushScope,
    );
    actual.delete = await outcome(
      await fetch(`${registry.url}/v2/${repository}/manifests/${image.digest}`, {
        method: 'DELETE',
        headers: auth,
      }),
      registry,
      `repository:${repository}:delete`,
    );
    actual.deleteBlob = await outcome(
      await fetch(`${registry.url}/v2/${repository}/blobs/${image.configDigest}`, {
        method: 'DELETE',
        headers: auth,
      }),
      registry,
      `repository:${repository}:delete`,
    );

    const expected = MATRIX[project]![subject];
    expect(actual).toEqual({
      pullManifest: expected.pull,
      pullBlob: expected.pull,
      listTags: expected.pull,
      pushBlob: expected.push,
      pushManifest: expected.push,
      delete: expected.delete,
      deleteBlob: expected.delete,
    });
  });
});

describe('refusals that say why', () => {
  it('a push to a project that does not exist is refused with 403 naming the project', async () => {
    for (const login of [berthOf(registry).admin, logins.get('member-developer')!]) {
      const token = await tokenFor(registry, login, ['repository:nosuchproject/app:pull,push']);
      const response = await uploadBlob(registry, 'nosuchproject/app', Buffer.from('x'), bearer(token));
      expect(response.status).toBe(403);
      const body = (await response.json()) as { errors: { code: string; message: string }[] };
      expect(body.errors[0]!.code).toBe('DENIED');
      expect(body.errors[0]!.message).toContain('nosuchproject');
    }
  });

  it('an anonymous push to a project that does not exist is a 401 challenge for pull,push', async () => {
    const token = await tokenFor(registry, undefined, ['repository:nosuchproject/app:pull,push']);
    const response = await uploadBlob(registry, 'nosuchproject/app', Buffer.from('x'), bearer(token));
    expect(await outcome(response, registry, 'repository:nosuchproject/app:pull,push')).toBe('401');
  });

  it('no token at all is a 401 challenge naming the scope the request needs', async () => {
    const repository = `${PRIVATE}/member-admin`;
    const cases: [string, RequestInit, string][] = [
      [`/v2/${repository}/manifests/v1`, {}, 'pull'],
      [`/v2/${repository}/blobs/uploads/`, { method: 'POST' }, 'pull,push'],
      [`/v2/${repository}/manifests/${'sha256:' + '0'.repeat(64)}`, { method: 'DELETE' }, 'delete'],
    ];
    for (const [path, init, actions] of cases) {
      const response = await fetch(`${registry.url}${path}`, init);
      expect([path, await outcome(response, registry, `repository:${repository}:${actions}`)]).toEqual([
        path,
        '401',
      ]);
    }
  });

  it('a cross-repository mount from a repository the caller cannot pull is not a mount', async () => {
    const developer = logins.get('member-developer')!;
    const target = `${PRIVATE}/member-developer`;
    const hidden = tinyImage(`${OTHER}/hidden`);
    await pushImage(registry, berthOf(registry).admin, `${OTHER}/hidden`, 'v1', hidden);
    const token = await tokenFor(registry, developer, [
      `repository:${target}:pull,push`,
      `repository:${OTHER}/hidden:pull`,
    ]);
    const mount = await fetch(
      `${registry.url}/v2/${target}/blobs/uploads/?mount=${hidden.layerDigest}&from=${OTHER}/hidden`,
      { method: 'POST', headers: bearer(token) },
    );
    // the spec's fallback: a new upload session, not the other project's blob
    expect(mount.status).toBe(202);
    const blob = await fetch(`${registry.url}/v2/${target}/blobs/${hidden.layerDigest}`, {
      headers: bearer(token),
    });
    expect(blob.status).toBe(404);
  });
});

describe('isolation between repositories and projects', () => {
  let secret: TinyImage;
  beforeAll(async () => {
    secret = tinyImage(`${PRIVATE}/secret`);
    await pushImage(registry, berthOf(registry).admin, `${PRIVATE}/secret`, 'v1', secret);
  });

  it('a digest from a private project cannot be read through a public repository', async () => {
    const token = await tokenFor(registry, undefined, [`repository:${PUBLIC}/anonymous:pull`]);
    const base = `${registry.url}/v2/${PUBLIC}/anonymous`;
    const answers = [
      (await fetch(`${base}/blobs/${secret.layerDigest}`, { headers: bearer(token) })).status,
      (await fetch(`${base}/blobs/${secret.configDigest}`, { method: 'HEAD', headers: bearer(token) }))
        .status,
      (
        await fetch(`${base}/manifests/${secret.digest}`, {
          headers: { ...bearer(token), accept: ALL_MANIFEST_TYPES },
        })
      ).status,
    ];
    expect(answers).toEqual([404, 404, 404]);
  });

  it("an upload session of another project's repository cannot be completed through one's own", async () => {
    const adminToken = await tokenFor(registry, berthOf(registry).admin, [
      `repository:${PRIVATE}/secret:pull,push`,
    ]);
    const started = await fetch(`${registry.url}/v2/${PRIVATE}/secret/blobs/uploads/`, {
      method: 'POST',
      headers: bearer(adminToken),
    });
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    const hijacked = new URL(
      location.replace(`/v2/${PRIVATE}/secret/`, `/v2/${PUBLIC}/member-developer/`),
      registry.url,
    );
    const bytes = Buffer.from('hijacked upload');
    hijacked.searchParams.set('digest', sha256Digest(bytes));
    const developer = logins.get('member-developer')!;
    const token = await tokenFor(registry, developer, [`repository:${PUBLIC}/member-developer:pull,push`]);
    const put = await fetch(hijacked, {
      method: 'PUT',
      headers: { ...bearer(token), 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(put.status).toBe(404);
    // the owner's session is untouched
    expect((await fetch(new URL(location, registry.url), { headers: bearer(adminToken) })).status).toBe(204);
  });

  it('membership changes apply to the next token: promotion, and removal', async () => {
    const guest = logins.get('member-guest')! as Credentials & { id: string };
    const repository = `${PRIVATE}/member-guest`;
    // the system administrator manages the membership (it is a member of nothing)
    await admin.expect(200, 'PUT', `/projects/${PRIVATE}/members/${guest.id}`, { role: 'maintainer' });
    let token = await tokenFor(registry, guest, [`repository:${repository}:pull,push,delete`]);
    const pushed = tinyImage(`${repository}/promoted`, seeded.get(repository)!.layer);
    expect((await uploadBlob(registry, repository, pushed.config, bearer(token))).status).toBe(201);

    await admin.expect(204, 'DELETE', `/projects/${PRIVATE}/members/${guest.id}`);
    token = await tokenFor(registry, guest, [`repository:${repository}:pull,push,delete`]);
    const pull = await fetch(`${registry.url}/v2/${repository}/tags/list`, { headers: bearer(token) });
    expect(await outcome(pull, registry, `repository:${repository}:pull`)).toBe('403');
  });

  it("a deleted project's robots and members get nothing in a new project of the same name", async () => {
    const ownerApi = admin;
    await ownerApi.createProject('reborn', false);
    const robot = await ownerApi.createProjectRobot('reborn', 'bot', ['pull', 'push']);
    const developer = logins.get('member-developer')!;
    await ownerApi.addMember('reborn', developer.username, 'developer');
    await ownerApi.expect(204, 'DELETE', '/projects/reborn?force=true');
    await ownerApi.createProject('reborn', false);

    const robotToken = await requestTokenStatus(robot, 'repository:reborn/app:pull,push');
    expect(robotToken).toEqual({ status: 401, access: undefined });
    const memberToken = await requestTokenStatus(developer, 'repository:reborn/app:pull,push');
    expect(memberToken).toEqual({
      status: 200,
      access: [{ type: 'repository', name: 'reborn/app', actions: [] }],
    });
  });
});

async function requestTokenStatus(login: Credentials, scope: string) {
  const response = await requestToken(registry, login, [scope]);
  if (response.status !== 200) return { status: response.status, access: undefined };
  const { token } = (await response.json()) as { token: string };
  return { status: 200, access: decodeJwt(token).payload.access };
}

// The admin API's repositories: listings across projects and per project (keyset pages through
// `Link`), reading one (nested names URL-encoded), deleting one with everything in it, pull
// counts after real pulls, and who may do what (roles, robots, anonymous).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/client';
import { startRegistryUnderTest, type Credentials, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, fieldOf, isProblem } from './admin-client.js';
import { eventually, linkOf, pushImage, walk, type Pushed } from './content-fixtures.js';

const TIMEOUT = 120_000;
let registry: RegistryUnderTest;
let admin: AdminClient;
let anonymous: AdminClient;
const users: Record<string, Credentials> = {};
let robot: Credentials;
let web: Pushed;

beforeAll(async () => {
  registry = await startRegistryUnderTest({ env: { BERTH_PULL_FLUSH_MS: '100' } });
  admin = new AdminClient(registry.url, registry.credentials);
  anonymous = admin.as(undefined);
  await admin.post('/api/v1/projects', { name: 'pub', public: true });
  await admin.post('/api/v1/projects', { name: 'priv', public: false });
  for (const role of ['maintainer', 'developer', 'guest', 'limited-guest']) {
    const user = await createUser(admin, role.replace('-', ''));
    users[role] = user.credentials;
    await admin.post('/api/v1/projects/priv/members', { username: user.credentials.username, role });
  }
  users.stranger = (await createUser(admin, 'stranger')).credentials;
  const created = await admin.post('/api/v1/projects/priv/robots', { name: 'reader', permissions: ['pull'] });
  robot = { username: created.body.name, password: created.body.secret };

  const client = new RegistryClient({ url: registry.url, credentials: registry.credentials! });
  web = await pushImage(client, 'pub/web', 'web', { tags: ['v1'] });
  await pushImage(client, 'pub/tools/cli', 'cli', { tags: ['v1', 'v2'] });
  await pushImage(client, 'priv/app', 'app', { tags: ['1.0'] });
  await pushImage(client, 'priv/app2', 'app2');
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('GET /api/v1/projects/{project}/repositories', () => {
  it('lists the project’s repositories with their figures and X-Total-Count', async () => {
    const response = await admin.as(users.maintainer).get('/api/v1/projects/priv/repositories');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-total-count')).toBe('2');
    expect(response.body).toEqual([
      {
        name: 'priv/app',
        project: 'priv',
        artifactCount: 1,
        tagCount: 1,
        pullCount: 0,
        lastPushAt: expect.any(String),
        createdAt: expect.any(String),
      },
      expect.objectContaining({ name: 'priv/app2', artifactCount: 1, tagCount: 0 }),
    ]);
  });

  it('pages by cursor through Link, keeping the filters', async () => {
    const first = await admin.get('/api/v1/projects/pub/repositories?pageSize=1&sort=-name');
    expect(fieldOf(first)).toEqual(['pub/web']);
    const next = linkOf(first, 'next')!;
    expect(next).toMatch(/^\/api\/v1\/projects\/pub\/repositories\?/);
    const params = new URL(next, registry.url).searchParams;
    expect(params.get('page')).toBe('2');
    expect(params.get('sort')).toBe('-name');
    expect(params.get('cursor')).toMatch(/^[A-Za-z0-9_-]+$/);
    const { items, pages } = await walk(admin, '/api/v1/projects/pub/repositories?pageSize=1&sort=-name');
    expect(items.map((item) => item.name)).toEqual(['pub/web', 'pub/tools/cli']);
    expect(pages).toHaveLength(2);
    const second = await admin.get(next);
    expect(linkOf(second, 'prev')).toMatch(/page=1/);
    expect(linkOf(second, 'next')).toBeUndefined();
  });

  it('searches names with q', async () => {
    const response = await admin.get('/api/v1/projects/pub/repositories?q=TOOLS');
    expect(fieldOf(response)).toEqual(['pub/tools/cli']);
    expect(response.headers.get('x-total-count')).toBe('1');
  });

  it('lets every member read, limited guests and pull robots included; hides the project from others', async () => {
    for (const who of [users.guest, users['limited-guest'], robot]) {
      expect(fieldOf(await admin.as(who).get('/api/v1/projects/priv/repositories'))).toEqual([
        'priv/app',
        'priv/app2',
      ]);
    }
    expect(isProblem(await admin.as(users.stranger).get('/api/v1/projects/priv/repositories'), 404)).toBe(
      true,
    );
    expect(isProblem(await admin.as(users.stranger).get('/api/v1/projects/nope/repositories'), 404)).toBe(
      true,
    );
    const anon = await anonymous.get('/api/v1/projects/priv/repositories');
    expect(isProblem(anon, 401)).toBe(true);
    expect(fieldOf(await anonymous.get('/api/v1/projects/pub/repositories'))).toEqual([
      'pub/tools/cli',
      'pub/web',
    ]);
    // Artifacts of a public project too, and nothing of a private one.
    const artifacts = await anonymous.get('/api/v1/projects/pub/repositories/web/artifacts');
    expect(artifacts.status).toBe(200);
    expect((artifacts.body as { digest: string }[]).map((item) => item.digest)).toEqual([web.digest]);
    expect(isProblem(await anonymous.get('/api/v1/projects/priv/repositories/app/artifacts'), 401)).toBe(
      true,
    );
  });

  it('answers 400 naming the parameter for bad paging, sort or cursor', async () => {
    const cases: [string, RegExp][] = [
      ['sort=size', /^sort /],
      ['cursor=not-a-cursor', /^cursor /],
      ['pageSize=abc', /^pageSize /],
      ['page=0', /^page /],
    ];
    for (const [query, title] of cases) {
      const response = await admin.get(`/api/v1/projects/pub/repositories?${query}`);
      expect(isProblem(response, 400)).toBe(true);
      expect(response.body.title).toMatch(title);
    }
    const byName = await admin.get('/api/v1/projects/pub/repositories?pageSize=1');
    const crossed = await admin.get(
      `/api/v1/projects/pub/repositories?sort=-createdAt&cursor=${new URL(linkOf(byName, 'next')!, registry.url).searchParams.get('cursor')}`,
    );
    expect(isProblem(crossed, 400)).toBe(true);
    expect(crossed.body.title).toMatch(/^cursor .*sort=name/);
  });
});

describe('GET /api/v1/repositories', () => {
  it('shows a system administrator everything, others what they may pull', async () => {
    const all = await admin.get('/api/v1/repositories');
    expect(fieldOf(all)).toEqual(['priv/app', 'priv/app2', 'pub/tools/cli', 'pub/web']);
    expect(all.headers.get('x-total-count')).toBe('4');
    expect(fieldOf(await admin.as(users.stranger).get('/api/v1/repositories'))).toEqual([
      'pub/tools/cli',
      'pub/web',
    ]);
    expect(fieldOf(await anonymous.get('/api/v1/repositories'))).toEqual(['pub/tools/cli', 'pub/web']);
    expect(fieldOf(await admin.as(users['limited-guest']).get('/api/v1/repositories?q=app'))).toEqual([
      'priv/app',
      'priv/app2',
    ]);
    expect(fieldOf(await admin.as(robot).get('/api/v1/repositories'))).toHaveLength(4);
  });

  it('refuses wrong credentials with 401 rather than treating them as anonymous', async () => {
    const response = await admin
      .as({ username: 'admin', password: 'wrong-password' })
      .get('/api/v1/repositories');
    expect(isProblem(response, 401)).toBe(true);
  });
});

describe('GET /api/v1/projects/{project}/repositories/{repository}', () => {
  it('reads a nested repository by its URL-encoded path, once or twice encoded', async () => {
    const once = await admin.get('/api/v1/projects/pub/repositories/tools%2Fcli');
    expect(once.status).toBe(200);
    expect(once.body).toEqual({
      name: 'pub/tools/cli',
      project: 'pub',
      artifactCount: 1,
      tagCount: 2,
      pullCount: 0,
      sizeBytes: expect.any(Number),
      lastPushAt: expect.any(String),
      createdAt: expect.any(String),
    });
    expect(once.body.sizeBytes).toBeGreaterThan(2048);
    expect((await admin.get('/api/v1/projects/pub/repositories/tools%252Fcli')).body).toEqual(once.body);
  });

  it('counts pulls made through /v2/ once they are flushed', async () => {
    for (let i = 0; i < 3; i++) {
      const pulled = await registry.fetch(`${registry.url}/v2/pub/web/manifests/v1`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(pulled.status).toBe(200);
      await pulled.arrayBuffer();
    }
    // A HEAD is a check, not a pull.
    await registry.fetch(`${registry.url}/v2/pub/web/manifests/v1`, { method: 'HEAD' });
    await eventually(
      async () => (await admin.get('/api/v1/projects/pub/repositories/web')).body.pullCount === 3,
    );
    const artifact = await admin.get(`/api/v1/projects/pub/repositories/web/artifacts/${web.digest}`);
    expect(artifact.body).toMatchObject({ pullCount: 3, lastPulledAt: expect.any(String) });
  });

  it('answers 404 for a repository that does not exist and 400 for an impossible name', async () => {
    expect(isProblem(await admin.get('/api/v1/projects/pub/repositories/nothing'), 404)).toBe(true);
    const bad = await admin.get('/api/v1/projects/pub/repositories/UPPER');
    expect(isProblem(bad, 400)).toBe(true);
    expect(bad.body.title).toMatch(/^repository /);
    expect(isProblem(await admin.as(users.stranger).get('/api/v1/projects/priv/repositories/app'), 404)).toBe(
      true,
    );
  });
});

describe('DELETE /api/v1/projects/{project}/repositories/{repository}', () => {
  it('is refused to guests, developers, limited guests, pull robots (403) and anonymous callers (401)', async () => {
    for (const who of [users.guest, users.developer, users['limited-guest'], robot]) {
      expect(isProblem(await admin.as(who).delete('/api/v1/projects/priv/repositories/app2'), 403)).toBe(
        true,
      );
    }
    expect(isProblem(await anonymous.delete('/api/v1/projects/pub/repositories/web'), 401)).toBe(true);
    expect(
      isProblem(await admin.as(users.stranger).delete('/api/v1/projects/priv/repositories/app2'), 404),
    ).toBe(true);
    expect((await admin.get('/api/v1/projects/priv/repositories/app2')).status).toBe(200);
  });

  it('lets a maintainer delete a repository with its artifacts: gone from /v2/ too', async () => {
    const deleted = await admin.as(users.maintainer).delete('/api/v1/projects/priv/repositories/app');
    expect(deleted.status).toBe(204);
    const tags = await registry.fetch(`${registry.url}/v2/priv/app/tags/list`);
    expect(tags.status).toBe(404);
    expect(((await tags.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('NAME_UNKNOWN');
    expect(isProblem(await admin.get('/api/v1/projects/priv/repositories/app'), 404)).toBe(true);
    expect(
      isProblem(await admin.as(users.maintainer).delete('/api/v1/projects/priv/repositories/app'), 404),
    ).toBe(true);
    expect(fieldOf(await admin.get('/api/v1/projects/priv/repositories'))).toEqual(['priv/app2']);
  });
});

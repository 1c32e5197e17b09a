// The typed client against a real Berth api: Basic and Bearer credentials, a project created
// and listed, the listing headers, and failures as problem bodies.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { basicHeader, startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import {
  BerthApiError,
  createBerthClient,
  nextPage,
  totalCount,
  unwrap,
  type BerthClient,
} from '../src/index.js';

const TIMEOUT = 60_000;
let registry: RegistryUnderTest;
let admin: BerthClient;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = createBerthClient({ baseUrl: `${registry.url}/`, ...registry.credentials! });
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('createBerthClient', () => {
  it('creates a project and finds it in the listing, with its total and next page', async () => {
    const created = await admin.POST('/api/v1/projects', { body: { name: 'typed', public: false } });
    expect(created.response.status).toBe(201);
    expect(created.data).toEqual({ id: expect.stringMatching(/^\d+$/), name: 'typed', public: false });
    unwrap(await admin.POST('/api/v1/projects', { body: { name: 'typed-two', public: true } }));

    const page = await admin.GET('/api/v1/projects', { params: { query: { pageSize: 1, q: 'typed' } } });
    expect(page.data?.map((project) => project.name)).toEqual(['typed']);
    expect(totalCount(page.response)).toBe(2);
    expect(nextPage(page.response)).toBe('/api/v1/projects?page=2&pageSize=1&q=typed');

    const project = unwrap(
      await admin.GET('/api/v1/projects/{project}', { params: { path: { project: 'typed' } } }),
    );
    expect(project).toMatchObject({
      name: 'typed',
      public: false,
      repositoryCount: 0,
    });
  });

  it('answers failures as typed problem bodies, and unwrap throws them', async () => {
    const taken = await admin.POST('/api/v1/projects', { body: { name: 'taken', public: false } });
    expect(taken.response.status).toBe(201);
    const again = await admin.POST('/api/v1/projects', { body: { name: 'taken', public: false } });
    expect(again.data).toBeUndefined();
    expect(again.error).toMatchObject({ status: 409, title: 'project taken already exists' });

    const missing = admin.GET('/api/v1/projects/{project}', { params: { path: { project: 'absent' } } });
    const error = await missing.then(unwrap).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BerthApiError);
    expect(error).toMatchObject({ status: 404, problem: { code: 'NOT_FOUND' } });
  });

  it('authenticates with a registry token as Bearer', async () => {
    const tokenUrl = new URL(`${registry.api!.tokenUrl}/service/token`);
    tokenUrl.searchParams.set('service', new URL(registry.url).host);
    const issued = await fetch(tokenUrl, { headers: { authorization: basicHeader(registry.credentials!) } });
    const { token } = (await issued.json()) as { token: string };
    const bearer = createBerthClient({ baseUrl: registry.url, token });
    expect(unwrap(await bearer.GET('/api/v1/users/current')).username).toBe('admin');
  });

  it('is anonymous without credentials: 401 with the Basic challenge', async () => {
    const anonymous = createBerthClient({ baseUrl: registry.url });
    const { error, response } = await anonymous.GET('/api/v1/projects');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('sends robot names with their `$` and `+` intact', async () => {
    const robot = unwrap(
      await admin.POST('/api/v1/projects/{project}/robots', {
        params: { path: { project: 'typed' } },
        body: { name: 'reader', permissions: ['pull'] },
      }),
    );
    expect(robot.name).toBe('robot$typed+reader');
    const asRobot = createBerthClient({
      baseUrl: registry.url,
      username: robot.name,
      password: robot.secret,
    });
    const visible = unwrap(await asRobot.GET('/api/v1/projects'));
    expect(visible.map((project) => project.name)).toEqual(['typed-two']);
  });
});

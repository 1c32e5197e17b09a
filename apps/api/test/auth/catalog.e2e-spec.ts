// `GET /v2/_catalog` lists only what the caller may pull: anonymous callers see public projects,
// members their own projects and the public ones, a system administrator everything. Paging
// never leaks a hidden repository nor skips a visible one.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type Credentials, type RegistryUnderTest } from '@berth/testing';
import {
  AdminApi,
  berthOf,
  catalogOf,
  pushImage,
  tinyImage,
  tokenFor,
  type TestUser,
} from './access-fixtures.js';

const REPOSITORIES = {
  shop: ['shop/api', 'shop/web'], // public
  alpha: ['alpha/svc', 'alpha/tools/cli'], // private: alice is a developer
  beta: ['beta/cache', 'beta/db'], // private: bob is a limited guest
};
const ALL = Object.values(REPOSITORIES).flat().sort();

let registry: RegistryUnderTest;
let admin: AdminApi;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // a member of nothing
let alphaRobot: Credentials;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  const system = berthOf(registry).admin;
  admin = new AdminApi(registry, system);
  await admin.createProject('shop', true);
  await admin.createProject('alpha', false);
  await admin.createProject('beta', false);
  await admin.createProject('empty', false);
  alice = await admin.createUser('alice');
  bob = await admin.createUser('bob');
  carol = await admin.createUser('carol');
  await admin.addMember('alpha', alice.username, 'developer');
  await admin.addMember('beta', bob.username, 'limited-guest');
  alphaRobot = await admin.createProjectRobot('alpha', 'reader', ['pull']);
  for (const repository of ALL) await pushImage(registry, system, repository, 'v1', tinyImage(repository));
}, 60_000);

afterAll(async () => {
  await registry?.close();
});

async function visibleTo(login: Credentials | undefined, pageSize?: number) {
  const token = await tokenFor(registry, login, ['registry:catalog:*']);
  return catalogOf(registry, token, pageSize);
}

const expected = (...projects: (keyof typeof REPOSITORIES)[]): string[] =>
  projects.flatMap((project) => REPOSITORIES[project]).sort();

describe('_catalog per caller', () => {
  it('anonymous: public projects only', async () => {
    const catalog = await visibleTo(undefined);
    expect({ status: catalog.status, text: catalog.text }).toEqual({ status: 200, text: '' });
    expect(catalog.repositories).toEqual(expected('shop'));
  });

  it('a user who is a member of nothing: public projects only', async () => {
    expect((await visibleTo(carol)).repositories).toEqual(expected('shop'));
  });

  it('a member: their own projects and the public ones', async () => {
    expect((await visibleTo(alice)).repositories).toEqual(expected('alpha', 'shop'));
    expect((await visibleTo(bob)).repositories).toEqual(expected('beta', 'shop'));
  });

  it('a project robot: its project and the public ones', async () => {
    expect((await visibleTo(alphaRobot)).repositories).toEqual(expected('alpha', 'shop'));
  });

  it('a system administrator: everything', async () => {
    expect((await visibleTo(berthOf(registry).admin)).repositories).toEqual(ALL);
  });

  it('pages with n=1 show the same repositories, none hidden and none leaked', async () => {
    for (const [login, visible] of [
      [alice, expected('alpha', 'shop')],
      [bob, expected('beta', 'shop')],
      [berthOf(registry).admin, ALL],
    ] as const) {
      const catalog = await visibleTo(login, 1);
      expect(catalog.status).toBe(200);
      for (const page of catalog.pages) expect(page.length).toBeLessThanOrEqual(1);
      expect(catalog.repositories).toEqual(visible);
    }
  });

  it('a catalog request without a token is a 401 challenge for registry:catalog:*', async () => {
    const response = await fetch(`${registry.url}/v2/_catalog`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('scope="registry:catalog:*"');
  });

  it('a project made public shows up for everyone; made private again, it is gone', async () => {
    await admin.expect(200, 'PUT', '/projects/beta', { public: true });
    expect((await visibleTo(carol)).repositories).toEqual(expected('beta', 'shop'));
    await admin.expect(200, 'PUT', '/projects/beta', { public: false });
    expect((await visibleTo(carol)).repositories).toEqual(expected('shop'));
  });
});

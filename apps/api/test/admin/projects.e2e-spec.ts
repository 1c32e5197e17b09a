// The admin API's projects: create (any user, creator becomes admin member), list with paging
// headers, read, update, delete (refused while repositories exist unless forced).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, fieldOf, isProblem } from './admin-client.js';

const TIMEOUT = 60_000;
let registry: RegistryUnderTest;
let admin: AdminClient;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('POST /api/v1/projects', () => {
  it('creates a project and answers 201 {id, name, public}', async () => {
    const response = await admin.post('/api/v1/projects', { name: 'library', public: true });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.any(String), name: 'library', public: true });
  });

  it('answers 409 for a duplicate name', async () => {
    await admin.post('/api/v1/projects', { name: 'dup', public: false });
    const again = await admin.post('/api/v1/projects', { name: 'dup', public: false });
    expect(isProblem(again, 409)).toBe(true);
  });

  it('refuses anonymous callers with 401 and a Basic challenge', async () => {
    const response = await admin.as(undefined).post('/api/v1/projects', { name: 'anon', public: false });
    expect(isProblem(response, 401)).toBe(true);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="Berth"/);
  });

  it('refuses a wrong password with 401', async () => {
    const response = await admin
      .as({ username: 'admin', password: 'wrong-password' })
      .post('/api/v1/projects', { name: 'nope', public: false });
    expect(isProblem(response, 401)).toBe(true);
  });

  it.each([
    [{ public: true }, /name/],
    [{ name: 'Upper', public: true }, /name/],
    [{ name: 'a'.repeat(300), public: true }, /name/],
    [{ name: 'ok-name', public: 'yes' }, /public/],
    [{ name: 'ok-name' }, /public/],
    [{ name: 'ok-name', public: true, storageLimitBytes: -2 }, /storageLimitBytes/],
    [{ name: 'ok-name', public: true, storageLimitBytes: 'lots' }, /storageLimitBytes/],
    [{ name: 12, public: true }, /name/],
    [[1, 2], /body/],
    ['text', /body/],
  ])('answers 400 naming the field (case %#)', async (body, field) => {
    const response = await admin.post('/api/v1/projects', body);
    expect(isProblem(response, 400)).toBe(true);
    expect(response.body.title).toMatch(field);
  });

  it('answers 400 for malformed JSON and 4xx for a missing body', async () => {
    const malformed = await admin.request('POST', '/api/v1/projects', undefined, '{"name":');
    expect(malformed.status).toBe(400);
    const empty = await admin.post('/api/v1/projects');
    expect(isProblem(empty, 400)).toBe(true);
  });

  it('lets any user create a project and makes them its admin member', async () => {
    const alice = await createUser(admin, 'alice');
    const asAlice = admin.as(alice.credentials);
    const created = await asAlice.post('/api/v1/projects', { name: 'alices', public: false });
    expect(created.status).toBe(201);
    const members = await asAlice.get('/api/v1/projects/alices/members');
    expect(members.status).toBe(200);
    expect(members.body).toEqual([
      expect.objectContaining({ userId: alice.id, username: 'alice', role: 'admin' }),
    ]);
  });
});

describe('GET /api/v1/projects', () => {
  beforeAll(async () => {
    for (let i = 0; i < 5; i++)
      await admin.post('/api/v1/projects', { name: `paged-${i}`, public: i % 2 === 0 });
  });

  it('pages with X-Total-Count and a next Link', async () => {
    const first = await admin.get('/api/v1/projects?q=paged-&pageSize=2');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-total-count')).toBe('5');
    expect(fieldOf(first)).toEqual(['paged-0', 'paged-1']);
    const link = first.headers.get('link');
    expect(link).toMatch(/<\/api\/v1\/projects\?page=2&pageSize=2&q=paged-[^>]*>; rel="next"/);
    const last = await admin.get('/api/v1/projects?q=paged-&pageSize=2&page=3');
    expect(fieldOf(last)).toEqual(['paged-4']);
    expect(last.headers.get('link') ?? '').not.toContain('rel="next"');
  });

  it('sorts with sort and rejects unknown sort keys and bad paging', async () => {
    const sorted = await admin.get('/api/v1/projects?q=paged-&sort=-name');
    expect(sorted.body[0].name).toBe('paged-4');
    expect(isProblem(await admin.get('/api/v1/projects?sort=password'), 400)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/projects?page=0'), 400)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/projects?pageSize=abc'), 400)).toBe(true);
  });

  it('shows a user only public projects and their own', async () => {
    const bob = await createUser(admin, 'bob');
    const listed = await admin.as(bob.credentials).get('/api/v1/projects?q=paged-');
    expect(fieldOf(listed)).toEqual(['paged-0', 'paged-2', 'paged-4']);
    expect(listed.headers.get('x-total-count')).toBe('3');
  });
});

describe('GET, PUT, DELETE /api/v1/projects/{project}', () => {
  it('reads a project', async () => {
    await admin.post('/api/v1/projects', { name: 'readme', public: false, storageLimitBytes: 1024 });
    const response = await admin.get('/api/v1/projects/readme');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      name: 'readme',
      public: false,
      storageLimitBytes: 1024,
      repositoryCount: 0,
    });
  });

  it('answers 404 for an unknown project and for a private one the caller is not in (no name leaks)', async () => {
    expect(isProblem(await admin.get('/api/v1/projects/missing'), 404)).toBe(true);
    await admin.post('/api/v1/projects', { name: 'secret', public: false });
    const carol = await createUser(admin, 'carol');
    expect(isProblem(await admin.as(carol.credentials).get('/api/v1/projects/secret'), 404)).toBe(true);
  });

  it('updates public and the storage limit (project admin only)', async () => {
    await admin.post('/api/v1/projects', { name: 'mutable', public: false });
    const updated = await admin.put('/api/v1/projects/mutable', { public: true, storageLimitBytes: 10 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'mutable', public: true, storageLimitBytes: 10 });
    const dave = await createUser(admin, 'dave');
    const denied = await admin.as(dave.credentials).put('/api/v1/projects/mutable', { public: false });
    expect(isProblem(denied, 403)).toBe(true);
    expect(isProblem(await admin.put('/api/v1/projects/mutable', { public: 1 }), 400)).toBe(true);
  });

  it('deletes an empty project with 204', async () => {
    await admin.post('/api/v1/projects', { name: 'doomed', public: false });
    const deleted = await admin.delete('/api/v1/projects/doomed');
    expect(deleted.status).toBe(204);
    expect((await admin.get('/api/v1/projects/doomed')).status).toBe(404);
  });

  it('refuses to delete a project holding repositories unless forced', async () => {
    await admin.post('/api/v1/projects', { name: 'busy', public: false });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [],
    });
    const blob = await registry.fetch(
      `${registry.url}/v2/busy/app/blobs/uploads/?digest=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`,
      { method: 'POST', body: '{}', headers: { 'content-type': 'application/octet-stream' } },
    );
    expect(blob.status).toBe(201);
    const pushed = await registry.fetch(`${registry.url}/v2/busy/app/manifests/v1`, {
      method: 'PUT',
      body: manifest,
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(pushed.status).toBe(201);
    const refused = await admin.delete('/api/v1/projects/busy');
    expect(isProblem(refused, 409)).toBe(true);
    expect(isProblem(await admin.delete('/api/v1/projects/busy?force=maybe'), 400)).toBe(true);
    expect((await admin.delete('/api/v1/projects/busy?force=true')).status).toBe(204);
    expect((await admin.get('/api/v1/projects/busy')).status).toBe(404);
    const tags = await registry.fetch(`${registry.url}/v2/busy/app/tags/list`);
    expect(tags.status).not.toBe(200);
  });
});

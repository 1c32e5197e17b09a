// Storage quotas end to end: skopeo pushes into a project with a limit, a push over it is
// refused with DENIED and a message that says so, and a delete frees the space at once. Also
// who may read and change a limit through the admin API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildOciLayout,
  podmanEnv,
  startRegistryUnderTest,
  type BuiltImage,
  type ClientEnv,
  type RegistryUnderTest,
} from '@berth/testing';
import { credsFlag } from '../clients/credentials.js';
import { AdminClient, createUser, isProblem } from './admin-client.js';

const TIMEOUT = 120_000;
const nonce = randomBytes(3).toString('hex');
const LIMIT = 1024 * 1024;

let registry: RegistryUnderTest;
let admin: AdminClient;
let clients: ClientEnv;
let work: string;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
  clients = await podmanEnv();
  work = await mkdtemp(path.join(tmpdir(), 'berth-quotas-'));
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
  await clients?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
}, TIMEOUT);

/** What an image costs its project: its manifest, its config and its layers. */
const footprint = (image: BuiltImage): number =>
  image.size +
  image.images.reduce((sum, i) => sum + i.config.size + i.layers.reduce((n, l) => n + l.size, 0), 0);

const image = (name: string, layerSize: number) =>
  buildOciLayout({ dir: path.join(work, name), seed: `quotas ${nonce} ${name}`, layerSizes: [layerSize] });

const destination = (repository: string) => `docker://${registry.host}/${repository}:1.0`;

const skopeo = (...args: string[]) => clients.run('skopeo', args);

async function usage(project: string): Promise<{ storageLimitBytes: number; storageUsedBytes: number }> {
  const response = await admin.get(`/api/v1/projects/${project}/quota`);
  expect(response.status).toBe(200);
  return response.body as { storageLimitBytes: number; storageUsedBytes: number };
}

describe('a push over the storage limit', () => {
  const project = `quota-${nonce}`;

  it(
    'is refused with DENIED saying the quota is exceeded; deleting frees the space at once',
    async () => {
      const created = await admin.post('/api/v1/projects', {
        name: project,
        public: false,
        storageLimitBytes: LIMIT,
      });
      expect(created.status).toBe(201);
      const first = await image('first', 600 * 1024);
      const second = await image('second', 600 * 1024);
      const push = (built: BuiltImage, repository: string) =>
        skopeo(
          'copy',
          '--preserve-digests',
          '--dest-tls-verify=false',
          ...credsFlag(registry, '--dest-creds'),
          built.reference,
          destination(repository),
        );

      const accepted = await push(first, `${project}/first`);
      expect(accepted).toMatchObject({ code: 0 });
      expect(await usage(project)).toEqual({ storageLimitBytes: LIMIT, storageUsedBytes: footprint(first) });

      const refused = await push(second, `${project}/second`);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/denied/i);
      expect(refused.stderr).toContain(
        `storage quota exceeded: project ${project} uses ${footprint(first)} bytes`,
      );
      expect(refused.stderr).toContain(`of its ${LIMIT} bytes (1 MiB) limit`);
      // The blobs arrived, the manifest did not: nothing is charged for the refused push.
      expect(await usage(project)).toEqual({ storageLimitBytes: LIMIT, storageUsedBytes: footprint(first) });

      // The same refusal as the spec's error body, for clients that read it.
      const direct = await registry.fetch(`${registry.url}/v2/${project}/second/manifests/1.0`, {
        method: 'PUT',
        body: second.manifest,
        headers: { 'content-type': second.mediaType },
      });
      expect(direct.status).toBe(403);
      const body = (await direct.json()) as { errors: { code: string; message: string; detail: unknown }[] };
      expect(body.errors).toEqual([
        {
          code: 'DENIED',
          message: expect.stringContaining('storage quota exceeded'),
          detail: {
            project,
            storageLimitBytes: LIMIT,
            storageUsedBytes: footprint(first),
            requiredBytes: footprint(second),
          },
        },
      ]);

      // skopeo delete is a v2 DELETE of the manifest: usage drops in that request, no GC needed.
      const deleted = await skopeo(
        'delete',
        '--tls-verify=false',
        ...credsFlag(registry),
        destination(`${project}/first`),
      );
      expect(deleted).toMatchObject({ code: 0 });
      expect(await usage(project)).toEqual({ storageLimitBytes: LIMIT, storageUsedBytes: 0 });

      expect(await push(second, `${project}/second`)).toMatchObject({ code: 0 });
      expect(await usage(project)).toEqual({ storageLimitBytes: LIMIT, storageUsedBytes: footprint(second) });
      const shown = await admin.get(`/api/v1/projects/${project}`);
      expect(shown.body).toMatchObject({ storageLimitBytes: LIMIT, storageUsedBytes: footprint(second) });
    },
    TIMEOUT,
  );
});

describe('the quota endpoints', () => {
  const project = `limits-${nonce}`;
  let owner: AdminClient;
  let outsider: AdminClient;

  beforeAll(async () => {
    const alice = await createUser(admin, `alice-${nonce}`);
    const bob = await createUser(admin, `bob-${nonce}`);
    owner = admin.as(alice.credentials);
    outsider = admin.as(bob.credentials);
    // A creator may set a limit: it only restricts them.
    expect(
      (await owner.post('/api/v1/projects', { name: project, public: false, storageLimitBytes: 5000 }))
        .status,
    ).toBe(201);
  });

  it('shows the limit and usage to members, and nothing to outsiders', async () => {
    expect((await owner.get(`/api/v1/projects/${project}/quota`)).body).toEqual({
      storageLimitBytes: 5000,
      storageUsedBytes: 0,
    });
    expect(isProblem(await outsider.get(`/api/v1/projects/${project}/quota`), 404)).toBe(true);
    expect(isProblem(await admin.get(`/api/v1/projects/no-such-${nonce}/quota`), 404)).toBe(true);
  });

  it('lets only a system administrator change it; -1 means no limit', async () => {
    const byOwner = await owner.request('PUT', `/api/v1/projects/${project}/quota`, {
      storageLimitBytes: -1,
    });
    expect(isProblem(byOwner, 403)).toBe(true);
    expect(byOwner.body.title).toMatch(/system administrator/);
    const viaProject = await owner.put(`/api/v1/projects/${project}`, { storageLimitBytes: 10_000 });
    expect(isProblem(viaProject, 403)).toBe(true);
    // Sending the current value back with another change is no change of the limit.
    const roundTrip = await owner.put(`/api/v1/projects/${project}`, {
      public: true,
      storageLimitBytes: 5000,
    });
    expect(roundTrip.status).toBe(200);
    expect(roundTrip.body).toMatchObject({ public: true, storageLimitBytes: 5000, storageUsedBytes: 0 });

    const lifted = await admin.request('PUT', `/api/v1/projects/${project}/quota`, { storageLimitBytes: -1 });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toEqual({ storageLimitBytes: -1, storageUsedBytes: 0 });
    expect((await owner.get(`/api/v1/projects/${project}`)).body).toMatchObject({ storageLimitBytes: -1 });
    const set = await admin.put(`/api/v1/projects/${project}`, { storageLimitBytes: 2048 });
    expect(set.body).toMatchObject({ storageLimitBytes: 2048, storageUsedBytes: 0 });
    const listed = await owner.get(`/api/v1/projects?q=${project}`);
    expect(listed.body).toEqual([
      expect.objectContaining({ name: project, storageLimitBytes: 2048, storageUsedBytes: 0 }),
    ]);
  });

  it('answers 400 for a limit that is not -1 or a whole number of bytes', async () => {
    for (const storageLimitBytes of [-2, 1.5, 'lots', 2 ** 60]) {
      const response = await admin.request('PUT', `/api/v1/projects/${project}/quota`, { storageLimitBytes });
      expect(isProblem(response, 400)).toBe(true);
      expect(response.body.title).toMatch(/storageLimitBytes/);
    }
    expect(isProblem(await admin.request('PUT', `/api/v1/projects/${project}/quota`, {}), 400)).toBe(true);
  });
});

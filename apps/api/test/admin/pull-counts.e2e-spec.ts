// Pull counts are aggregated in memory and written in batches; a stop (SIGTERM) writes what is
// pending, so an api stopped long before its next flush loses no pull.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/client';
import { authenticatedFetch, createProject, createSharedState, type SharedState } from '@berth/testing';
import { AdminClient } from './admin-client.js';
import { OCI_MANIFEST, pushImage } from './content-fixtures.js';

const TIMEOUT = 120_000;
let state: SharedState;

beforeAll(async () => {
  state = await createSharedState();
}, TIMEOUT);

afterAll(async () => {
  await state?.close();
}, TIMEOUT);

it(
  'writes pending pull counts when the api stops',
  async () => {
    // A flush interval no test waits for: only the shutdown can write the counts.
    const first = await state.start({ env: { BERTH_PULL_FLUSH_MS: '600000' } });
    const credentials = { username: 'admin', password: first.adminPassword };
    await createProject(first.url, credentials, 'shut', { public: false });
    const image = await pushImage(new RegistryClient({ url: first.url, credentials }), 'shut/app', 'shut', {
      tags: ['v1'],
    });
    const pull = authenticatedFetch(credentials);
    for (let i = 0; i < 2; i++) {
      const response = await pull(`${first.url}/v2/shut/app/manifests/v1`, {
        headers: { accept: OCI_MANIFEST },
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const before = await new AdminClient(first.url, credentials).get(
      '/api/v1/projects/shut/repositories/app',
    );
    expect(before.body.pullCount).toBe(0);
    await first.stop();

    const second = await state.start();
    const admin = new AdminClient(second.url, { username: 'admin', password: second.adminPassword });
    expect((await admin.get('/api/v1/projects/shut/repositories/app')).body.pullCount).toBe(2);
    const artifact = await admin.get(`/api/v1/projects/shut/repositories/app/artifacts/${image.digest}`);
    expect(artifact.body).toMatchObject({ pullCount: 2, lastPulledAt: expect.any(String) });
  },
  TIMEOUT,
);

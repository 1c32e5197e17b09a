// GET /api/v1/system/info: what this Berth is, for any authenticated caller, never anonymously.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, isProblem } from './admin-client.js';

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

describe('GET /api/v1/system/info', () => {
  it('describes the version, the storage driver and the token authentication', async () => {
    const response = await admin.get('/api/v1/system/info');
    expect(response.status).toBe(200);
    const host = new URL(registry.url).host;
    expect(response.body).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      storage: 'filesystem',
      authMode: 'token',
      tokenService: host,
      tokenRealm: `${registry.api!.tokenUrl}/service/token`,
    });
  });

  it('answers any signed-in user, and nobody anonymously', async () => {
    const user = await createUser(admin, 'curious', 'curious-password-1');
    expect((await admin.as(user.credentials).get('/api/v1/system/info')).status).toBe(200);
    expect(isProblem(await admin.as(undefined).get('/api/v1/system/info'), 401)).toBe(true);
  });
});

// Online password guessing: after 5 failures for one user (within 15 minutes) the token service
// answers 429 with Retry-After, even to the right password, on every login surface (GET Basic,
// the OAuth2 password grant, the admin API's Basic auth). The per-user limit does not lock out
// another user from the same address (this spec stays below the 20-per-address limit).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { basicHeader, startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminApi, berthOf, postToken, requestToken, type TestUser } from './access-fixtures.js';

const USER_LIMIT = 5;

let registry: RegistryUnderTest;
let victim: TestUser;
let bystander: TestUser;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  const admin = new AdminApi(registry, berthOf(registry).admin);
  victim = await admin.createUser('victim');
  bystander = await admin.createUser('bystander');
}, 60_000);

afterAll(async () => {
  await registry?.close();
});

function expectThrottled(status: number, retryAfter: string | null, what: string): void {
  expect({ what, status }).toEqual({ what, status: 429 });
  expect(retryAfter).toMatch(/^\d+$/);
  const seconds = Number(retryAfter);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(900);
}

describe('login throttling', () => {
  it('refuses repeated wrong passwords with 401, then 429 with Retry-After', async () => {
    const wrong = { username: victim.username, password: 'wrong-password' };
    const statuses: number[] = [];
    for (let attempt = 0; attempt < USER_LIMIT; attempt++) {
      const response = await requestToken(registry, wrong, []);
      statuses.push(response.status);
      if (response.status === 401) {
        const body = (await response.json()) as { errors: { code: string }[] };
        expect(body.errors[0]!.code).toBe('UNAUTHORIZED');
      }
    }
    expect(statuses).toEqual(Array(USER_LIMIT).fill(401));
    const throttled = await requestToken(registry, wrong, []);
    expectThrottled(throttled.status, throttled.headers.get('retry-after'), 'wrong password after the limit');
  });

  it('refuses the right password too while throttled, on every login surface', async () => {
    const right = await requestToken(registry, victim, []);
    expectThrottled(
      right.status,
      right.headers.get('retry-after'),
      'GET /service/token with the right password',
    );

    const grant = await postToken(registry, {
      grant_type: 'password',
      username: victim.username,
      password: victim.password,
    });
    expectThrottled(
      grant.status,
      grant.headers.get('retry-after'),
      'POST password grant with the right password',
    );

    const api = await fetch(`${registry.url}/api/v1/users/current`, {
      headers: { authorization: basicHeader(victim) },
    });
    expectThrottled(
      api.status,
      api.headers.get('retry-after'),
      'admin API Basic auth with the right password',
    );
  });

  it('does not block another user from the same address', async () => {
    expect((await requestToken(registry, bystander, [])).status).toBe(200);
    // one mistake is an ordinary 401, not a 429 inherited from the victim
    const mistake = await requestToken(registry, { username: bystander.username, password: 'typo' }, []);
    expect(mistake.status).toBe(401);
    expect((await requestToken(registry, bystander, [])).status).toBe(200);
    const api = await fetch(`${registry.url}/api/v1/users/current`, {
      headers: { authorization: basicHeader(bystander) },
    });
    expect(api.status).toBe(200);
  });
});

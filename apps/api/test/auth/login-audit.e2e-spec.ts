// Successful logins in the audit log, through a real token service and api: aggregated per
// account, address and kind within BERTH_AUDIT_PULL_WINDOW_SECONDS (every pull fetches a
// token), robots under their own name, refresh-token grants and admin-API Basic logins apart,
// failures still one row each, and open windows written when the token service stops.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, TypeormAuditRecords } from '@berth/db';
import { startRegistryUnderTest, type Credentials, type RegistryUnderTest } from '@berth/testing';
import { AdminApi, berthOf, postToken, requestToken, type TestUser } from './access-fixtures.js';

const WINDOW_SECONDS = 4;
const PROJECT = 'logins';

interface Event {
  actor: string;
  action: string;
  resource: string;
  outcome: string;
  address: string | null;
  detail: { kind?: string; count?: number; firstAt?: string; lastAt?: string; reason?: string } | null;
}

let registry: RegistryUnderTest;
let admin: AdminApi;
let lena: TestUser;
let rita: TestUser;
let bea: TestUser;
let robot: Credentials;

async function expectOk(response: Response): Promise<{ refresh_token?: string }> {
  const text = await response.text();
  expect([response.status, text]).toEqual([200, expect.any(String)]);
  return JSON.parse(text) as { refresh_token?: string };
}

/** Polls the log until `count` events match (rows are written once their window closed). */
async function loginsOf(actor: string, outcome: string, count: number): Promise<Event[]> {
  const path = `/audit-logs?action=login&outcome=${outcome}&actor=${encodeURIComponent(actor)}&pageSize=100`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = await admin.expect<Event[]>(200, 'GET', path);
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  registry = await startRegistryUnderTest({
    env: { BERTH_AUDIT_PULL_WINDOW_SECONDS: String(WINDOW_SECONDS) },
  });
  admin = new AdminApi(registry, berthOf(registry).admin);
  await admin.createProject(PROJECT, false);
  [lena, rita, bea] = await Promise.all([
    admin.createUser('lena'),
    admin.createUser('rita'),
    admin.createUser('bea'),
  ]);
  robot = await admin.createProjectRobot(PROJECT, 'ci', ['pull']);
  const scope = [`repository:${PROJECT}/app:pull`];
  // Everything that logs in happens here, within one window, so the tests wait for it once.
  const offline = await expectOk(await requestToken(registry, rita, scope, { offline_token: 'true' }));
  await Promise.all([
    ...Array.from({ length: 10 }, async () => expectOk(await requestToken(registry, lena, scope))),
    ...Array.from({ length: 2 }, async () => expectOk(await requestToken(registry, robot, scope))),
    ...Array.from({ length: 3 }, async () => {
      const answer = await postToken(registry, {
        grant_type: 'refresh_token',
        refresh_token: offline.refresh_token!,
        scope: scope[0]!,
      });
      expect(answer.status).toBe(200);
    }),
    ...Array.from({ length: 3 }, () => admin.as(bea).expect(200, 'GET', '/projects')),
  ]);
  for (let i = 0; i < 2; i++) {
    const refused = await requestToken(registry, { username: 'lena', password: 'wrong' }, scope);
    expect(refused.status).toBe(401);
  }
}, 60_000);

afterAll(async () => {
  await registry?.close();
});

describe('audit of successful logins', () => {
  it('writes 10 token requests by one user as one success row with count 10 and the address', async () => {
    const events = await loginsOf(lena.username, 'success', 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'lena',
      action: 'login',
      resource: 'token',
      outcome: 'success',
      address: expect.stringMatching(/127\.0\.0\.1/),
      detail: { kind: 'password', count: 10 },
    });
    const { firstAt, lastAt } = events[0]!.detail!;
    expect(Date.parse(lastAt!)).toBeGreaterThanOrEqual(Date.parse(firstAt!));
    expect(Date.parse(lastAt!) - Date.parse(firstAt!)).toBeLessThan(WINDOW_SECONDS * 1000);
  });

  it("records a robot's logins under the robot's name", async () => {
    const events = await loginsOf(robot.username, 'success', 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: `robot$${PROJECT}+ci`,
      resource: 'token',
      detail: { kind: 'password', count: 2 },
    });
  });

  it('keeps refresh-token grants apart from password logins', async () => {
    const events = await loginsOf(rita.username, 'success', 2);
    const byKind = Object.fromEntries(events.map((e) => [e.detail?.kind, e.detail?.count]));
    expect(byKind).toEqual({ password: 1, refresh: 3 });
    expect(events.every((e) => e.resource === 'token' && /127\.0\.0\.1/.test(e.address ?? ''))).toBe(true);
  });

  it('counts admin-API Basic logins on resource api', async () => {
    const events = await loginsOf(bea.username, 'success', 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'bea', resource: 'api', detail: { kind: 'basic', count: 3 } });
  });

  it('still writes every failed login as its own row', async () => {
    const events = await loginsOf(lena.username, 'failure', 2);
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        actor: 'lena',
        resource: 'token',
        outcome: 'failure',
        address: expect.stringMatching(/127\.0\.0\.1/),
        detail: { reason: 'invalid' },
      });
    }
  });

  it('writes a window still open when the token service stops', async () => {
    const late = await admin.createUser('late');
    await expectOk(await requestToken(registry, late, []));
    // Well within the window: only the shutdown write can have stored it.
    await registry.api!.stop();
    const db = await openDatabase({ url: registry.api!.databaseUrl, poolSize: 1 });
    try {
      const { items } = await new TypeormAuditRecords(db).list({
        page: 1,
        pageSize: 10,
        actor: 'late',
        action: 'login',
      });
      expect(items.map((e) => [e.outcome, e.resource, e.detail])).toEqual([
        ['success', 'token', expect.objectContaining({ kind: 'password', count: 1 })],
      ]);
    } finally {
      await db.destroy();
    }
  });
});

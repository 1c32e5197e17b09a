// The audit trail of registry activity through a real api: pushes and deletes with who and from
// where, pulls aggregated per window, the filters and keyset pages of the listing, a project's
// own log and who may read it, the retention setting and the purge.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/client';
import {
  TypeormAuditRecords,
  TypeormLoginFailureRecords,
  TypeormRefreshTokenRecords,
  openDatabase,
  type DataSource,
} from '@berth/db';
import { purgeAuditLog } from '@berth/registry';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, isProblem } from './admin-client.js';
import { pushTinyImage } from './tiny-image.js';

const TIMEOUT = 60_000;
const PULL_WINDOW_SECONDS = 2;
let registry: RegistryUnderTest;
let admin: AdminClient;
let client: RegistryClient;
let db: DataSource;
let pushed: { digest: string };

interface Event {
  id: string;
  at: string;
  actor: string;
  action: string;
  resource: string;
  outcome: string;
  address: string | null;
  detail: Record<string, unknown> | null;
}

/** Polls the log until `predicate` holds (events are written a second or so after they happen). */
async function eventsUntil(path: string, predicate: (events: Event[]) => boolean): Promise<Event[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await admin.get(path);
    expect(response.status).toBe(200);
    const events = response.body as Event[];
    if (predicate(events) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  registry = await startRegistryUnderTest({
    env: { BERTH_AUDIT_PULL_WINDOW_SECONDS: String(PULL_WINDOW_SECONDS) },
  });
  admin = new AdminClient(registry.url, registry.credentials);
  await registry.createProject('audited');
  await registry.createProject('elsewhere');
  client = new RegistryClient({ url: registry.url, credentials: registry.credentials! });
  pushed = await pushTinyImage(client, 'audited/app', '1.0');
  await pushTinyImage(client, 'elsewhere/app', '1.0');
  for (let i = 0; i < 20; i++) await client.getManifest('audited/app', '1.0');
  db = await openDatabase({ url: registry.api!.databaseUrl, poolSize: 2 });
}, TIMEOUT);

afterAll(async () => {
  await db?.destroy();
  await registry?.close();
}, TIMEOUT);

describe('audit of registry activity', () => {
  it('records a push with the actor, the address, the digest and the tags', async () => {
    const events = await eventsUntil(
      '/api/v1/audit-logs?action=artifact.push&resource=repository:audited/app',
      (e) => e.length > 0,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'admin',
      action: 'artifact.push',
      resource: 'repository:audited/app',
      outcome: 'success',
      address: expect.stringMatching(/127\.0\.0\.1/),
      detail: {
        digest: pushed.digest,
        tags: ['1.0'],
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
      },
    });
  });

  it(
    'writes 20 pulls of one artifact within the window as one row with count 20',
    async () => {
      const events = await eventsUntil(
        '/api/v1/audit-logs?action=artifact.pull&resource=repository:audited/app',
        (e) => e.length > 0,
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actor: 'admin', address: expect.stringMatching(/127\.0\.0\.1/) });
      expect(events[0]!.detail).toMatchObject({ digest: pushed.digest, count: 20 });
      const { firstAt, lastAt } = events[0]!.detail as { firstAt: string; lastAt: string };
      expect(Date.parse(lastAt)).toBeGreaterThanOrEqual(Date.parse(firstAt));
    },
    TIMEOUT,
  );

  it('records a tag delete and an artifact delete', async () => {
    await client.deleteTag('elsewhere/app', '1.0');
    const manifest = await client.getManifest('audited/app', '1.0');
    await client.deleteManifest('audited/app', manifest.digest);
    const tags = await eventsUntil('/api/v1/audit-logs?action=tag.delete', (e) => e.length > 0);
    expect(tags[0]).toMatchObject({
      actor: 'admin',
      resource: 'repository:elsewhere/app',
      detail: { tag: '1.0' },
    });
    const events = await eventsUntil('/api/v1/audit-logs?action=artifact.delete', (e) => e.length > 0);
    expect(events[0]).toMatchObject({
      actor: 'admin',
      resource: 'repository:audited/app',
      detail: { digest: pushed.digest },
    });
  });

  it('records the address of admin-API changes', async () => {
    const events = await eventsUntil(
      '/api/v1/audit-logs?actor=admin&action=project.create',
      (e) => e.length > 0,
    );
    expect(events[0]?.address).toMatch(/127\.0\.0\.1/);
  });
});

describe('GET /api/v1/audit-logs filters and pages', () => {
  it('filters by action prefix, resource prefix, outcome and time, and refuses bad values', async () => {
    const artifacts = (await admin.get('/api/v1/audit-logs?action=artifact.&pageSize=100')).body as Event[];
    expect(artifacts.length).toBeGreaterThanOrEqual(3);
    expect(artifacts.every((e) => e.action.startsWith('artifact.'))).toBe(true);
    const audited = (await admin.get('/api/v1/audit-logs?resource=repository:audited/*&pageSize=100'))
      .body as Event[];
    expect(audited.every((e) => e.resource.startsWith('repository:audited/'))).toBe(true);
    const future = await admin.get(`/api/v1/audit-logs?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body).toEqual([]);
    expect(future.headers.get('x-total-count')).toBe('0');
    const past = await admin.get(`/api/v1/audit-logs?to=2000-01-01T00:00:00Z`);
    expect(past.body).toEqual([]);
    expect(isProblem(await admin.get('/api/v1/audit-logs?outcome=maybe'), 400)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/audit-logs?from=yesterday'), 400)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/audit-logs?cursor=bogus'), 400)).toBe(true);
  });

  it('keeps the filters in Link, and walks the log by cursor without gaps or repeats', async () => {
    const paged = await admin.get('/api/v1/audit-logs?pageSize=2&action=artifact.');
    expect(paged.headers.get('link')).toContain('action=artifact.');
    expect(paged.headers.get('link')).toContain('rel="next"');
    const all = ((await admin.get('/api/v1/audit-logs?pageSize=100')).body as Event[]).map((e) => e.id);
    const walked: string[] = [];
    let next: string | undefined = '/api/v1/audit-logs?pageSize=3&cursor=';
    while (next) {
      const response = await admin.get(next);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-total-count')).toBeNull();
      walked.push(...(response.body as Event[]).map((e) => e.id));
      next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    expect(walked).toEqual(all);
  });
});

describe('GET /api/v1/projects/{project}/audit-logs', () => {
  it("shows a project's own events to its admins and maintainers, not to guests", async () => {
    const maintainer = await createUser(admin, 'keeper');
    const guest = await createUser(admin, 'visitor');
    await admin.post('/api/v1/projects/audited/members', { username: 'keeper', role: 'maintainer' });
    await admin.post('/api/v1/projects/audited/members', { username: 'visitor', role: 'guest' });
    const own = await admin
      .as(maintainer.credentials)
      .get('/api/v1/projects/audited/audit-logs?pageSize=100');
    expect(own.status).toBe(200);
    const resources = (own.body as Event[]).map((e) => e.resource);
    expect(resources).toContain('repository:audited/app');
    expect(
      resources.every(
        (r) =>
          r === 'project:audited' ||
          r.startsWith('repository:audited/') ||
          r.startsWith('robot:robot$audited+'),
      ),
    ).toBe(true);
    expect(isProblem(await admin.as(guest.credentials).get('/api/v1/projects/audited/audit-logs'), 403)).toBe(
      true,
    );
    expect(
      isProblem(await admin.as(maintainer.credentials).get('/api/v1/projects/elsewhere/audit-logs'), 404),
    ).toBe(true);
    expect(isProblem(await admin.as(maintainer.credentials).get('/api/v1/audit-logs'), 403)).toBe(true);
  });
});

describe('retention', () => {
  it('is a setting for system administrators, defaulting to BERTH_AUDIT_RETENTION_DAYS', async () => {
    expect((await admin.get('/api/v1/system/audit-retention')).body).toEqual({ days: 90, isDefault: true });
    const set = await admin.put('/api/v1/system/audit-retention', { days: 30 });
    expect(set.status).toBe(200);
    expect((await admin.get('/api/v1/system/audit-retention')).body).toEqual({ days: 30, isDefault: false });
    expect(isProblem(await admin.put('/api/v1/system/audit-retention', { days: -1 }), 400)).toBe(true);
    expect(isProblem(await admin.put('/api/v1/system/audit-retention', {}), 400)).toBe(true);
    const viewer = await createUser(admin, 'retention-viewer');
    expect(isProblem(await admin.as(viewer.credentials).get('/api/v1/system/audit-retention'), 403)).toBe(
      true,
    );
  });

  it('purges events older than the retention, and keeps the rest', async () => {
    const audit = new TypeormAuditRecords(db);
    const old = new Date(Date.now() - 31 * 86_400_000);
    await audit.appendMany([
      { at: old, actor: 'ancient', action: 'artifact.push', resource: 'repository:audited/old' },
    ]);
    const before = (await admin.get('/api/v1/audit-logs?pageSize=1')).headers.get('x-total-count');
    const report = await purgeAuditLog(
      {
        audit,
        refreshTokens: new TypeormRefreshTokenRecords(db),
        loginFailures: new TypeormLoginFailureRecords(db),
      },
      { retentionDays: 30 },
    );
    expect(report.auditEventsDeleted).toBe(1);
    expect((await admin.get('/api/v1/audit-logs?actor=ancient')).body).toEqual([]);
    const after = (await admin.get('/api/v1/audit-logs?pageSize=1')).headers.get('x-total-count');
    expect(Number(after)).toBe(Number(before) - 1);
  });
});

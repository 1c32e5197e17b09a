import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import {
  decodeAuditCursor,
  encodeAuditCursor,
  TypeormAuditRecords,
  type AuditCursor,
} from './audit-records.js';
import { InvalidArgumentError } from './errors.js';

describe('TypeormAuditRecords: filters, keyset pages, retention', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let audit: TypeormAuditRecords;
  const base = Date.parse('2030-01-01T00:00:00Z');
  const minute = (n: number) => new Date(base + n * 60_000);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 4 });
    audit = new TypeormAuditRecords(dataSource);
    await audit.appendMany([
      {
        at: minute(0),
        actor: 'alice',
        action: 'artifact.push',
        resource: 'repository:demo/app',
        address: '10.0.0.1',
        detail: { digest: 'sha256:aa' },
      },
      {
        at: minute(1),
        actor: 'anonymous',
        action: 'artifact.pull',
        resource: 'repository:demo/app',
        detail: { count: 20 },
      },
      { at: minute(2), actor: 'bob', action: 'artifact.delete', resource: 'repository:other/app' },
      { at: minute(3), actor: 'alice', action: 'login', resource: 'token', outcome: 'failure' },
      { at: minute(4), actor: 'admin', action: 'member.add', resource: 'project:demo' },
      { at: minute(5), actor: 'admin', action: 'robot.create', resource: 'robot:robot$demo+ci' },
      { at: minute(6), actor: 'admin', action: 'project.create', resource: 'project:demo_x' },
      { at: minute(7), actor: 'admin', action: 'robot.create', resource: 'robot:robot$demoa+ci' },
    ]);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const actions = async (filter: Parameters<TypeormAuditRecords['list']>[0]) =>
    (await audit.list(filter)).items.map((e) => e.action);

  it('keeps the time each buffered event carried, and its address and detail', async () => {
    const [newest] = (await audit.list({ page: 1, pageSize: 1, actor: 'alice', action: 'artifact.' })).items;
    expect(newest).toMatchObject({ at: minute(0), address: '10.0.0.1', detail: { digest: 'sha256:aa' } });
  });

  it('filters by actor, action prefix, resource, outcome and time', async () => {
    expect(await actions({ page: 1, pageSize: 100, actor: 'alice' })).toEqual(['login', 'artifact.push']);
    expect(await actions({ page: 1, pageSize: 100, action: 'artifact.' })).toEqual([
      'artifact.delete',
      'artifact.pull',
      'artifact.push',
    ]);
    expect(await actions({ page: 1, pageSize: 100, resource: 'repository:demo/app' })).toEqual([
      'artifact.pull',
      'artifact.push',
    ]);
    expect(await actions({ page: 1, pageSize: 100, resource: 'repository:*' })).toHaveLength(3);
    expect(await actions({ page: 1, pageSize: 100, outcome: 'failure' })).toEqual(['login']);
    expect(await actions({ page: 1, pageSize: 100, from: minute(2), to: minute(4) })).toEqual([
      'login',
      'artifact.delete',
    ]);
    // A LIKE wildcard in a filter matches only itself.
    expect(await actions({ page: 1, pageSize: 100, action: 'artifact_' })).toEqual([]);
    expect((await audit.list({ page: 1, pageSize: 2, action: 'artifact.' })).total).toBe(3);
  });

  it("finds a project's own events, and not those of a project whose name merely starts alike", async () => {
    expect(await actions({ page: 1, pageSize: 100, project: 'demo' })).toEqual([
      'robot.create',
      'member.add',
      'artifact.pull',
      'artifact.push',
    ]);
  });

  it('walks the log with a cursor: no overlap, no gap, same order as pages', async () => {
    const all = (await audit.list({ page: 1, pageSize: 100 })).items.map((e) => e.id);
    const walked: string[] = [];
    let after: AuditCursor | undefined;
    for (let i = 0; i < 10; i++) {
      const scan = await audit.scan({ pageSize: 3, ...(after && { after }) });
      walked.push(...scan.items.map((e) => e.id));
      if (!scan.next) break;
      after = decodeAuditCursor(encodeAuditCursor(scan.next));
    }
    expect(walked).toEqual(all);
    const filtered = await audit.scan({ pageSize: 1, actor: 'alice' });
    const second = await audit.scan({ pageSize: 1, actor: 'alice', after: filtered.next! });
    expect([...filtered.items, ...second.items].map((e) => e.action)).toEqual(['login', 'artifact.push']);
    expect(second.next).toBeUndefined();
  });

  it('keeps microsecond ties apart in keyset order', async () => {
    const at = new Date(base + 3_600_000);
    await audit.appendMany(
      Array.from({ length: 5 }, (_, i) => ({ at, actor: 'tie', action: 'x', resource: `r${i}` })),
    );
    const seen: string[] = [];
    let after: AuditCursor | undefined;
    do {
      const scan = await audit.scan({ pageSize: 2, actor: 'tie', ...(after && { after }) });
      seen.push(...scan.items.map((e) => e.resource));
      after = scan.next;
    } while (after);
    expect(seen).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
  });

  it('refuses a cursor it did not make, and a bad outcome', async () => {
    expect(() => decodeAuditCursor('not-a-cursor')).toThrow(InvalidArgumentError);
    expect(() => decodeAuditCursor(Buffer.from('1.0').toString('base64url'))).toThrow(InvalidArgumentError);
    // Past the bigint range: PostgreSQL would refuse it with an error (a 500 at the API).
    expect(() => decodeAuditCursor(Buffer.from('1.9223372036854775808').toString('base64url'))).toThrow(
      InvalidArgumentError,
    );
    await expect(audit.list({ page: 1, pageSize: 10, outcome: 'maybe' as 'success' })).rejects.toThrow(
      InvalidArgumentError,
    );
  });

  it('deletes the oldest events before a cutoff, a batch at a time', async () => {
    expect(await audit.deleteOlderThan(minute(3), 2)).toBe(2);
    expect(await audit.deleteOlderThan(minute(3), 2)).toBe(1);
    expect(await audit.deleteOlderThan(minute(3), 2)).toBe(0);
    const left = (await audit.list({ page: 1, pageSize: 100 })).items;
    expect(left.every((e) => e.at >= minute(3))).toBe(true);
    expect(left.map((e) => e.action)).toContain('login');
  });
});

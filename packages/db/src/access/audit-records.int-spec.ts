import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { type AuditOutcome, TypeormAuditRecords } from './audit-records.js';
import { InvalidArgumentError } from './errors.js';

describe('TypeormAuditRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let audit: TypeormAuditRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    audit = new TypeormAuditRecords(dataSource);
    for (let i = 1; i <= 5; i++) {
      await audit.append({ actor: 'admin', action: 'project.create', resource: `project:p${i}` });
    }
    await audit.append({
      actor: 'robot$ci+builder',
      action: 'login',
      resource: 'token',
      outcome: 'failure',
      address: '192.0.2.7',
      detail: { reason: 'bad secret', attempts: 3 },
    });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('lists events newest first, with defaults filled in', async () => {
    const { items, total } = await audit.list({ page: 1, pageSize: 100 });
    expect(total).toBe(6);
    expect(items[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      at: expect.any(Date),
      actor: 'robot$ci+builder',
      action: 'login',
      resource: 'token',
      outcome: 'failure',
      address: '192.0.2.7',
      detail: { reason: 'bad secret', attempts: 3 },
    });
    expect(items[1]).toMatchObject({
      resource: 'project:p5',
      outcome: 'success',
      address: null,
      detail: null,
    });
    expect(items.map((e) => e.resource).slice(1)).toEqual([
      'project:p5',
      'project:p4',
      'project:p3',
      'project:p2',
      'project:p1',
    ]);
  });

  it('pages with the total on every page, and an empty page past the end', async () => {
    const pages = [];
    for (let page = 1; page <= 3; page++) pages.push(await audit.list({ page, pageSize: 2, q: 'project:' }));
    expect(pages.map((p) => p.total)).toEqual([5, 5, 5]);
    expect(pages.flatMap((p) => p.items.map((e) => e.resource))).toEqual([
      'project:p5',
      'project:p4',
      'project:p3',
      'project:p2',
      'project:p1',
    ]);
    expect(await audit.list({ page: 4, pageSize: 2, q: 'project:' })).toEqual({ items: [], total: 5 });
  });

  it('filters by a substring of actor, action or resource, ignoring case', async () => {
    expect((await audit.list({ page: 1, pageSize: 10, q: 'ROBOT$CI' })).total).toBe(1);
    expect((await audit.list({ page: 1, pageSize: 10, q: 'project.CREATE' })).total).toBe(5);
    expect((await audit.list({ page: 1, pageSize: 10, q: 'p3' })).items.map((e) => e.resource)).toEqual([
      'project:p3',
    ]);
    expect((await audit.list({ page: 1, pageSize: 10, q: 'nothing-like-this' })).total).toBe(0);
  });

  it('returns only events at or after since', async () => {
    await dataSource.query(
      `UPDATE audit_events SET at = at - interval '2 days' WHERE resource IN ('project:p1', 'project:p2')`,
    );
    const since = new Date(Date.now() - 86_400_000);
    const { items, total } = await audit.list({ page: 1, pageSize: 10, since });
    expect(total).toBe(4);
    expect(items.map((e) => e.resource)).not.toEqual(expect.arrayContaining(['project:p1']));
    expect((await audit.list({ page: 1, pageSize: 10, since, q: 'project' })).total).toBe(3);
  });

  it('rejects an unknown outcome and bad paging with InvalidArgumentError', async () => {
    await expect(
      audit.append({ actor: 'a', action: 'b', resource: 'c', outcome: 'maybe' as AuditOutcome }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(audit.list({ page: 1, pageSize: 101 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(audit.list({ page: -1, pageSize: 10 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

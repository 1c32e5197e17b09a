import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { TypeormRepositoryRecords } from './repository-records.js';
import { TypeormUploadRecords } from './upload-records.js';

describe('TypeormUploadRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repositories: TypeormRepositoryRecords;
  let uploads: TypeormUploadRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url });
    repositories = new TypeormRepositoryRecords(dataSource);
    uploads = new TypeormUploadRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function updatedAt(id: string): Promise<Date> {
    const rows: { updated_at: Date }[] = await dataSource.query(
      `SELECT updated_at FROM upload_sessions WHERE id = $1`,
      [id],
    );
    return rows[0]!.updated_at;
  }

  it('creates a session at size 0 and finds it by id and repository name', async () => {
    const repositoryId = await repositories.ensure('uploads/create');
    const id = randomUUID();
    const before = Date.now();
    await uploads.create(id, repositoryId);
    const found = await uploads.find(id, 'uploads/create');
    expect(found).toEqual({ id, repositoryId, size: 0, createdAt: expect.any(Date) });
    expect(Math.abs(found!.createdAt.getTime() - before)).toBeLessThan(60_000);
  });

  it('scopes find by repository name: another repository does not see the session', async () => {
    const a = await repositories.ensure('uploads/scope-a');
    await repositories.ensure('uploads/scope-b');
    const id = randomUUID();
    await uploads.create(id, a);
    expect(await uploads.find(id, 'uploads/scope-b')).toBeUndefined();
    expect(await uploads.find(id, 'uploads/scope')).toBeUndefined();
    expect(await uploads.find(id, 'uploads/no-such-repository')).toBeUndefined();
    expect(await uploads.find(id, 'uploads/scope-a')).toMatchObject({ id, repositoryId: a });
  });

  it('finds nothing for an unknown (well-formed) id', async () => {
    await repositories.ensure('uploads/unknown');
    expect(await uploads.find(randomUUID(), 'uploads/unknown')).toBeUndefined();
  });

  it('refuses a second session with the same id', async () => {
    const repositoryId = await repositories.ensure('uploads/duplicate');
    const id = randomUUID();
    await uploads.create(id, repositoryId);
    await expect(uploads.create(id, repositoryId)).rejects.toThrow();
  });

  it('touch records the size reached and refreshes updated_at', async () => {
    const repositoryId = await repositories.ensure('uploads/touch');
    const id = randomUUID();
    await uploads.create(id, repositoryId);
    await dataSource.query(`UPDATE upload_sessions SET updated_at = now() - interval '1 day' WHERE id = $1`, [
      id,
    ]);
    const stale = await updatedAt(id);

    await uploads.touch(id, 1024);
    expect(await uploads.find(id, 'uploads/touch')).toMatchObject({ size: 1024 });
    expect((await updatedAt(id)).getTime()).toBeGreaterThan(stale.getTime() + 3_600_000);

    await uploads.touch(id, 5 * 2 ** 32);
    expect((await uploads.find(id, 'uploads/touch'))!.size).toBe(5 * 2 ** 32);
  });

  it('touch leaves created_at alone', async () => {
    const repositoryId = await repositories.ensure('uploads/created');
    const id = randomUUID();
    await uploads.create(id, repositoryId);
    const created = (await uploads.find(id, 'uploads/created'))!.createdAt;
    await uploads.touch(id, 7);
    expect((await uploads.find(id, 'uploads/created'))!.createdAt).toEqual(created);
  });

  it('touch of an unknown session is a no-op', async () => {
    await expect(uploads.touch(randomUUID(), 10)).resolves.toBeUndefined();
  });

  it('delete removes the session; deleting again is a no-op', async () => {
    const repositoryId = await repositories.ensure('uploads/delete');
    const id = randomUUID();
    const other = randomUUID();
    await uploads.create(id, repositoryId);
    await uploads.create(other, repositoryId);
    await uploads.delete(id);
    expect(await uploads.find(id, 'uploads/delete')).toBeUndefined();
    expect(await uploads.find(other, 'uploads/delete')).toMatchObject({ id: other });
    await expect(uploads.delete(id)).resolves.toBeUndefined();
  });

  it('sessions vanish with their repository (cascade)', async () => {
    const repositoryId = await repositories.ensure('uploads/cascade');
    const id = randomUUID();
    await uploads.create(id, repositoryId);
    await dataSource.query(`DELETE FROM repositories WHERE id = $1`, [repositoryId]);
    const rows: unknown[] = await dataSource.query(`SELECT 1 FROM upload_sessions WHERE id = $1`, [id]);
    expect(rows).toHaveLength(0);
  });

  it('refuses a session for a repository id that does not exist', async () => {
    await expect(uploads.create(randomUUID(), '999999999')).rejects.toThrow();
  });

  it('abandoned lists sessions idle since the cutoff, in id order after a cursor', async () => {
    const repositoryId = await repositories.ensure('uploads/abandoned');
    const cutoff = new Date(Date.now() - 3_600_000);
    const idle: string[] = [randomUUID(), randomUUID(), randomUUID()].sort();
    const busy = randomUUID();
    for (const id of [...idle, busy]) await uploads.create(id, repositoryId);
    await dataSource.query(
      `UPDATE upload_sessions SET updated_at = now() - interval '2 hours' WHERE id = ANY($1::uuid[])`,
      [[...idle, busy]],
    );
    await uploads.touch(busy, 10);

    const listed = await uploads.abandoned(cutoff, 1000);
    expect(listed.filter((id) => idle.includes(id))).toEqual(idle);
    expect(listed).not.toContain(busy);
    const first = await uploads.abandoned(cutoff, 2);
    expect(first).toHaveLength(2);
    const rest = await uploads.abandoned(cutoff, 1000, first[1]);
    expect([...first, ...rest]).toEqual(listed);
    expect(await uploads.abandoned(new Date(0), 10)).toEqual([]);
  });

  it("existing answers which ids have a session, in the caller's spelling; non-UUIDs have none", async () => {
    const repositoryId = await repositories.ensure('uploads/existing');
    const id: string = randomUUID();
    await uploads.create(id, repositoryId);
    const unknown: string = randomUUID();
    expect(await uploads.existing([unknown, id, 'not-a-uuid', id.toUpperCase()])).toEqual([
      id,
      id.toUpperCase(),
    ]);
    expect(await uploads.existing([])).toEqual([]);
    expect(await uploads.existing(['lost-and-found'])).toEqual([]);
  });
});

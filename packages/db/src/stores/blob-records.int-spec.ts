import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { digestOf } from '@berth/oci';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { TypeormBlobRecords } from './blob-records.js';
import { TypeormRepositoryRecords } from './repository-records.js';

const blob = (label: string) => digestOf(`blob-records:${label}`);

describe('TypeormBlobRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repositories: TypeormRepositoryRecords;
  let blobs: TypeormBlobRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 30 });
    repositories = new TypeormRepositoryRecords(dataSource);
    blobs = new TypeormBlobRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function blobRow(digest: string): Promise<{ size: string; touched_at: Date } | undefined> {
    const rows: { size: string; touched_at: Date }[] = await dataSource.query(
      `SELECT size, touched_at FROM blobs WHERE digest = $1`,
      [digest],
    );
    return rows[0];
  }

  async function linkCount(digest: string): Promise<number> {
    const rows: { n: string }[] = await dataSource.query(
      `SELECT count(*) AS n FROM repository_blobs WHERE digest = $1`,
      [digest],
    );
    return Number(rows[0]!.n);
  }

  it('finds nothing for a digest never linked', async () => {
    await repositories.ensure('blobs/none');
    expect(await blobs.find(blob('never'))).toBeUndefined();
    expect(await blobs.findInRepository('blobs/none', blob('never'))).toBeUndefined();
    expect(await blobs.findInRepository('blobs/no-such-repository', blob('never'))).toBeUndefined();
  });

  it('records a blob and links it, with its size as a number', async () => {
    const id = await repositories.ensure('blobs/linked');
    const digest = blob('linked');
    await blobs.publish(id, digest, 1234, () => Promise.resolve());
    expect(await blobs.find(digest)).toEqual({ digest, size: 1234 });
    expect(await blobs.findInRepository('blobs/linked', digest)).toEqual({ digest, size: 1234 });
  });

  it('keeps sizes above 2^32 exact (bigint column)', async () => {
    const id = await repositories.ensure('blobs/big');
    const digest = blob('big');
    const size = 2 ** 40 + 7;
    await blobs.publish(id, digest, size, () => Promise.resolve());
    expect(await blobs.find(digest)).toEqual({ digest, size });
    expect(await blobs.findInRepository('blobs/big', digest)).toEqual({ digest, size });
  });

  it('records an empty blob (size 0)', async () => {
    const id = await repositories.ensure('blobs/empty');
    const digest = digestOf('');
    await blobs.publish(id, digest, 0, () => Promise.resolve());
    expect(await blobs.findInRepository('blobs/empty', digest)).toEqual({ digest, size: 0 });
  });

  it('is idempotent: linking twice keeps one blob row and one link', async () => {
    const id = await repositories.ensure('blobs/twice');
    const digest = blob('twice');
    await blobs.publish(id, digest, 10, () => Promise.resolve());
    await blobs.publish(id, digest, 10, () => Promise.resolve());
    expect(await linkCount(digest)).toBe(1);
    const rows: unknown[] = await dataSource.query(`SELECT 1 FROM blobs WHERE digest = $1`, [digest]);
    expect(rows).toHaveLength(1);
    expect(await blobs.findInRepository('blobs/twice', digest)).toEqual({ digest, size: 10 });
  });

  it('survives many concurrent links of the same new blob, from several repositories', async () => {
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) => repositories.ensure(`blobs/concurrent-${i}`)),
    );
    const digest = blob('concurrent');
    await Promise.all(
      ids.flatMap((id) =>
        Array.from({ length: 4 }, () => blobs.publish(id, digest, 99, () => Promise.resolve())),
      ),
    );
    expect(await linkCount(digest)).toBe(5);
    for (let i = 0; i < 5; i++) {
      expect(await blobs.findInRepository(`blobs/concurrent-${i}`, digest)).toEqual({ digest, size: 99 });
    }
  });

  it('refreshes touched_at on a new link and on a repeated link', async () => {
    const a = await repositories.ensure('blobs/touch-a');
    const b = await repositories.ensure('blobs/touch-b');
    const digest = blob('touch');
    await blobs.publish(a, digest, 5, () => Promise.resolve());
    await dataSource.query(`UPDATE blobs SET touched_at = now() - interval '1 day' WHERE digest = $1`, [
      digest,
    ]);
    const old = (await blobRow(digest))!.touched_at;
    await blobs.publish(b, digest, 5, () => Promise.resolve());
    const afterNewLink = (await blobRow(digest))!.touched_at;
    expect(afterNewLink.getTime()).toBeGreaterThan(old.getTime());

    await dataSource.query(`UPDATE blobs SET touched_at = now() - interval '1 day' WHERE digest = $1`, [
      digest,
    ]);
    await blobs.publish(a, digest, 5, () => Promise.resolve());
    expect((await blobRow(digest))!.touched_at.getTime()).toBeGreaterThan(old.getTime() + 3_600_000);
  });

  it('isolates repositories: a blob linked to A is not found in B', async () => {
    const a = await repositories.ensure('blobs/iso-a');
    await repositories.ensure('blobs/iso-b');
    const digest = blob('isolated');
    await blobs.publish(a, digest, 42, () => Promise.resolve());
    expect(await blobs.findInRepository('blobs/iso-a', digest)).toEqual({ digest, size: 42 });
    expect(await blobs.findInRepository('blobs/iso-b', digest)).toBeUndefined();
    // A name that is a prefix or extension of A's must not match either.
    expect(await blobs.findInRepository('blobs/iso', digest)).toBeUndefined();
    expect(await blobs.findInRepository('blobs/iso-a/x', digest)).toBeUndefined();
    // `find` is registry-wide: it sees the blob regardless of repository.
    expect(await blobs.find(digest)).toEqual({ digest, size: 42 });
  });

  it('links the same blob into a second repository (a mount) without a second blob row', async () => {
    const a = await repositories.ensure('blobs/mount-a');
    const b = await repositories.ensure('blobs/mount-b');
    const digest = blob('mounted');
    await blobs.publish(a, digest, 8, () => Promise.resolve());
    await blobs.publish(b, digest, 8, () => Promise.resolve());
    expect(await blobs.findInRepository('blobs/mount-b', digest)).toEqual({ digest, size: 8 });
    expect(await linkCount(digest)).toBe(2);
  });

  it('unlinks from one repository only, keeping the blob row for garbage collection', async () => {
    const a = await repositories.ensure('blobs/unlink-a');
    const b = await repositories.ensure('blobs/unlink-b');
    const digest = blob('unlink');
    await blobs.publish(a, digest, 3, () => Promise.resolve());
    await blobs.publish(b, digest, 3, () => Promise.resolve());

    expect(await blobs.unlink('blobs/unlink-a', digest)).toBe(true);
    expect(await blobs.findInRepository('blobs/unlink-a', digest)).toBeUndefined();
    expect(await blobs.findInRepository('blobs/unlink-b', digest)).toEqual({ digest, size: 3 });

    expect(await blobs.unlink('blobs/unlink-b', digest)).toBe(true);
    expect(await blobs.findInRepository('blobs/unlink-b', digest)).toBeUndefined();
    expect(await blobs.find(digest)).toEqual({ digest, size: 3 });
    expect(await linkCount(digest)).toBe(0);
  });

  it('unlink returns false when there is no link, and for unknown repositories', async () => {
    const a = await repositories.ensure('blobs/unlink-none');
    const digest = blob('unlink-none');
    expect(await blobs.unlink('blobs/unlink-none', digest)).toBe(false);
    await blobs.publish(a, digest, 1, () => Promise.resolve());
    expect(await blobs.unlink('blobs/unlink-none', digest)).toBe(true);
    expect(await blobs.unlink('blobs/unlink-none', digest)).toBe(false);
    expect(await blobs.unlink('blobs/no-such-repository', digest)).toBe(false);
  });

  it('relinks after an unlink', async () => {
    const a = await repositories.ensure('blobs/relink');
    const digest = blob('relink');
    await blobs.publish(a, digest, 6, () => Promise.resolve());
    await blobs.unlink('blobs/relink', digest);
    await blobs.publish(a, digest, 6, () => Promise.resolve());
    expect(await blobs.findInRepository('blobs/relink', digest)).toEqual({ digest, size: 6 });
  });

  it('treats digests as exact strings (no case folding)', async () => {
    const a = await repositories.ensure('blobs/case');
    const digest = blob('case');
    await blobs.publish(a, digest, 1, () => Promise.resolve());
    expect(await blobs.findInRepository('blobs/case', digest.toUpperCase())).toBeUndefined();
    expect(await blobs.find(digest.toUpperCase())).toBeUndefined();
  });

  it('drops links when the repository row is deleted (cascade)', async () => {
    const a = await repositories.ensure('blobs/cascade');
    const digest = blob('cascade');
    await blobs.publish(a, digest, 1, () => Promise.resolve());
    await dataSource.query(`DELETE FROM repositories WHERE id = $1`, [a]);
    expect(await linkCount(digest)).toBe(0);
    expect(await blobs.find(digest)).toEqual({ digest, size: 1 });
  });
});

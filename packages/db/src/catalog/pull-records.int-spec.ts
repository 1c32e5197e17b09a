import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { digestOf, MediaType, parseManifest } from '@berth/oci';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { TypeormBlobRecords } from '../stores/blob-records.js';
import { TypeormManifestRecords } from '../stores/manifest-records.js';
import { TypeormRepositoryRecords } from '../stores/repository-records.js';
import { TypeormPullRecords } from './pull-records.js';

let database: TestDatabase;
let db: DataSource;
let pulls: TypeormPullRecords;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url, poolSize: 5 });
  pulls = new TypeormPullRecords(db);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

async function push(repository: string, label: string): Promise<string> {
  const id = await new TypeormRepositoryRecords(db).ensure(repository);
  const config = digestOf(`pull-config:${label}`);
  await new TypeormBlobRecords(db).publish(id, config, 10, () => Promise.resolve());
  const manifest = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: config, size: 10 },
        layers: [],
      }),
    ),
    MediaType.OciManifest,
  );
  await new TypeormManifestRecords(db).save(id, manifest, []);
  return manifest.digest;
}

async function counters(repository: string, digest: string) {
  const rows: { manifest: string; last: Date | null; repo: string }[] = await db.query(
    `SELECT m.pull_count AS manifest, m.last_pulled_at AS last, r.pull_count AS repo
     FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = $1 AND m.digest = $2`,
    [repository, digest],
  );
  const row = rows[0]!;
  return { manifest: Number(row.manifest), last: row.last, repository: Number(row.repo) };
}

describe('TypeormPullRecords', () => {
  it('adds counts and keeps the latest pull time', async () => {
    const digest = await push('p/app', 'one');
    const early = new Date('2030-01-01T00:00:00.000Z');
    const late = new Date('2030-01-02T00:00:00.000Z');
    const deferred = await pulls.add(
      [{ repository: 'p/app', digest, count: 3, lastPulledAt: late }],
      [{ repository: 'p/app', count: 3 }],
    );
    expect(deferred).toEqual({ manifests: [], repositories: [] });
    await pulls.add(
      [{ repository: 'p/app', digest, count: 2, lastPulledAt: early }],
      [{ repository: 'p/app', count: 2 }],
    );
    expect(await counters('p/app', digest)).toEqual({ manifest: 5, last: late, repository: 5 });
  });

  it('drops pulls of what no longer exists', async () => {
    const deferred = await pulls.add(
      [{ repository: 'p/app', digest: digestOf('gone'), count: 1, lastPulledAt: new Date() }],
      [{ repository: 'p/gone', count: 1 }],
    );
    expect(deferred).toEqual({ manifests: [], repositories: [] });
  });

  it('skips rows another transaction holds instead of waiting, and hands them back', async () => {
    const digest = await push('p/locked', 'locked');
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(
        `SELECT 1 FROM manifests m JOIN repositories r ON r.id = m.repository_id
         WHERE r.name = 'p/locked' FOR UPDATE OF m, r`,
      );
      const entry = { repository: 'p/locked', digest, count: 4, lastPulledAt: new Date() };
      const started = Date.now();
      const deferred = await pulls.add([entry], [{ repository: 'p/locked', count: 4 }]);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(deferred).toEqual({ manifests: [entry], repositories: [{ repository: 'p/locked', count: 4 }] });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await counters('p/locked', digest)).toMatchObject({ manifest: 0, repository: 0 });
  });
});

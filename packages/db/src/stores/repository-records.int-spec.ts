import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { digestOf, parseManifest, MediaType } from '@berth/oci';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { TypeormBlobRecords } from './blob-records.js';
import { TypeormManifestRecords } from './manifest-records.js';
import { TypeormRepositoryRecords } from './repository-records.js';
import { TypeormUploadRecords } from './upload-records.js';

const CONFIG = digestOf('repository-records:config');

function manifestBytes(label: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: CONFIG, size: 2 },
      layers: [],
      annotations: { label },
    }),
  );
}

/** Every page of the catalog, `limit` names at a time, following `last` like a client would. */
async function walkCatalog(repositories: TypeormRepositoryRecords, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let last: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await repositories.catalog(limit, last);
    if (page.length === 0) break;
    pages.push(page);
    last = page[page.length - 1];
  }
  return pages;
}

const byteOrder = (names: string[]): string[] =>
  [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('TypeormRepositoryRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repositories: TypeormRepositoryRecords;
  let blobs: TypeormBlobRecords;
  let manifests: TypeormManifestRecords;
  let uploads: TypeormUploadRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 30 });
    repositories = new TypeormRepositoryRecords(dataSource);
    blobs = new TypeormBlobRecords(dataSource);
    manifests = new TypeormManifestRecords(dataSource);
    uploads = new TypeormUploadRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** A repository holding one manifest, so that it appears in the catalog. */
  async function pushTo(name: string): Promise<string> {
    const id = await repositories.ensure(name);
    await blobs.publish(id, CONFIG, 2, () => Promise.resolve());
    const bytes = manifestBytes(name);
    await manifests.save(id, parseManifest(bytes, MediaType.OciManifest), ['latest']);
    return digestOf(bytes);
  }

  describe('ensure and findId', () => {
    it('creates a repository once and returns the same id afterwards', async () => {
      expect(await repositories.findId('ensure/once')).toBeUndefined();
      const id = await repositories.ensure('ensure/once');
      expect(id).toMatch(/^\d+$/);
      expect(await repositories.ensure('ensure/once')).toBe(id);
      expect(await repositories.findId('ensure/once')).toBe(id);
      const rows: unknown[] = await dataSource.query(`SELECT 1 FROM repositories WHERE name = $1`, [
        'ensure/once',
      ]);
      expect(rows).toHaveLength(1);
    });

    it('gives different repositories different ids', async () => {
      const a = await repositories.ensure('ensure/a');
      const b = await repositories.ensure('ensure/b');
      expect(a).not.toBe(b);
    });

    it('is safe when many callers create the same repository at once', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => repositories.ensure('ensure/raced')));
      expect(new Set(ids).size).toBe(1);
      expect(await repositories.findId('ensure/raced')).toBe(ids[0]);
    });

    it('does not confuse names that differ only in case or by a prefix', async () => {
      const id = await repositories.ensure('ensure/prefix');
      expect(await repositories.findId('ensure/prefix2')).toBeUndefined();
      expect(await repositories.findId('ensure/PREFIX')).toBeUndefined();
      expect(await repositories.findId('ensure')).toBeUndefined();
      expect(await repositories.findId('ensure/prefix')).toBe(id);
    });
  });

  describe('catalog', () => {
    // Byte order: '-' (0x2d) < '.' (0x2e) < '/' (0x2f) < '0' (0x30) < '_' (0x5f) < 'a' (0x61).
    const NAMES = ['cat/ab', 'cat/a_b', 'cat/a0', 'cat/a/b', 'cat/a.b', 'cat/a-c', 'cat/b', 'cat/a'];
    const SORTED = byteOrder(NAMES);

    beforeAll(async () => {
      for (const name of NAMES) await pushTo(name);
      // Repositories without manifests: created by ensure, an upload session and a blob link.
      await repositories.ensure('cat/empty');
      await uploads.create(
        '00000000-0000-4000-8000-000000000001',
        await repositories.ensure('cat/upload-only'),
      );
      await blobs.publish(await repositories.ensure('cat/blob-only'), CONFIG, 2, () => Promise.resolve());
    });

    it('lists only repositories holding manifests, in byte-wise order', async () => {
      expect(SORTED).toEqual([
        'cat/a',
        'cat/a-c',
        'cat/a.b',
        'cat/a/b',
        'cat/a0',
        'cat/a_b',
        'cat/ab',
        'cat/b',
      ]);
      // The ensure tests above created repositories without manifests: none of them is listed.
      expect(await repositories.catalog(100)).toEqual(SORTED);
    });

    it('honours limit', async () => {
      expect(await repositories.catalog(3)).toEqual(SORTED.slice(0, 3));
      expect(await repositories.catalog(1)).toEqual(SORTED.slice(0, 1));
    });

    it('starts strictly after last, which need not be an existing repository', async () => {
      expect(await repositories.catalog(100, 'cat/a.b')).toEqual(SORTED.slice(3));
      expect(await repositories.catalog(2, 'cat/a.b')).toEqual(SORTED.slice(3, 5));
      expect(await repositories.catalog(100, 'cat/a/')).toEqual(SORTED.slice(3));
      expect(await repositories.catalog(100, 'cat/b')).toEqual([]);
      expect(await repositories.catalog(100, 'zzz')).toEqual([]);
      expect(await repositories.catalog(100, '')).toEqual(SORTED);
    });

    it('pages through every repository exactly once whatever the page size', async () => {
      for (const limit of [1, 2, 3, 5, 8]) {
        const pages = await walkCatalog(repositories, limit);
        expect(pages.flat()).toEqual(SORTED);
        expect(pages.every((page) => page.length <= limit)).toBe(true);
      }
    });

    it('drops a repository whose last manifest was deleted, and lists it again after a push', async () => {
      const digest = await pushTo('cat/transient');
      expect(await repositories.catalog(100)).toContain('cat/transient');
      expect(await manifests.deleteByDigest('cat/transient', digest)).toBe(true);
      expect(await repositories.catalog(100)).toEqual(SORTED);
      await pushTo('cat/transient');
      expect(await repositories.catalog(100)).toContain('cat/transient');
      await manifests.deleteByDigest('cat/transient', digest);
    });

    it('keeps listing a repository whose tags are all removed (untagged manifests still count)', async () => {
      await pushTo('cat/untagged');
      expect(await manifests.untag('cat/untagged', 'latest')).toBe(true);
      expect(await repositories.catalog(100)).toContain('cat/untagged');
      await manifests.deleteByDigest('cat/untagged', digestOf(manifestBytes('cat/untagged')));
      expect(await repositories.catalog(100)).toEqual(SORTED);
    });
  });
});

/**
 * The catalog must order and filter by `last` in the same byte-wise collation. The test server's
 * databases use C.UTF-8, where byte order is also the default; a production database created
 * with a linguistic collation (ICU or glibc en_US) is not, so this suite creates one.
 */
describe('TypeormRepositoryRecords.catalog in a database with a linguistic default collation', () => {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `berth_test_icu_${randomBytes(6).toString('hex')}`;
  let dataSource: DataSource | undefined;
  let icuAvailable = true;

  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    try {
      await admin(`CREATE DATABASE "${name}" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`);
    } catch {
      icuAvailable = false; // a server built without ICU: nothing to show
      return;
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    dataSource = await openDatabase({ url: url.toString(), poolSize: 4 });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  // Regression: with `WHERE r.name > $1` in the default collation, ICU en-US sorts '_' before
  // digits, so after the page ending at 'icu/a0' the filter rejected 'icu/a_b' for good.
  it('pages through every repository exactly once', async () => {
    if (!icuAvailable || dataSource === undefined) return;
    const repositories = new TypeormRepositoryRecords(dataSource);
    const blobs = new TypeormBlobRecords(dataSource);
    const manifests = new TypeormManifestRecords(dataSource);
    const names = ['icu/a0', 'icu/a_b', 'icu/ab'];
    for (const repo of names) {
      const id = await repositories.ensure(repo);
      await blobs.publish(id, CONFIG, 2, () => Promise.resolve());
      await manifests.save(id, parseManifest(manifestBytes(repo), MediaType.OciManifest), []);
    }
    const all = await repositories.catalog(100);
    expect(all).toEqual(byteOrder(names));
    const pages = await walkCatalog(repositories, 1);
    expect(pages.flat()).toEqual(all);
  });

  it('pages through every tag exactly once', async () => {
    if (!icuAvailable || dataSource === undefined) return;
    const repositories = new TypeormRepositoryRecords(dataSource);
    const blobs = new TypeormBlobRecords(dataSource);
    const manifests = new TypeormManifestRecords(dataSource);
    const id = await repositories.ensure('icu/tags');
    await blobs.publish(id, CONFIG, 2, () => Promise.resolve());
    const tags = ['a0', 'a_b', 'ab', 'B', 'a'];
    await manifests.save(id, parseManifest(manifestBytes('icu/tags'), MediaType.OciManifest), tags);
    expect(await manifests.tags('icu/tags', 100)).toEqual(byteOrder(tags));
    const seen: string[] = [];
    let last: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = (await manifests.tags('icu/tags', 1, last)) ?? [];
      if (page.length === 0) break;
      seen.push(...page);
      last = page[0];
    }
    expect(seen).toEqual(byteOrder(tags));
  });
});

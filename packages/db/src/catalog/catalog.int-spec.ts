import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { digestOf, MediaType, parseManifest, type ParsedManifest } from '@berth/oci';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { InvalidArgumentError } from '../access/errors.js';
import { TypeormMemberRecords } from '../access/member-records.js';
import { TypeormProjectRecords } from '../access/project-records.js';
import { TypeormUserRecords } from '../access/user-records.js';
import { openDatabase } from '../data-source.js';
import { TypeormBlobRecords } from '../stores/blob-records.js';
import { TypeormManifestRecords } from '../stores/manifest-records.js';
import { TypeormRepositoryRecords } from '../stores/repository-records.js';
import { TypeormArtifactCatalog, type ArtifactListQuery } from './artifact-catalog.js';
import { TypeormRepositoryCatalog } from './repository-catalog.js';

const CONFIG_SIZE = 100;
const LAYER_SIZE = 1000;

let database: TestDatabase;
let db: DataSource;
let repositories: TypeormRepositoryRecords;
let blobs: TypeormBlobRecords;
let manifests: TypeormManifestRecords;
let artifacts: TypeormArtifactCatalog;
let catalog: TypeormRepositoryCatalog;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url, poolSize: 5 });
  repositories = new TypeormRepositoryRecords(db);
  blobs = new TypeormBlobRecords(db);
  manifests = new TypeormManifestRecords(db);
  artifacts = new TypeormArtifactCatalog(db);
  catalog = new TypeormRepositoryCatalog(db);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

interface ImageOptions {
  tags?: string[];
  subject?: ParsedManifest;
  artifactType?: string;
  /** Blobs shared with another image of this label. */
  blobsOf?: string;
}

/** Pushes an image (a config and a layer of its own) through the real manifest save. */
async function pushImage(
  repository: string,
  label: string,
  options: ImageOptions = {},
): Promise<ParsedManifest> {
  const id = await repositories.ensure(repository);
  const config = digestOf(`config:${options.blobsOf ?? label}`);
  const layer = digestOf(`layer:${options.blobsOf ?? label}`);
  await blobs.publish(id, config, CONFIG_SIZE, () => Promise.resolve());
  await blobs.publish(id, layer, LAYER_SIZE, () => Promise.resolve());
  const document = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    ...(options.artifactType && { artifactType: options.artifactType }),
    config: { mediaType: MediaType.OciConfig, digest: config, size: CONFIG_SIZE },
    layers: [{ mediaType: MediaType.OciLayerTarGzip, digest: layer, size: LAYER_SIZE }],
    annotations: { label },
    ...(options.subject && {
      subject: {
        mediaType: options.subject.mediaType,
        digest: options.subject.digest,
        size: options.subject.bytes.length,
      },
    }),
  };
  const manifest = parseManifest(Buffer.from(JSON.stringify(document)), MediaType.OciManifest);
  await manifests.save(id, manifest, options.tags ?? []);
  return manifest;
}

async function pushIndex(
  repository: string,
  children: ParsedManifest[],
  tags: string[],
): Promise<ParsedManifest> {
  const id = await repositories.ensure(repository);
  const document = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: children.map((child, i) => ({
      mediaType: child.mediaType,
      digest: child.digest,
      size: child.bytes.length,
      platform: { os: 'linux', architecture: i === 0 ? 'amd64' : 'arm64' },
    })),
  };
  const manifest = parseManifest(Buffer.from(JSON.stringify(document)), MediaType.OciIndex);
  await manifests.save(id, manifest, tags);
  return manifest;
}

/** Every digest of a listing, following its cursors page by page. */
async function walk(
  repository: string,
  query: Omit<ArtifactListQuery, 'pageSize' | 'cursor'>,
  pageSize: number,
) {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await artifacts.list(repository, { ...query, pageSize, ...(cursor && { cursor }) });
    seen.push(...page!.items.map((item) => item.digest));
    if (page!.next === undefined) return seen;
    cursor = page!.next;
  }
  throw new Error('no last page');
}

describe('ArtifactCatalog', () => {
  const repo = 'lib/app';
  let first: ParsedManifest;
  let second: ParsedManifest;
  let arm: ParsedManifest;
  let amd: ParsedManifest;
  let multi: ParsedManifest;
  let signature: ParsedManifest;

  beforeAll(async () => {
    first = await pushImage(repo, 'first', { tags: ['v1.0', 'latest'] });
    second = await pushImage(repo, 'second', { tags: ['v1_x'] });
    amd = await pushImage(repo, 'amd');
    arm = await pushImage(repo, 'arm');
    multi = await pushIndex(repo, [amd, arm], ['multi']);
    signature = await pushImage(repo, 'sig', {
      subject: first,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    });
  });

  it('lists top-level artifacts newest first, without accessories or the children of an index', async () => {
    const page = await artifacts.list(repo, { pageSize: 10 });
    expect(page!.items.map((item) => item.digest)).toEqual([multi.digest, second.digest, first.digest]);
    expect(page!.total).toBe(3);
    expect(page!.next).toBeUndefined();
    const all = await artifacts.list(repo, { pageSize: 10, all: true });
    expect(all!.total).toBe(6);
    expect(all!.items.map((item) => item.digest)).toContain(signature.digest);
  });

  it('gives each artifact its tags, size, pull counters, accessories and an index its bytes', async () => {
    const page = await artifacts.list(repo, { pageSize: 10 });
    const [index, , image] = page!.items;
    expect(image).toMatchObject({
      digest: first.digest,
      mediaType: MediaType.OciManifest,
      artifactType: MediaType.OciConfig,
      size: first.bytes.length + CONFIG_SIZE + LAYER_SIZE,
      pullCount: 0,
      lastPulledAt: null,
      accessories: [
        {
          digest: signature.digest,
          mediaType: MediaType.OciManifest,
          artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
          size: signature.bytes.length,
        },
      ],
    });
    expect(image!.tags.map((tag) => tag.name)).toEqual(['latest', 'v1.0']);
    expect(image!.tags[0]!.pushedAt).toBeInstanceOf(Date);
    expect(image!.indexPayload).toBeUndefined();
    expect(index!.indexPayload).toEqual(multi.bytes);
    const childBytes = amd.bytes.length + arm.bytes.length;
    expect(index!.size).toBe(multi.bytes.length + childBytes + 2 * (CONFIG_SIZE + LAYER_SIZE));
  });

  it('pages by cursor exactly as by number, in every sort', async () => {
    for (const sort of ['-pushedAt', 'pushedAt', 'digest', '-name']) {
      const whole = await artifacts.list(repo, { pageSize: 100, sort, all: true });
      expect(await walk(repo, { sort, all: true }, 2)).toEqual(whole!.items.map((item) => item.digest));
      const secondPage = await artifacts.list(repo, { pageSize: 2, page: 2, sort, all: true });
      expect(secondPage!.items.map((item) => item.digest)).toEqual(
        whole!.items.slice(2, 4).map((i) => i.digest),
      );
      expect(secondPage!.total).toBe(6);
    }
    const digests = (await artifacts.list(repo, { pageSize: 100, sort: 'digest', all: true }))!.items.map(
      (i) => i.digest,
    );
    expect(digests).toEqual([...digests].sort());
  });

  it('refuses an unknown sort, a malformed cursor and a cursor of another sort', async () => {
    await expect(artifacts.list(repo, { pageSize: 5, sort: 'size' })).rejects.toThrow(InvalidArgumentError);
    await expect(artifacts.list(repo, { pageSize: 5, cursor: 'not-a-cursor' })).rejects.toThrow(
      InvalidArgumentError,
    );
    const byDigest = await artifacts.list(repo, { pageSize: 1, sort: 'digest' });
    await expect(artifacts.list(repo, { pageSize: 1, cursor: byDigest!.next! })).rejects.toThrow(
      /sort=digest/,
    );
    await expect(artifacts.list(repo, { pageSize: 101 })).rejects.toThrow(InvalidArgumentError);
  });

  it('filters by tag prefix, digest prefix (with or without the algorithm) and taggedness', async () => {
    const names = async (query: Omit<ArtifactListQuery, 'pageSize'>) =>
      (await artifacts.list(repo, { pageSize: 10, ...query }))!.items.map((item) => item.digest);
    expect(await names({ q: 'v1' })).toEqual([second.digest, first.digest]);
    expect(await names({ q: 'v1_' })).toEqual([second.digest]);
    expect(await names({ q: 'v1%' })).toEqual([]);
    expect(await names({ q: first.digest.slice(0, 15) })).toEqual([first.digest]);
    expect(await names({ q: multi.digest.slice(7, 20) })).toEqual([multi.digest]);
    expect(await names({ q: 'nothing' })).toEqual([]);
    expect(await names({ tagged: false, all: true })).toEqual(
      expect.arrayContaining([amd.digest, arm.digest, signature.digest]),
    );
    expect((await artifacts.list(repo, { pageSize: 10, tagged: false }))!.total).toBe(0);
    expect((await artifacts.list(repo, { pageSize: 10, q: 'v1' }))!.total).toBe(2);
  });

  it('answers undefined for a repository that does not exist', async () => {
    expect(await artifacts.list('lib/none', { pageSize: 10 })).toBeUndefined();
    expect(await artifacts.get('lib/none', first.digest)).toBeUndefined();
  });

  it('gets one manifest with its payload, annotations and config', async () => {
    const detail = await artifacts.get(repo, amd.digest);
    expect(detail).toMatchObject({
      digest: amd.digest,
      annotations: { label: 'amd' },
      configDigest: digestOf('config:amd'),
    });
    expect(detail!.payload).toEqual(amd.bytes);
  });

  it('tells what depends on a manifest, and untags only at the named digest', async () => {
    expect(await artifacts.dependents(repo, first.digest)).toEqual({
      accessories: [signature.digest],
      children: [],
    });
    expect(await artifacts.dependents(repo, multi.digest)).toEqual({
      accessories: [],
      children: [
        { digest: amd.digest, tagged: false, parents: [multi.digest] },
        { digest: arm.digest, tagged: false, parents: [multi.digest] },
      ],
    });
    expect(await artifacts.untag(repo, 'latest', second.digest)).toBe(false);
    expect(await artifacts.untag(repo, 'latest', first.digest)).toBe(true);
    expect(await artifacts.untag(repo, 'latest', first.digest)).toBe(false);
  });
});

describe('the repository counters', () => {
  /** Every repository whose counters disagree with a live count of its rows. */
  async function drift(): Promise<unknown[]> {
    return db.query(
      `SELECT r.name, c.manifests, c.unattached, t.tags,
              (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id) AS live_manifests,
              (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id AND m.subject_digest IS NULL) AS live_unattached,
              (SELECT count(*) FROM tags g WHERE g.repository_id = r.id) AS live_tags
       FROM repositories r
       LEFT JOIN repository_manifest_counts c ON c.repository_id = r.id
       LEFT JOIN repository_tag_counts t ON t.repository_id = r.id
       WHERE coalesce(c.manifests, 0) <> (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id)
          OR coalesce(c.unattached, 0) <> (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id AND m.subject_digest IS NULL)
          OR coalesce(t.tags, 0) <> (SELECT count(*) FROM tags g WHERE g.repository_id = r.id)`,
    );
  }

  it('follow pushes, re-pushes, tag moves, deletes and repository deletion', async () => {
    const repo = 'count/app';
    const one = await pushImage(repo, 'count-one', { tags: ['a', 'b'] });
    await pushImage(repo, 'count-one', { tags: ['c'] });
    const two = await pushImage(repo, 'count-two', { tags: ['a'] });
    const index = await pushIndex(repo, [one, two], ['i']);
    await pushImage(repo, 'count-sig', { subject: one });
    expect(await drift()).toEqual([]);
    const listed = await artifacts.list(repo, { pageSize: 10 });
    expect(listed!.total).toBe(1);
    expect(listed!.items.map((item) => item.digest)).toEqual([index.digest]);
    expect((await artifacts.list(repo, { pageSize: 10, all: true }))!.total).toBe(4);

    await manifests.deleteByDigest(repo, index.digest);
    await manifests.untag(repo, 'b');
    expect(await drift()).toEqual([]);
    expect((await artifacts.list(repo, { pageSize: 10 }))!.total).toBe(2);
    await manifests.deleteByDigest(repo, one.digest);
    expect(await drift()).toEqual([]);
    expect(await catalog.delete(repo)).toHaveLength(2);
    expect(await drift()).toEqual([]);
    const leftovers: unknown[] = await db.query(
      `SELECT 1 FROM repository_manifest_counts c WHERE NOT EXISTS (SELECT 1 FROM repositories r WHERE r.id = c.repository_id)`,
    );
    expect(leftovers).toEqual([]);
  });
});

describe('RepositoryCatalog', () => {
  let alice: string;

  beforeAll(async () => {
    const projects = new TypeormProjectRecords(db);
    const users = new TypeormUserRecords(db);
    alice = (await users.create({ username: 'alice', passwordHash: 'x' })).id;
    await projects.create({ name: 'pub', public: true });
    const priv = await projects.create({ name: 'priv', public: false });
    await projects.create({ name: 'robots', public: false });
    await projects.create({ name: 'hidden', public: false });
    await new TypeormMemberRecords(db).add(priv.id, alice, 'limited-guest');
    for (const name of ['pub/a', 'pub/b/c', 'priv/x', 'robots/r', 'hidden/h', 'pub-other/z', 'pub0/w']) {
      await pushImage(name, `repo-${name}`, { tags: ['t'] });
    }
    await repositories.ensure('pub/only-blobs');
    const base = await pushImage('pub/a', 'a-two', { tags: ['two', 'deux'] });
    await pushImage('pub/a', 'a-sig', { subject: base });
  });

  const names = (page: { items: { name: string }[] } | undefined) => page!.items.map((item) => item.name);

  it('lists a project’s repositories that hold a manifest, with their figures', async () => {
    const page = await catalog.list({ scope: { project: 'pub' }, pageSize: 10 });
    expect(names(page)).toEqual(['pub/a', 'pub/b/c']);
    expect(page.total).toBe(2);
    expect(page.items[0]).toMatchObject({
      project: 'pub',
      artifactCount: 2,
      tagCount: 3,
      pullCount: 0,
      lastPushAt: expect.any(Date),
      createdAt: expect.any(Date),
    });
  });

  it('lists what a viewer may pull: public projects, memberships and named projects', async () => {
    const all = await catalog.list({ scope: { all: true }, pageSize: 100 });
    expect(all.total).toBe(8); // lib/app too
    const viewer = await catalog.list({
      scope: { viewer: { userId: alice, projects: ['robots'] } },
      pageSize: 100,
    });
    expect(names(viewer)).toEqual(['priv/x', 'pub/a', 'pub/b/c', 'robots/r']);
    const anonymous = await catalog.list({ scope: { viewer: {} }, pageSize: 100 });
    expect(names(anonymous)).toEqual(['pub/a', 'pub/b/c']);
    expect(anonymous.total).toBe(2);
  });

  it('searches names, sorts, and pages by cursor across projects', async () => {
    expect(names(await catalog.list({ scope: { all: true }, pageSize: 100, q: 'B/C' }))).toEqual(['pub/b/c']);
    const descending = await catalog.list({ scope: { all: true }, pageSize: 100, sort: '-name' });
    expect(names(descending)[0]).toBe('robots/r');
    for (const sort of ['name', '-createdAt']) {
      const whole = names(await catalog.list({ scope: { all: true }, pageSize: 100, sort }));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await catalog.list({
          scope: { viewer: { userId: alice } },
          pageSize: 1,
          sort,
          ...(cursor && { cursor }),
        });
        seen.push(...names(page));
        cursor = page.next;
      } while (cursor !== undefined);
      expect(seen).toEqual(whole.filter((name) => /^(pub|priv)\//.test(name)));
    }
    await expect(catalog.list({ scope: { all: true }, pageSize: 5, sort: 'size' })).rejects.toThrow(
      InvalidArgumentError,
    );
  });

  it('gets a repository with its size, each blob counted once', async () => {
    const detail = await catalog.get('pub/a');
    const rows: { n: string }[] = await db.query(
      `SELECT sum(m.size) AS n FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = 'pub/a'`,
    );
    // Three manifests; two images' blobs, and the signature shares none.
    expect(detail).toMatchObject({
      name: 'pub/a',
      artifactCount: 2,
      sizeBytes: Number(rows[0]!.n) + 3 * (CONFIG_SIZE + LAYER_SIZE),
    });
    expect(await catalog.get('pub/only-blobs')).toBeUndefined();
    expect(await catalog.get('pub/none')).toBeUndefined();
  });

  it('deletes a repository with its manifests and nothing else', async () => {
    const deleted = await catalog.delete('pub/b/c');
    expect(deleted).toHaveLength(1);
    expect(await catalog.get('pub/b/c')).toBeUndefined();
    expect(await catalog.delete('pub/b/c')).toBeUndefined();
    expect(names(await catalog.list({ scope: { project: 'pub' }, pageSize: 10 }))).toEqual(['pub/a']);
  });
});

// The admin API's artifacts: the listing (tags, sizes, platforms of an index, accessories;
// filters, sorts, cursors), reading one, tagging and untagging, copying across projects by
// mounting, deleting — each checked through /v2/ as a client sees it, with the role checks.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/client';
import { startRegistryUnderTest, type Credentials, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, isProblem } from './admin-client.js';
import {
  eventually,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
  pushImage,
  pushIndex,
  walk,
  type Pushed,
} from './content-fixtures.js';

const TIMEOUT = 120_000;
const SIGNATURE_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const ARTIFACTS = '/api/v1/projects/src/repositories/app/artifacts';

let registry: RegistryUnderTest;
let admin: AdminClient;
let client: RegistryClient;
const users: Record<string, Credentials> = {};
let first: Pushed;
let second: Pushed;
let amd: Pushed;
let arm: Pushed;
let multi: Pushed;
let signature: Pushed;

const digests = (response: { body: { digest: string }[] }) => response.body.map((item) => item.digest);

/** The digest /v2/ serves for `reference`, or the status when it serves none. */
async function v2Digest(repository: string, reference: string): Promise<string | number> {
  const response = await registry.fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` },
  });
  return response.status === 200 ? response.headers.get('docker-content-digest')! : response.status;
}

async function v2Tags(repository: string): Promise<string[]> {
  const response = await registry.fetch(`${registry.url}/v2/${repository}/tags/list`);
  return ((await response.json()) as { tags: string[] }).tags;
}

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
  for (const project of ['src', 'dst', 'other'])
    await admin.post('/api/v1/projects', { name: project, public: false });
  await admin.post('/api/v1/projects', { name: 'tiny', public: false, storageLimitBytes: 100 });
  const members: [string, string, string][] = [
    ['maintainer', 'src', 'maintainer'],
    ['developer', 'src', 'developer'],
    ['developer', 'dst', 'developer'],
    ['developer', 'tiny', 'developer'],
    ['guest', 'src', 'guest'],
    ['guest', 'dst', 'developer'],
    ['limitedguest', 'src', 'limited-guest'],
    ['outsider', 'dst', 'developer'],
  ];
  for (const [username, project, role] of members) {
    if (!users[username]) users[username] = (await createUser(admin, username)).credentials;
    await admin.post(`/api/v1/projects/${project}/members`, { username, role });
  }

  client = new RegistryClient({ url: registry.url, credentials: registry.credentials! });
  first = await pushImage(client, 'src/app', 'first', { tags: ['v1.0', 'latest'], architecture: 'arm64' });
  second = await pushImage(client, 'src/app', 'second', { tags: ['v2.0'] });
  amd = await pushImage(client, 'src/app', 'amd', { architecture: 'amd64' });
  arm = await pushImage(client, 'src/app', 'arm', { architecture: 'arm64' });
  multi = await pushIndex(
    client,
    'src/app',
    [
      { image: amd, architecture: 'amd64' },
      { image: arm, architecture: 'arm64' },
    ],
    ['multi'],
  );
  signature = await pushImage(client, 'src/app', 'signature', {
    subject: first,
    artifactType: SIGNATURE_TYPE,
  });
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('GET …/artifacts', () => {
  it('lists top-level artifacts newest first, with tags, sizes, platforms and accessories', async () => {
    const response = await admin.as(users.guest).get(ARTIFACTS);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-total-count')).toBe('3');
    expect(digests(response)).toEqual([multi.digest, second.digest, first.digest]);
    const [index, , image] = response.body;
    expect(image).toEqual({
      digest: first.digest,
      mediaType: OCI_MANIFEST,
      artifactType: OCI_CONFIG,
      size: first.size,
      tags: [
        { name: 'latest', pushedAt: expect.any(String) },
        { name: 'v1.0', pushedAt: expect.any(String) },
      ],
      pushedAt: expect.any(String),
      lastPulledAt: null,
      pullCount: 0,
      accessories: [
        {
          digest: signature.digest,
          mediaType: OCI_MANIFEST,
          artifactType: SIGNATURE_TYPE,
          size: signature.bytes.length,
        },
      ],
    });
    expect(index).toMatchObject({
      digest: multi.digest,
      mediaType: OCI_INDEX,
      size: multi.size,
      tags: [{ name: 'multi', pushedAt: expect.any(String) }],
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
    });
  });

  it('lists accessories and index children too with all=true, and filters by tagged', async () => {
    const all = await admin.get(`${ARTIFACTS}?all=true`);
    expect(all.headers.get('x-total-count')).toBe('6');
    const untagged = await admin.get(`${ARTIFACTS}?all=true&tagged=false&sort=digest`);
    expect(digests(untagged)).toEqual([amd.digest, arm.digest, signature.digest].sort());
    expect(digests(await admin.get(`${ARTIFACTS}?tagged=false`))).toEqual([]);
  });

  it('searches by tag prefix and digest prefix', async () => {
    expect(digests(await admin.get(`${ARTIFACTS}?q=v1`))).toEqual([first.digest]);
    expect(digests(await admin.get(`${ARTIFACTS}?q=v`))).toEqual([second.digest, first.digest]);
    expect(digests(await admin.get(`${ARTIFACTS}?q=${second.digest.slice(0, 16)}`))).toEqual([second.digest]);
    expect(digests(await admin.get(`${ARTIFACTS}?q=${multi.digest.slice(7, 19)}`))).toEqual([multi.digest]);
  });

  it('walks every sort by cursor through Link, in the order of one big page', async () => {
    for (const sort of ['-pushedAt', 'pushedAt', 'digest', '-digest']) {
      const whole = digests(await admin.get(`${ARTIFACTS}?all=true&sort=${sort}&pageSize=100`));
      const { items, pages } = await walk(admin, `${ARTIFACTS}?all=true&sort=${sort}&pageSize=2`);
      expect(items.map((item) => item.digest)).toEqual(whole);
      expect(pages).toHaveLength(3);
      expect(pages[2]).toMatch(/[?&]cursor=/);
      expect(pages[2]).toMatch(/all=true/);
    }
  });

  it('lets a limited guest browse what it pulls, and hides the repository from outsiders', async () => {
    expect((await admin.as(users.limitedguest).get(ARTIFACTS)).status).toBe(200);
    expect(isProblem(await admin.as(users.outsider).get(ARTIFACTS), 404)).toBe(true);
    expect(isProblem(await admin.as(undefined).get(ARTIFACTS), 401)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/projects/src/repositories/none/artifacts'), 404)).toBe(true);
    const bad = await admin.get(`${ARTIFACTS}?tagged=yes`);
    expect(isProblem(bad, 400)).toBe(true);
    expect(bad.body.title).toMatch(/^tagged /);
  });
});

describe('GET …/artifacts/{reference}', () => {
  it('reads an artifact by tag or digest, an image with its own platform', async () => {
    const byTag = await admin.as(users.limitedguest).get(`${ARTIFACTS}/v1.0`);
    expect(byTag.status).toBe(200);
    expect(byTag.body).toMatchObject({
      digest: first.digest,
      platforms: [{ os: 'linux', architecture: 'arm64' }],
    });
    expect((await admin.get(`${ARTIFACTS}/${first.digest}`)).body).toEqual(byTag.body);
    expect((await admin.get(`${ARTIFACTS}/${amd.digest}`)).body.digest).toBe(amd.digest);
  });

  it('answers 404 for an unknown reference and 400 naming it for a malformed one', async () => {
    const unknown = await admin.get(`${ARTIFACTS}/nope`);
    expect(isProblem(unknown, 404)).toBe(true);
    expect(unknown.body.code).toBe('MANIFEST_UNKNOWN');
    const bad = await admin.get(`${ARTIFACTS}/sha256:123`);
    expect(isProblem(bad, 400)).toBe(true);
    expect(bad.body.title).toMatch(/^reference /);
  });
});

describe('POST and DELETE …/artifacts/{reference}/tags', () => {
  it('lets a developer add a tag, visible through /v2/', async () => {
    const created = await admin.as(users.developer).post(`${ARTIFACTS}/v2.0/tags`, { name: 'stable' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'stable', digest: second.digest });
    expect(await v2Tags('src/app')).toContain('stable');
    expect(await v2Digest('src/app', 'stable')).toBe(second.digest);
  });

  it('refuses a tag that exists (409), a bad name (400), guests and limited guests (403)', async () => {
    const taken = await admin.post(`${ARTIFACTS}/${first.digest}/tags`, { name: 'stable' });
    expect(isProblem(taken, 409)).toBe(true);
    const bad = await admin.post(`${ARTIFACTS}/${first.digest}/tags`, { name: '-nope' });
    expect(isProblem(bad, 400)).toBe(true);
    expect(bad.body.title).toMatch(/^name /);
    for (const who of [users.guest, users.limitedguest]) {
      expect(isProblem(await admin.as(who).post(`${ARTIFACTS}/v1.0/tags`, { name: 'nope' }), 403)).toBe(true);
    }
    expect(isProblem(await admin.as(undefined).post(`${ARTIFACTS}/v1.0/tags`, { name: 'nope' }), 401)).toBe(
      true,
    );
    expect(await v2Tags('src/app')).not.toContain('nope');
  });

  it('removes a tag for a maintainer only, and only from its artifact', async () => {
    expect(isProblem(await admin.as(users.developer).delete(`${ARTIFACTS}/v2.0/tags/stable`), 403)).toBe(
      true,
    );
    expect(isProblem(await admin.as(users.maintainer).delete(`${ARTIFACTS}/v1.0/tags/stable`), 404)).toBe(
      true,
    );
    expect((await admin.as(users.maintainer).delete(`${ARTIFACTS}/v2.0/tags/stable`)).status).toBe(204);
    expect(await v2Tags('src/app')).not.toContain('stable');
    expect(await v2Digest('src/app', second.digest)).toBe(second.digest);
  });
});

describe('the registry event bus', () => {
  it('hears of retags and tag deletes made here, with the caller as actor', async () => {
    // The audit trail listens on RegistryEvents; what it writes shows what was announced.
    let events: { actor: string; action: string; resource: string; detail: Record<string, unknown> }[] = [];
    await eventually(async () => {
      const response = await admin.get('/api/v1/audit-logs?resource=repository:src/app&pageSize=100');
      events = response.body as typeof events;
      return events.some((event) => event.action === 'tag.delete');
    });
    expect(events).toContainEqual(
      expect.objectContaining({
        actor: 'developer',
        action: 'artifact.push',
        detail: expect.objectContaining({ digest: second.digest, tags: ['stable'] }),
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ actor: 'maintainer', action: 'tag.delete', detail: { tag: 'stable' } }),
    );
  });
});

describe('POST …/artifacts?from= (copy)', () => {
  it('copies an index by tag across projects with its children, tagged the same', async () => {
    const copied = await admin
      .as(users.developer)
      .post('/api/v1/projects/dst/repositories/mirror/artifacts?from=src/app:multi');
    expect(copied.status).toBe(201);
    expect(copied.body).toEqual({ digest: multi.digest });
    expect(await v2Digest('dst/mirror', 'multi')).toBe(multi.digest);
    expect(await v2Digest('dst/mirror', amd.digest)).toBe(amd.digest);
    expect(await v2Digest('dst/mirror', arm.digest)).toBe(arm.digest);
    const pulled = await new RegistryClient({ url: registry.url, credentials: users.developer }).getManifest(
      'dst/mirror',
      'multi',
    );
    expect(pulled.bytes).toEqual(multi.bytes);
  });

  it('copies an image by digest with its accessories, mounting its blobs', async () => {
    const copied = await admin
      .as(users.developer)
      .post(`/api/v1/projects/dst/repositories/sub%2Fimage/artifacts?from=src/app@${first.digest}`);
    expect(copied.status).toBe(201);
    expect(await v2Tags('dst/sub/image')).toEqual([]);
    const listed = await admin.get('/api/v1/projects/dst/repositories/sub%2Fimage/artifacts');
    expect(digests(listed)).toEqual([first.digest]);
    const accessories = listed.body[0].accessories as { digest: string }[];
    expect(accessories.map((a) => a.digest)).toEqual([signature.digest]);
    expect(listed.body[0].size).toBe(first.size);
  });

  it('needs pull on the source and push on the destination', async () => {
    const path = '/api/v1/projects/dst/repositories/mirror/artifacts?from=src/app:latest';
    expect(isProblem(await admin.as(users.outsider).post(path), 404)).toBe(true);
    expect(isProblem(await admin.as(users.maintainer).post(path), 404)).toBe(true);
    expect(isProblem(await admin.as(users.limitedguest).post(path), 404)).toBe(true);
    const guestInSrc = await admin.as(users.guest).post(path);
    expect(guestInSrc.status).toBe(201);
    expect(
      isProblem(
        await admin
          .as(users.guest)
          .post('/api/v1/projects/src/repositories/x/artifacts?from=dst/mirror:multi'),
        403,
      ),
    ).toBe(true);
  });

  it('refuses a copy over the destination’s quota, a missing or malformed from, and an unknown source', async () => {
    const over = await admin
      .as(users.developer)
      .post(`/api/v1/projects/tiny/repositories/app/artifacts?from=src/app:latest`);
    expect(isProblem(over, 403)).toBe(true);
    expect(over.body.title).toMatch(/quota/);
    for (const from of ['', 'src', 'src/app', 'src/app@sha256:12', 'UPPER/app:tag']) {
      const bad = await admin.post(`/api/v1/projects/dst/repositories/mirror/artifacts?from=${from}`);
      expect(isProblem(bad, 400)).toBe(true);
      expect(bad.body.title).toMatch(/^from /);
    }
    expect(
      isProblem(
        await admin.post('/api/v1/projects/dst/repositories/mirror/artifacts?from=src/app:missing'),
        404,
      ),
    ).toBe(true);
  });
});

describe('DELETE …/artifacts/{reference}', () => {
  it('is refused to developers and guests', async () => {
    for (const who of [users.developer, users.guest, users.limitedguest]) {
      expect(isProblem(await admin.as(who).delete(`${ARTIFACTS}/v2.0`), 403)).toBe(true);
    }
    expect(await v2Digest('src/app', 'v2.0')).toBe(second.digest);
  });

  it('deletes the manifest with its tags for a maintainer: gone from /v2/', async () => {
    expect((await admin.as(users.maintainer).delete(`${ARTIFACTS}/v2.0`)).status).toBe(204);
    expect(await v2Digest('src/app', second.digest)).toBe(404);
    expect(await v2Tags('src/app')).not.toContain('v2.0');
    expect(isProblem(await admin.as(users.maintainer).delete(`${ARTIFACTS}/${second.digest}`), 404)).toBe(
      true,
    );
  });

  it('deletes an image with its signature, and an index with the children only it holds', async () => {
    expect((await admin.delete(`${ARTIFACTS}/${first.digest}`)).status).toBe(204);
    expect(await v2Digest('src/app', signature.digest)).toBe(404);
    expect((await admin.delete(`${ARTIFACTS}/multi`)).status).toBe(204);
    expect(await v2Digest('src/app', amd.digest)).toBe(404);
    expect((await admin.get(`${ARTIFACTS}?all=true`)).headers.get('x-total-count')).toBe('0');
    // The copies live on.
    expect(await v2Digest('dst/mirror', 'multi')).toBe(multi.digest);
  });
});

// skopeo (containers/image) against a real registry: byte-exact round trips of OCI and Docker
// images, multi-arch indexes, inspect, list-tags, delete and sync.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MediaType,
  buildDockerDirImage,
  buildOciLayout,
  getManifest,
  ociBlobPath,
  podmanEnv,
  readOciLayoutIndex,
  sha256Digest,
  startRegistryUnderTest,
  type BuiltImage,
  type ClientEnv,
  type RegistryUnderTest,
} from '@berth/testing';
import { credsFlag } from './credentials.js';

const TIMEOUT = 120_000;
const nonce = randomBytes(3).toString('hex');

let registry: RegistryUnderTest;
let clients: ClientEnv;
let work: string;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  await registry.createProject(`e2e-${nonce}`);
  clients = await podmanEnv();
  work = await mkdtemp(path.join(tmpdir(), 'berth-skopeo-'));
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await clients?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Repository names are unique per run, so an external registry can be reused. */
const repo = (name: string): string => `e2e-${nonce}/skopeo/${name}`;
const remote = (name: string, reference = ':1.0'): string =>
  `docker://${registry.host}/${repo(name)}${reference}`;
const skopeo = (...args: string[]) => clients.runOk('skopeo', args);
/** Plain http and the registry's credentials, for a docker:// image, source or destination. */
const registryFlags = (): string[] => ['--tls-verify=false', ...credsFlag(registry)];
const srcFlags = (): string[] => ['--src-tls-verify=false', ...credsFlag(registry, '--src-creds')];
const destFlags = (): string[] => ['--dest-tls-verify=false', ...credsFlag(registry, '--dest-creds')];

async function push(image: BuiltImage, name: string, reference = ':1.0', all = false): Promise<void> {
  await skopeo(
    'copy',
    '--preserve-digests',
    ...(all ? ['--all'] : []),
    ...destFlags(),
    image.reference,
    remote(name, reference),
  );
}

async function expectSameFile(a: string, b: string): Promise<void> {
  const [left, right] = await Promise.all([readFile(a), readFile(b)]);
  expect({ file: b, size: right.length, digest: sha256Digest(right) }).toEqual({
    file: b,
    size: left.length,
    digest: sha256Digest(left),
  });
  expect(left.equals(right)).toBe(true);
}

/** Copies `name` back into a fresh OCI layout and checks that it holds exactly the pushed blobs. */
async function expectRoundTrip(image: BuiltImage, name: string, all: boolean): Promise<void> {
  const back = path.join(work, `${name}-back`);
  await skopeo(
    'copy',
    '--preserve-digests',
    ...(all ? ['--all'] : []),
    ...srcFlags(),
    remote(name),
    `oci:${back}:1.0`,
  );
  expect(await readOciLayoutIndex(back)).toEqual([
    expect.objectContaining({
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.size,
      tag: '1.0',
    }),
  ]);
  expect((await readdir(path.join(back, 'blobs', 'sha256'))).sort()).toEqual(
    image.blobs.map((digest) => digest.slice('sha256:'.length)).sort(),
  );
  for (const digest of image.blobs)
    await expectSameFile(ociBlobPath(image.dir, digest), ociBlobPath(back, digest));
}

describe('skopeo', () => {
  it(
    'copies a single-arch OCI image in and out with digests and every blob preserved',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'single'),
        tag: '1.0',
        seed: `single-${nonce}`,
        layerSizes: [1024, 256 * 1024, 3 * 1024 * 1024 + 123],
      });
      await push(image, 'single');

      const manifest = await getManifest(registry, repo('single'), '1.0');
      expect(manifest).toMatchObject({
        status: 200,
        contentType: MediaType.ociManifest,
        digest: image.digest,
      });
      expect(manifest.body.equals(image.manifest)).toBe(true);
      const byDigest = await getManifest(registry, repo('single'), image.digest);
      expect(byDigest.body.equals(image.manifest)).toBe(true);

      await expectRoundTrip(image, 'single', false);
    },
    TIMEOUT,
  );

  it(
    'copies multi-arch OCI indexes with --all (own and shared layers, gzip)',
    async () => {
      const platforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
      const multi = await buildOciLayout({
        dir: path.join(work, 'multi'),
        tag: '1.0',
        seed: `multi-${nonce}`,
        layerSizes: [2048, 512 * 1024],
        platforms,
        gzip: true,
      });
      const shared = await buildOciLayout({
        dir: path.join(work, 'shared'),
        tag: '1.0',
        seed: `shared-${nonce}`,
        layerSizes: [4096, 128 * 1024],
        platforms,
        sharedLayers: true,
      });
      await push(multi, 'multi', ':1.0', true);
      await push(shared, 'shared', ':1.0', true);

      for (const [image, name] of [
        [multi, 'multi'],
        [shared, 'shared'],
      ] as const) {
        const index = await getManifest(registry, repo(name), '1.0');
        expect(index).toMatchObject({ status: 200, contentType: MediaType.ociIndex, digest: image.digest });
        expect(index.body.equals(image.manifest)).toBe(true);
        for (const platform of image.images) {
          const child = await getManifest(registry, repo(name), platform.digest);
          expect(child).toMatchObject({
            status: 200,
            contentType: MediaType.ociManifest,
            digest: platform.digest,
          });
          expect(child.body.equals(platform.manifest)).toBe(true);
        }
        await expectRoundTrip(image, name, true);
      }

      // skopeo picks the instance of the requested platform out of the index
      for (const [arch, variant, platform] of [
        ['arm64', undefined, 'linux/arm64'],
        ['arm', 'v7', 'linux/arm/v7'],
      ] as const) {
        const inspected = JSON.parse(
          (
            await skopeo(
              '--override-os',
              'linux',
              '--override-arch',
              arch,
              ...(variant ? ['--override-variant', variant] : []),
              'inspect',
              ...registryFlags(),
              remote('multi'),
            )
          ).stdout,
        );
        const expected = multi.images.find((image) => image.platform === platform)!;
        expect(inspected.Architecture).toBe(arch);
        expect(inspected.Layers).toEqual(expected.layers.map((layer) => layer.digest));
      }
    },
    TIMEOUT,
  );

  it(
    'copies a Docker schema2 image and manifest list from dir: with digests and media types preserved',
    async () => {
      const image = await buildDockerDirImage({
        dir: path.join(work, 'docker'),
        seed: `docker-${nonce}`,
        layerSizes: [1024, 300 * 1024],
      });
      await push(image, 'docker');
      const manifest = await getManifest(registry, repo('docker'), '1.0');
      expect(manifest).toMatchObject({
        status: 200,
        contentType: MediaType.dockerManifest,
        digest: image.digest,
      });
      expect(manifest.body.equals(image.manifest)).toBe(true);

      const back = path.join(work, 'docker-back');
      await skopeo('copy', '--preserve-digests', ...srcFlags(), remote('docker'), `dir:${back}`);
      await expectSameFile(path.join(image.dir, 'manifest.json'), path.join(back, 'manifest.json'));
      for (const digest of image.blobs) {
        await expectSameFile(path.join(image.dir, digest.slice(7)), path.join(back, digest.slice(7)));
      }

      const list = await buildDockerDirImage({
        dir: path.join(work, 'docker-list'),
        seed: `docker-list-${nonce}`,
        layerSizes: [2048],
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      await push(list, 'docker-list', ':1.0', true);
      const listed = await getManifest(registry, repo('docker-list'), '1.0');
      expect(listed).toMatchObject({
        status: 200,
        contentType: MediaType.dockerManifestList,
        digest: list.digest,
      });
      expect(listed.body.equals(list.manifest)).toBe(true);
      for (const platform of list.images) {
        const child = await getManifest(registry, repo('docker-list'), platform.digest);
        expect(child).toMatchObject({ contentType: MediaType.dockerManifest, digest: platform.digest });
      }
    },
    TIMEOUT,
  );

  it(
    'inspects an image: metadata, --raw manifest bytes and --config bytes',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'inspect'),
        tag: '1.0',
        seed: `inspect-${nonce}`,
        layerSizes: [100, 200],
      });
      await push(image, 'inspect');
      const inspected = JSON.parse((await skopeo('inspect', ...registryFlags(), remote('inspect'))).stdout);
      expect(inspected).toMatchObject({
        Name: `${registry.host}/${repo('inspect')}`,
        Digest: image.digest,
        RepoTags: ['1.0'],
        Architecture: 'amd64',
        Os: 'linux',
        Layers: image.images[0]!.layers.map((layer) => layer.digest),
        Labels: { 'mkimage.seed': `inspect-${nonce}` },
      });
      const raw = await skopeo('inspect', '--raw', ...registryFlags(), remote('inspect'));
      expect(raw.stdoutBytes.equals(image.manifest)).toBe(true);
      const config = await skopeo('inspect', '--config', '--raw', ...registryFlags(), remote('inspect'));
      expect(
        config.stdoutBytes.equals(await readFile(ociBlobPath(image.dir, image.images[0]!.config.digest))),
      ).toBe(true);
      const byDigest = await skopeo(
        'inspect',
        '--raw',
        ...registryFlags(),
        remote('inspect', `@${image.digest}`),
      );
      expect(byDigest.stdoutBytes.equals(image.manifest)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'lists tags, including ones added by a registry-to-registry copy',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'tags'),
        tag: '1.0',
        seed: `tags-${nonce}`,
        layerSizes: [300],
      });
      await push(image, 'tags');
      for (const tag of ['1.1', 'latest']) {
        await skopeo(
          'copy',
          '--preserve-digests',
          ...srcFlags(),
          ...destFlags(),
          remote('tags'),
          remote('tags', `:${tag}`),
        );
      }
      const listed = JSON.parse((await skopeo('list-tags', ...registryFlags(), remote('tags', ''))).stdout);
      expect(listed.Repository).toBe(`${registry.host}/${repo('tags')}`);
      expect([...listed.Tags].sort()).toEqual(['1.0', '1.1', 'latest']);
      for (const tag of ['1.1', 'latest']) {
        expect((await getManifest(registry, repo('tags'), tag)).digest).toBe(image.digest);
      }
    },
    TIMEOUT,
  );

  it(
    'deletes an image; inspecting it then fails with manifest unknown',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'delete'),
        tag: '1.0',
        seed: `delete-${nonce}`,
        layerSizes: [400],
      });
      await push(image, 'delete', ':gone');
      await skopeo('inspect', '--raw', ...registryFlags(), remote('delete', ':gone'));
      await skopeo('delete', ...registryFlags(), remote('delete', ':gone'));

      for (const reference of [':gone', `@${image.digest}`]) {
        const result = await clients.run('skopeo', [
          'inspect',
          '--raw',
          ...registryFlags(),
          remote('delete', reference),
        ]);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/manifest unknown/i);
      }
      expect((await getManifest(registry, repo('delete'), image.digest)).status).toBe(404);
    },
    TIMEOUT,
  );

  it(
    'syncs a repository into another prefix, registry to registry and through a dir: tree',
    async () => {
      const source = repo('sync-src/app');
      const images: Record<string, BuiltImage> = {};
      for (const tag of ['1.0', '2.0']) {
        images[tag] = await buildOciLayout({
          dir: path.join(work, 'sync-layout'),
          tag,
          seed: `sync-${tag}-${nonce}`,
          layerSizes: [1000, 20_000],
        });
        await push(images[tag], 'sync-src/app', `:${tag}`);
      }
      const multi = await buildOciLayout({
        dir: path.join(work, 'sync-layout'),
        tag: 'multi',
        seed: `sync-multi-${nonce}`,
        layerSizes: [500],
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      await push(multi, 'sync-src/app', ':multi', true);
      const expected = { '1.0': images['1.0']!.digest, '2.0': images['2.0']!.digest, multi: multi.digest };

      const tagsOf = async (repository: string): Promise<Record<string, string | null>> => {
        const listed = JSON.parse(
          (await skopeo('list-tags', ...registryFlags(), `docker://${registry.host}/${repository}`)).stdout,
        );
        const digests: Record<string, string | null> = {};
        for (const tag of listed.Tags as string[]) {
          digests[tag] = (await getManifest(registry, repository, tag)).digest;
        }
        return digests;
      };
      const common = ['--all', '--preserve-digests', ...srcFlags(), ...destFlags()];

      await skopeo(
        'sync',
        '--src',
        'docker',
        '--dest',
        'docker',
        ...common,
        `${registry.host}/${source}`,
        `${registry.host}/${repo('mirror')}`,
      );
      expect(await tagsOf(repo('mirror/app'))).toEqual(expected);

      const tree = path.join(work, 'sync-tree');
      await skopeo('sync', '--src', 'docker', '--dest', 'dir', ...common, `${registry.host}/${source}`, tree);
      expect((await readdir(tree)).sort()).toEqual(['app:1.0', 'app:2.0', 'app:multi']);
      await skopeo(
        'sync',
        '--src',
        'dir',
        '--dest',
        'docker',
        ...common,
        tree,
        `${registry.host}/${repo('from-dir')}`,
      );
      expect(await tagsOf(repo('from-dir/app'))).toEqual(expected);
    },
    TIMEOUT,
  );
});

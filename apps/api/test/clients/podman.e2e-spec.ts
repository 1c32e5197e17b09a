// podman (as root, vfs storage in a temp dir) against a real registry: push an image loaded from
// an OCI layout, pull it back into an empty store, and check digests and unpacked file contents.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MediaType,
  buildOciLayout,
  getManifest,
  parseManifest,
  podmanEnv,
  sha256Digest,
  startRegistryUnderTest,
  type BuiltImage,
  type ClientEnv,
  type RegistryUnderTest,
} from '@berth/testing';
import { credsFlag, podmanLogin } from './credentials.js';

const TIMEOUT = 120_000;
const nonce = randomBytes(3).toString('hex');

let registry: RegistryUnderTest;
let clients: ClientEnv;
let work: string;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  await registry.createProject(`e2e-${nonce}`);
  clients = await podmanEnv();
  // into the isolated auth file: podman push and pull take their credentials from there
  await podmanLogin(clients, registry);
  // `podman pull oci:<dir>` names the image localhost/<dir>: the path must be lowercase
  work = path.join(tmpdir(), `berth-podman-${randomBytes(6).toString('hex')}`);
  await mkdir(work);
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await clients?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const repo = (name: string): string => `e2e-${nonce}/podman/${name}`;
const remote = (name: string, tag = '1'): string => `${registry.host}/${repo(name)}:${tag}`;
const podman = (...args: string[]) => clients.runOk('podman', args);
const configId = (image: BuiltImage): string => image.images[0]!.config.digest.slice('sha256:'.length);

/** Loads an OCI layout into podman's store and tags it for the registry; returns the image id. */
async function load(image: BuiltImage, target: string): Promise<string> {
  const id = (await podman('pull', '-q', image.reference)).stdout.trim();
  await podman('tag', id, target);
  return id;
}

/** `podman push --digestfile`: the digest of the manifest podman wrote. */
async function push(target: string, ...flags: string[]): Promise<string> {
  const digestFile = path.join(work, `digest-${randomBytes(4).toString('hex')}`);
  await podman('push', '--tls-verify=false', '--digestfile', digestFile, ...flags, target);
  return (await readFile(digestFile, 'utf8')).trim();
}

/** Reads the unpacked layer files of an image from podman's store (vfs: a plain directory). */
async function expectUnpacked(id: string, image: BuiltImage): Promise<void> {
  const root = (await podman('image', 'mount', id)).stdout.trim();
  try {
    for (const layer of image.images[0]!.layers) {
      expect(sha256Digest(await readFile(path.join(root, layer.file.path)))).toBe(layer.file.digest);
    }
  } finally {
    await podman('image', 'unmount', id);
  }
}

describe('podman', () => {
  it(
    'pushes an image loaded from an OCI layout and pulls it back with the same digest and contents',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'app'),
        tag: '1.0',
        seed: `podman-${nonce}`,
        layerSizes: [1024, 512 * 1024, 2 * 1024 * 1024],
      });
      const id = await load(image, remote('app'));
      expect(id).toBe(configId(image));
      const digest = await push(remote('app'));

      // podman recompresses the (uncompressed) layers it stores, so the digest is its own
      const manifest = await getManifest(registry, repo('app'), '1');
      expect(manifest).toMatchObject({ status: 200, contentType: MediaType.ociManifest, digest });
      expect(sha256Digest(manifest.body)).toBe(digest);
      const pushed = parseManifest(manifest.body);
      expect(pushed.config.digest).toBe(image.images[0]!.config.digest);
      expect(pushed.layers.map((layer) => layer.mediaType)).toEqual(Array(3).fill(MediaType.ociLayerGzip));

      await podman('rmi', '-f', id);
      expect((await clients.run('podman', ['image', 'exists', remote('app')])).code).toBe(1);
      await podman('pull', '-q', '--tls-verify=false', remote('app'));
      const inspected = JSON.parse((await podman('image', 'inspect', remote('app'))).stdout)[0];
      expect(inspected.Id).toBe(configId(image));
      expect(inspected.Digest).toBe(digest);
      expect(inspected.RepoDigests).toContain(`${registry.host}/${repo('app')}@${digest}`);
      await expectUnpacked(inspected.Id, image);
    },
    TIMEOUT,
  );

  it(
    'pushes Docker schema2 (--format v2s2) and zstd-compressed OCI layers, and pulls both back',
    async () => {
      // Two images: podman 4.3 reuses any compressed variant of a layer its blob-info cache
      // knows to be in the registry (ignoring --compression-format), so they must not share layers.
      const images: Record<string, BuiltImage> = {};
      for (const name of ['v2s2', 'zstd']) {
        images[name] = await buildOciLayout({
          dir: path.join(work, name),
          tag: '1.0',
          seed: `podman-${name}-${nonce}`,
          layerSizes: [4096, 100_000],
        });
      }
      const v2s2Id = await load(images.v2s2!, remote('v2s2'));
      const zstdId = await load(images.zstd!, remote('zstd'));

      const v2s2 = await push(remote('v2s2'), '--format', 'v2s2');
      const docker = await getManifest(registry, repo('v2s2'), '1');
      expect(docker).toMatchObject({ status: 200, contentType: MediaType.dockerManifest, digest: v2s2 });
      const dockerManifest = parseManifest(docker.body);
      expect(dockerManifest.config.mediaType).toBe(MediaType.dockerConfig);
      expect(dockerManifest.layers.map((layer) => layer.mediaType)).toEqual(
        Array(2).fill(MediaType.dockerLayerGzip),
      );

      const zstd = await push(remote('zstd'), '--compression-format', 'zstd');
      const zstdManifest = await getManifest(registry, repo('zstd'), '1');
      expect(zstdManifest).toMatchObject({ status: 200, contentType: MediaType.ociManifest, digest: zstd });
      expect(parseManifest(zstdManifest.body).layers.map((layer) => layer.mediaType)).toEqual(
        Array(2).fill('application/vnd.oci.image.layer.v1.tar+zstd'),
      );

      await podman('rmi', '-f', v2s2Id, zstdId);
      for (const [name, digest] of [
        ['v2s2', v2s2],
        ['zstd', zstd],
      ] as const) {
        await podman('pull', '-q', '--tls-verify=false', remote(name));
        const inspected = JSON.parse((await podman('image', 'inspect', remote(name))).stdout)[0];
        expect(inspected.Digest).toBe(digest);
        await expectUnpacked(inspected.Id, images[name]!);
      }
    },
    TIMEOUT,
  );

  it(
    'pulls the requested platform out of a multi-arch index',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'multi'),
        tag: '1.0',
        seed: `podman-multi-${nonce}`,
        layerSizes: [3000],
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      await clients.runOk('skopeo', [
        'copy',
        '--all',
        '--preserve-digests',
        '--dest-tls-verify=false',
        ...credsFlag(registry, '--dest-creds'),
        image.reference,
        `docker://${remote('multi')}`,
      ]);
      const arm64 = image.images.find((platform) => platform.platform === 'linux/arm64')!;
      await podman('pull', '-q', '--tls-verify=false', '--arch', 'arm64', remote('multi'));
      const inspected = JSON.parse((await podman('image', 'inspect', remote('multi'))).stdout)[0];
      expect(inspected.Architecture).toBe('arm64');
      expect(inspected.Id).toBe(arm64.config.digest.slice('sha256:'.length));
      // podman reports the index digest, and records both the index and the instance
      expect(inspected.Digest).toBe(image.digest);
      expect(inspected.RepoDigests).toEqual(
        expect.arrayContaining([
          `${registry.host}/${repo('multi')}@${image.digest}`,
          `${registry.host}/${repo('multi')}@${arm64.digest}`,
        ]),
      );
    },
    TIMEOUT,
  );
});

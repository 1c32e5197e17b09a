// The docker CLI without an engine: `docker manifest inspect|create|push --insecure` against a
// real registry (images are pushed with skopeo, since `docker push` needs a daemon).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MediaType,
  buildDockerDirImage,
  buildOciLayout,
  dockerEnv,
  getManifest,
  parseManifest,
  podmanEnv,
  sha256Digest,
  startRegistryUnderTest,
  type BuiltImage,
  type ClientEnv,
  type RegistryUnderTest,
} from '@berth/testing';
import { credsFlag, dockerLogin } from './credentials.js';

const TIMEOUT = 120_000;
const nonce = randomBytes(3).toString('hex');

let registry: RegistryUnderTest;
let containers: ClientEnv;
let docker: ClientEnv;
let work: string;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  containers = await podmanEnv();
  docker = await dockerEnv();
  await registry.createProject(`e2e-${nonce}`);
  // into the isolated DOCKER_CONFIG: `docker manifest` takes its credentials from there
  await dockerLogin(docker, registry);
  work = await mkdtemp(path.join(tmpdir(), 'berth-docker-cli-'));
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await containers?.cleanup();
  await docker?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const repo = (name: string): string => `e2e-${nonce}/docker/${name}`;
const ref = (name: string, tag: string): string => `${registry.host}/${repo(name)}:${tag}`;

async function push(image: BuiltImage, name: string, tag: string): Promise<void> {
  await containers.runOk('skopeo', [
    'copy',
    '--all',
    '--preserve-digests',
    '--dest-tls-verify=false',
    ...credsFlag(registry, '--dest-creds'),
    image.reference,
    `docker://${ref(name, tag)}`,
  ]);
}

describe('docker CLI', () => {
  it(
    'docker manifest inspect returns the pushed OCI manifest, and with -v its exact bytes',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'single'),
        tag: '1.0',
        seed: `docker-single-${nonce}`,
        layerSizes: [1000, 2000],
      });
      await push(image, 'single', '1.0');
      const plain = await docker.runOk('docker', ['manifest', 'inspect', '--insecure', ref('single', '1.0')]);
      expect(JSON.parse(plain.stdout)).toEqual(JSON.parse(image.manifest.toString()));

      const verbose = JSON.parse(
        (await docker.runOk('docker', ['manifest', 'inspect', '--insecure', '-v', ref('single', '1.0')]))
          .stdout,
      );
      expect(verbose.Ref).toBe(ref('single', '1.0'));
      expect(verbose.Descriptor).toMatchObject({
        mediaType: MediaType.ociManifest,
        digest: image.digest,
        size: image.size,
      });
      expect(Buffer.from(verbose.Raw, 'base64').equals(image.manifest)).toBe(true);

      const missing = await docker.run('docker', [
        'manifest',
        'inspect',
        '--insecure',
        ref('single', 'nope'),
      ]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/no such manifest/i);
    },
    TIMEOUT,
  );

  it(
    'docker manifest inspect returns a multi-arch OCI index, and with -v every platform manifest',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'multi'),
        tag: '1.0',
        seed: `docker-multi-${nonce}`,
        layerSizes: [1000],
        platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
      });
      await push(image, 'multi', '1.0');
      const plain = await docker.runOk('docker', ['manifest', 'inspect', '--insecure', ref('multi', '1.0')]);
      expect(JSON.parse(plain.stdout)).toEqual(JSON.parse(image.manifest.toString()));

      const verbose = JSON.parse(
        (await docker.runOk('docker', ['manifest', 'inspect', '--insecure', '-v', ref('multi', '1.0')]))
          .stdout,
      ) as Array<{ Descriptor: { digest: string; platform: { architecture: string } }; Raw: string }>;
      expect(verbose.map((entry) => entry.Descriptor.digest)).toEqual(image.images.map((i) => i.digest));
      expect(verbose.map((entry) => entry.Descriptor.platform.architecture)).toEqual([
        'amd64',
        'arm64',
        'arm',
      ]);
      for (const [i, entry] of verbose.entries()) {
        expect(Buffer.from(entry.Raw, 'base64').equals(image.images[i]!.manifest)).toBe(true);
      }
    },
    TIMEOUT,
  );

  it(
    'docker manifest create + push --insecure puts a Docker manifest list over two pushed images',
    async () => {
      const images: BuiltImage[] = [];
      for (const platform of ['linux/amd64', 'linux/arm64']) {
        const arch = platform.split('/')[1]!;
        const image = await buildDockerDirImage({
          dir: path.join(work, `list-${arch}`),
          seed: `docker-list-${arch}-${nonce}`,
          layerSizes: [1500],
          platform,
        });
        await push(image, 'list', arch);
        images.push(image);
      }
      await docker.runOk('docker', [
        'manifest',
        'create',
        '--insecure',
        ref('list', 'multi'),
        ref('list', 'amd64'),
        ref('list', 'arm64'),
      ]);
      const pushed = await docker.runOk('docker', ['manifest', 'push', '--insecure', ref('list', 'multi')]);
      const digest = pushed.stdout.trim().split('\n').pop()!;
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

      const list = await getManifest(registry, repo('list'), 'multi');
      expect(list).toMatchObject({ status: 200, contentType: MediaType.dockerManifestList, digest });
      expect(sha256Digest(list.body)).toBe(digest);
      const body = parseManifest(list.body);
      expect(body.mediaType).toBe(MediaType.dockerManifestList);
      expect(
        body.manifests.map((m) => ({
          mediaType: m.mediaType,
          digest: m.digest,
          size: m.size,
          platform: m.platform,
        })),
      ).toEqual([
        {
          mediaType: MediaType.dockerManifest,
          digest: images[0]!.digest,
          size: images[0]!.size,
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: MediaType.dockerManifest,
          digest: images[1]!.digest,
          size: images[1]!.size,
          platform: { architecture: 'arm64', os: 'linux' },
        },
      ]);
    },
    TIMEOUT,
  );
});

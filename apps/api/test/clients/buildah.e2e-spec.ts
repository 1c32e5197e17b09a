// buildah (as root, vfs storage in a temp dir) against a real registry: build an image from
// scratch without a Dockerfile, commit, push, and check what skopeo and a pull back see.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MediaType,
  getManifest,
  parseManifest,
  podmanEnv,
  seededBytes,
  sha256Digest,
  startRegistryUnderTest,
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
  work = await mkdtemp(path.join(tmpdir(), 'berth-buildah-'));
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await clients?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const repo = (name: string): string => `e2e-${nonce}/buildah/${name}`;
const buildah = (...args: string[]) => clients.runOk('buildah', args);

/** Builds an image from scratch holding one file; returns the local image name and the file. */
async function buildFromScratch(
  name: string,
  format: 'oci' | 'docker',
): Promise<{ local: string; content: Buffer }> {
  const content = seededBytes(`buildah-${name}-${nonce}`, 200_000);
  const file = path.join(work, `${name}.bin`);
  await writeFile(file, content);
  const container = (await buildah('from', '--name', `berth-${name}-${nonce}`, 'scratch')).stdout.trim();
  try {
    await buildah('copy', container, file, '/payload.bin');
    await buildah('config', '--label', `berth.e2e=${name}`, '--cmd', '/payload.bin', container);
    // fully qualified: a short name would make buildah update the global short-name alias cache
    const local = `localhost/${repo(name)}:1`;
    await buildah('commit', '--quiet', '--format', format, container, local);
    return { local, content };
  } finally {
    await buildah('rm', container);
  }
}

async function push(local: string, name: string): Promise<string> {
  const digestFile = path.join(work, `${name}.digest`);
  await buildah(
    'push',
    '--tls-verify=false',
    ...credsFlag(registry),
    '--digestfile',
    digestFile,
    local,
    `docker://${registry.host}/${repo(name)}:1`,
  );
  return (await readFile(digestFile, 'utf8')).trim();
}

describe('buildah', () => {
  it(
    'builds from scratch, commits, pushes; skopeo inspect and a pull back see the same image',
    async () => {
      const { local, content } = await buildFromScratch('scratch', 'oci');
      const digest = await push(local, 'scratch');

      const remote = `docker://${registry.host}/${repo('scratch')}:1`;
      const inspected = JSON.parse(
        (await clients.runOk('skopeo', ['inspect', '--tls-verify=false', ...credsFlag(registry), remote]))
          .stdout,
      );
      expect(inspected).toMatchObject({
        Name: `${registry.host}/${repo('scratch')}`,
        Digest: digest,
        RepoTags: ['1'],
        Labels: expect.objectContaining({ 'berth.e2e': 'scratch' }),
        Os: 'linux',
      });
      expect(inspected.Layers).toHaveLength(1);
      const raw = await clients.runOk('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        ...credsFlag(registry),
        remote,
      ]);
      expect(sha256Digest(raw.stdoutBytes)).toBe(digest);
      const manifest = await getManifest(registry, repo('scratch'), '1');
      expect(manifest).toMatchObject({ status: 200, contentType: MediaType.ociManifest, digest });

      // pull back into an empty store and read the file out of the image
      await buildah('rmi', '-f', local);
      await buildah(
        'pull',
        '--quiet',
        '--tls-verify=false',
        ...credsFlag(registry),
        `docker://${registry.host}/${repo('scratch')}:1`,
      );
      const container = (
        await buildah(
          'from',
          ...credsFlag(registry),
          '--name',
          `berth-check-${nonce}`,
          `${registry.host}/${repo('scratch')}:1`,
        )
      ).stdout.trim();
      try {
        const info = JSON.parse((await buildah('inspect', '--type', 'container', container)).stdout);
        expect(info.FromImageDigest).toBe(digest);
        const root = (await buildah('mount', container)).stdout.trim();
        expect((await readFile(path.join(root, 'payload.bin'))).equals(content)).toBe(true);
      } finally {
        await buildah('rm', container);
      }
    },
    TIMEOUT,
  );

  it(
    'pushes a Docker-format commit as a schema2 manifest',
    async () => {
      const { local } = await buildFromScratch('docker', 'docker');
      const digest = await push(local, 'docker');
      const manifest = await getManifest(registry, repo('docker'), '1');
      expect(manifest).toMatchObject({ status: 200, contentType: MediaType.dockerManifest, digest });
      const body = parseManifest(manifest.body);
      expect(body.config.mediaType).toBe(MediaType.dockerConfig);
      expect(body.layers.map((layer) => layer.mediaType)).toEqual([MediaType.dockerLayerGzip]);
      const inspected = JSON.parse(
        (
          await clients.runOk('skopeo', [
            'inspect',
            '--tls-verify=false',
            ...credsFlag(registry),
            `docker://${registry.host}/${repo('docker')}:1`,
          ])
        ).stdout,
      );
      expect(inspected.Digest).toBe(digest);
      expect(inspected.Labels).toMatchObject({ 'berth.e2e': 'docker' });
    },
    TIMEOUT,
  );
});

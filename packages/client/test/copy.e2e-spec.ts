// copyImage between a real Berth (Bearer tokens) and CNCF Distribution 2.8 (htpasswd Basic), both
// ways: whole multi-arch graphs with digests preserved, referrers, skipped and mounted blobs, and a
// 256 MiB layer streamed through this process with its RSS staying flat.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { digestOf, MediaType, type Digest } from '@berth/oci';
import {
  ociBlobPath,
  seededStream,
  startRegistryUnderTest,
  type BuiltImage,
  type RegistryUnderTest,
} from '@berth/testing';
import { createReadStream } from 'node:fs';
import { copyImage, RegistryClient } from '../src/index.js';
import { startDistribution, type DistributionRegistry } from './distribution.js';
import { multiArchImage, pushImage } from './fixtures.js';
import { pushReferrer, SBOM_TYPE } from './referrers.js';

jest.setTimeout(300_000);

const nonce = randomBytes(3).toString('hex');
const project = `copy-${nonce}`;
let berthRegistry: RegistryUnderTest;
let distribution: DistributionRegistry;
let berth: RegistryClient;
let dist: RegistryClient;

beforeAll(async () => {
  [berthRegistry, distribution] = await Promise.all([startRegistryUnderTest(), startDistribution()]);
  await berthRegistry.createProject(project);
  berth = new RegistryClient({ url: berthRegistry.url, credentials: berthRegistry.credentials! });
  dist = new RegistryClient({ url: distribution.url, credentials: distribution.credentials });
}, 120_000);

afterAll(async () => {
  await Promise.all([berthRegistry?.close(), distribution?.stop()]);
});

/** Every manifest of the graph is on `client` byte for byte, and every blob with its size. */
async function expectGraph(
  client: RegistryClient,
  repository: string,
  image: BuiltImage,
  tag: string,
): Promise<void> {
  const top = await client.getManifest(repository, tag);
  expect(top.digest).toBe(image.digest);
  expect(top.bytes.equals(image.manifest)).toBe(true);
  for (const platform of image.images) {
    expect((await client.getManifest(repository, platform.digest)).bytes.equals(platform.manifest)).toBe(
      true,
    );
    for (const blob of [platform.config, ...platform.layers]) {
      expect(await client.headBlob(repository, blob.digest)).toBe(blob.size);
    }
  }
}

const uniqueBlobs = (image: BuiltImage) =>
  new Set(
    image.images.flatMap((platform) => [platform.config, ...platform.layers].map((blob) => blob.digest)),
  ).size;

describe('copyImage', () => {
  it('copies a multi-arch index with a referrer from Berth to Distribution, digests preserved', async () => {
    const image = await multiArchImage(`b2d-${nonce}`);
    await pushImage(berth, `${project}/app`, image, 'v1');
    const subject = { digest: image.digest as Digest, size: image.size, mediaType: image.mediaType };
    const sbom = await pushReferrer(berth, `${project}/app`, subject, SBOM_TYPE, 'sbom');
    // The destination already has one layer: it must be skipped, not uploaded again.
    const layer = image.images[0]!.layers[0]!;
    await dist.pushBlob('mirror/app', layer.digest, layer.size, () =>
      createReadStream(ociBlobPath(image.dir, layer.digest)),
    );

    const result = await copyImage(berth, `${project}/app`, 'v1', dist, 'mirror/app', {
      includeReferrers: true,
    });

    expect(result).toMatchObject({
      digest: image.digest,
      mediaType: MediaType.OciIndex,
      blobsSkipped: 1,
      blobsMounted: 0,
      // the index, two image manifests, the SBOM
      manifestsCopied: 4,
    });
    // every image blob but the skipped one, plus the SBOM's empty config and payload
    expect(result.blobsCopied).toBe(uniqueBlobs(image) - 1 + 2);
    await expectGraph(dist, 'mirror/app', image, 'v1');
    expect(
      (await dist.referrers('mirror/app', image.digest, SBOM_TYPE)).map((entry) => entry.digest),
    ).toEqual([sbom]);

    const again = await copyImage(berth, `${project}/app`, 'v1', dist, 'mirror/app');
    expect(again).toMatchObject({
      digest: image.digest,
      blobsCopied: 0,
      manifestsCopied: 0,
      manifestsSkipped: 1,
      bytes: 0,
    });
  });

  it('copies a multi-arch index from Distribution to Berth under several tags', async () => {
    const image = await multiArchImage(`d2b-${nonce}`);
    await pushImage(dist, 'upstream/base', image, 'src', 100_000);
    const result = await copyImage(dist, 'upstream/base', 'src', berth, `${project}/base`, {
      tags: ['1.0', 'stable'],
      chunkSize: 128 * 1024,
    });
    expect(result).toMatchObject({
      digest: image.digest,
      blobsCopied: uniqueBlobs(image),
      blobsSkipped: 0,
      manifestsCopied: 3,
    });
    await expectGraph(berth, `${project}/base`, image, '1.0');
    expect((await berth.headManifest(`${project}/base`, 'stable'))?.digest).toBe(image.digest);
    expect(await berth.headManifest(`${project}/base`, 'src')).toBeUndefined();
  });

  it('mounts blobs instead of streaming them within one registry', async () => {
    const image = await multiArchImage(`mount-${nonce}`, [5000]);
    await pushImage(berth, `${project}/mount-src`, image, 'v1');
    const result = await copyImage(
      berth,
      `${project}/mount-src`,
      image.digest,
      berth,
      `${project}/mount-dst`,
    );
    expect(result).toMatchObject({
      blobsMounted: uniqueBlobs(image),
      blobsCopied: 0,
      bytes: 0,
      manifestsCopied: 3,
    });
    expect((await berth.getManifest(`${project}/mount-dst`, image.digest)).bytes.equals(image.manifest)).toBe(
      true,
    );
  });

  it('streams a 256 MiB layer from Berth to Distribution with this process RSS flat', async () => {
    const size = 256 * 1024 * 1024;
    const seed = `big-${nonce}`;
    const { digest } = await digestOfStream(seededStream(seed, size));
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: digestOf(config), size: config.length },
        layers: [{ mediaType: MediaType.OciLayerTar, digest, size }],
      }),
    );
    const repository = `${project}/big`;

    const push = await sampleRss(async () => {
      await berth.pushBlob(repository, digestOf(config), config.length, () => Readable.from([config]));
      await berth.pushBlob(repository, digest, size, () => seededStream(seed, size), {
        chunkSize: 16 * 1024 * 1024,
      });
      await berth.putManifest(repository, 'big', manifest, MediaType.OciManifest);
    });
    const copy = await sampleRss(() => copyImage(berth, repository, 'big', dist, 'mirror/big'));

    expect(copy.result).toMatchObject({
      digest: digestOf(manifest),
      blobsCopied: 2,
      bytes: size + config.length,
    });
    expect(await dist.headBlob('mirror/big', digest)).toBe(size);
    const growth = { pushMiB: push.growthMiB, copyMiB: copy.growthMiB };
    console.log(`256 MiB blob: RSS growth push ${growth.pushMiB} MiB, copy ${growth.copyMiB} MiB`);
    expect({ ...growth, flat: growth.pushMiB < 64 && growth.copyMiB < 64 }).toEqual({
      ...growth,
      flat: true,
    });
    // And pulled back from Distribution, the bytes are the ones pushed.
    expect((await digestOfStream(await dist.getBlob('mirror/big', digest))).digest).toBe(digest);
  });

  it('fails a copy whose source manifest is not there, naming the status', async () => {
    await expect(copyImage(berth, `${project}/app`, 'missing', dist, 'mirror/app')).rejects.toMatchObject({
      status: 404,
    });
  });
});

async function digestOfStream(stream: AsyncIterable<Uint8Array>): Promise<{ digest: Digest; bytes: number }> {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, bytes };
}

/** Runs `work` while sampling this process's RSS every 25 ms; growth is peak minus start. */
async function sampleRss<T>(work: () => Promise<T>): Promise<{ result: T; growthMiB: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growthMiB: Math.round((peak - start) / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

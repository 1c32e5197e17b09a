import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MediaType, buildDockerDirImage, buildOciLayout, parseManifest } from './oci-layout.js';
import { digestStream, seededBytes, seededStream, sha256Digest } from './seeded.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'oci-layout-spec-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const blobPath = (dir: string, digest: string): string => path.join(dir, 'blobs', 'sha256', digest.slice(7));

interface TarEntry {
  name: string;
  mode: number;
  size: number;
  type: string;
  content: Buffer;
}

/** A strict reader for what tarOneFile writes: checks every header checksum and the end marker. */
function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  for (;;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) {
      expect(tar.subarray(offset).every((byte) => byte === 0)).toBe(true);
      expect(tar.length - offset).toBe(1024);
      return entries;
    }
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('latin1')
        .replace(/[\0 ]+$/, '');
    const stored = parseInt(field(148, 8), 8);
    let sum = 0;
    header.forEach((byte, i) => (sum += i >= 148 && i < 156 ? 32 : byte));
    expect(stored).toBe(sum);
    expect(header.subarray(257, 265).toString('latin1')).toBe('ustar  \0');
    const size = parseInt(field(124, 12), 8);
    entries.push({
      name: field(0, 100),
      mode: parseInt(field(100, 8), 8),
      size,
      type: field(156, 1),
      content: tar.subarray(offset + 512, offset + 512 + size),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

describe('seeded bytes', () => {
  it('are the AES-256-CTR keystream of mkimage.sh (openssl enc -aes-256-ctr)', async () => {
    expect(seededBytes('demo', 32).toString('hex')).toBe(
      '11e8500abc1b60e92b746d6e2af4695a242a93b73a53cf13112324ab2eb5688f',
    );
    // across chunk boundaries, streamed
    expect(await digestStream(seededStream('demo', 3_000_000, 65_536))).toEqual({
      digest: 'sha256:366c035ff635b93a3eecc02e4aec043f035947657ebfdcd43516e0293df28201',
      bytes: 3_000_000,
    });
  });
});

describe('buildOciLayout', () => {
  it('is deterministic and byte-compatible with mkimage.sh', async () => {
    const options = { tag: '1.0', seed: 'demo', layerSizes: [1024, 65_536, 1_048_576] };
    const a = await buildOciLayout({ dir: path.join(work, 'a'), ...options });
    const b = await buildOciLayout({ dir: path.join(work, 'b'), ...options });
    const c = await buildOciLayout({ dir: path.join(work, 'c'), ...options, seed: 'other' });
    // `mkimage.sh -o DIR -t 1.0 -s demo 1K 64K 1M`
    expect(a.digest).toBe('sha256:045f73cab031336b466aed3c1a79d6381abc89c80bd6f1ce37344ac75931b865');
    expect(b.digest).toBe(a.digest);
    expect(c.digest).not.toBe(a.digest);
    expect(a.reference).toBe(`oci:${path.join(work, 'a')}:1.0`);
    expect(a.mediaType).toBe(MediaType.ociManifest);
    expect(a.blobs).toHaveLength(5); // 3 layers, config, manifest
    expect(await readFile(path.join(work, 'a', 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
    const index = JSON.parse(await readFile(path.join(work, 'a', 'index.json'), 'utf8'));
    expect(index).toEqual({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: a.digest,
          size: a.size,
          annotations: { 'org.opencontainers.image.ref.name': '1.0' },
        },
      ],
    });
    for (const digest of a.blobs) {
      expect(sha256Digest(await readFile(blobPath(a.dir, digest)))).toBe(digest);
    }
    expect(await readFile(blobPath(a.dir, a.digest))).toEqual(a.manifest);
    expect((await readdir(a.dir)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('writes layers as real tars of one seeded file, listed in the config diff_ids', async () => {
    const image = await buildOciLayout({
      dir: path.join(work, 'tar'),
      seed: 's',
      layerSizes: [0, 511, 512, 5000],
    });
    const [platform] = image.images;
    const config = JSON.parse(await readFile(blobPath(image.dir, platform!.config.digest), 'utf8'));
    expect(config.architecture).toBe('amd64');
    expect(config.os).toBe('linux');
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: platform!.layers.map((l) => l.digest) });
    for (const [i, layer] of platform!.layers.entries()) {
      const tar = await readFile(blobPath(image.dir, layer.digest));
      expect(layer.diffId).toBe(layer.digest);
      const entries = readTar(tar);
      expect(entries.map(({ name, mode, type, size }) => ({ name, mode, type, size }))).toEqual([
        { name: 'data/', mode: 0o755, type: '5', size: 0 },
        { name: `data/blob-${i}.bin`, mode: 0o644, type: '0', size: layer.file.size },
      ]);
      expect(sha256Digest(entries[1]!.content)).toBe(layer.file.digest);
      expect(entries[1]!.content).toEqual(seededBytes(`s/layer/${i}`, layer.file.size));
    }
  });

  it('gzips layers on request, with diff_ids of the uncompressed tar', async () => {
    const image = await buildOciLayout({
      dir: path.join(work, 'gz'),
      seed: 's',
      layerSizes: [5000],
      gzip: true,
    });
    const layer = image.images[0]!.layers[0]!;
    expect(layer.mediaType).toBe(MediaType.ociLayerGzip);
    const tar = gunzipSync(await readFile(blobPath(image.dir, layer.digest)));
    expect(sha256Digest(tar)).toBe(layer.diffId);
    expect(layer.diffId).toBe(
      (await buildOciLayout({ dir: path.join(work, 'plain'), seed: 's', layerSizes: [5000] })).images[0]!
        .layers[0]!.digest,
    );
  });

  it('builds a multi-arch index, with or without shared layers, and adds tags to an existing layout', async () => {
    const dir = path.join(work, 'multi');
    const platforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
    const multi = await buildOciLayout({ dir, tag: 'multi', seed: 'm', layerSizes: [100, 200], platforms });
    expect(multi.mediaType).toBe(MediaType.ociIndex);
    const index = parseManifest(multi.manifest);
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
      { architecture: 'arm', os: 'linux', variant: 'v7' },
    ]);
    expect(multi.blobs).toHaveLength(3 * 4 + 1);
    const shared = await buildOciLayout({
      dir,
      tag: 'shared',
      seed: 'm',
      layerSizes: [100, 200],
      platforms,
      sharedLayers: true,
    });
    expect(new Set(shared.images.map((i) => i.layers.map((l) => l.digest).join())).size).toBe(1);
    expect(new Set(shared.images.map((i) => i.config.digest)).size).toBe(3);
    expect(shared.blobs).toHaveLength(2 + 3 * 2 + 1);
    // re-tagging replaces the entry
    const single = await buildOciLayout({ dir, tag: 'multi', seed: 'x', layerSizes: [1] });
    const layoutIndex = parseManifest(await readFile(path.join(dir, 'index.json')));
    expect(
      layoutIndex.manifests.map((m) => [m.annotations?.['org.opencontainers.image.ref.name'], m.digest]),
    ).toEqual([
      ['shared', shared.digest],
      ['multi', single.digest],
    ]);
  });
});

describe('buildDockerDirImage', () => {
  it('writes a skopeo dir: directory with Docker schema2 media types', async () => {
    const dir = path.join(work, 'docker');
    const image = await buildDockerDirImage({ dir, seed: 'd', layerSizes: [10, 20] });
    expect(image.reference).toBe(`dir:${dir}`);
    expect(image.mediaType).toBe(MediaType.dockerManifest);
    expect(await readFile(path.join(dir, 'version'), 'utf8')).toBe('Directory Transport Version: 1.1\n');
    expect(await readFile(path.join(dir, 'manifest.json'))).toEqual(image.manifest);
    const manifest = parseManifest(image.manifest);
    expect(manifest.config.mediaType).toBe(MediaType.dockerConfig);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([
      MediaType.dockerLayerGzip,
      MediaType.dockerLayerGzip,
    ]);
    expect((await readdir(dir)).sort()).toEqual(
      [...image.blobs.map((d) => d.slice(7)), 'manifest.json', 'version'].sort(),
    );
    for (const digest of image.blobs) {
      expect(
        createHash('sha256')
          .update(await readFile(path.join(dir, digest.slice(7))))
          .digest('hex'),
      ).toBe(digest.slice(7));
    }
  });

  it('writes a manifest list with one <hex>.manifest.json per platform', async () => {
    const dir = path.join(work, 'docker-list');
    const image = await buildDockerDirImage({
      dir,
      seed: 'd',
      layerSizes: [10],
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(image.mediaType).toBe(MediaType.dockerManifestList);
    for (const platform of image.images) {
      expect(await readFile(path.join(dir, `${platform.digest.slice(7)}.manifest.json`))).toEqual(
        platform.manifest,
      );
    }
  });
});

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { seededChunks } from './seeded.js';

/**
 * Deterministic image fixtures for client tests, written without any shell tool:
 * an OCI image layout (`oci:` transport of skopeo/podman) or a skopeo `dir:` directory with
 * Docker schema2 media types. The same options always give the same digests. Layers are real
 * tar archives (a `data/` directory holding one `blob-<i>.bin` file of seeded bytes), so podman
 * and buildah can unpack them; configs carry `rootfs.diff_ids`.
 *
 * Uncompressed OCI output is byte-identical to the bench's `mkimage.sh` for the same seed and
 * sizes (gzip output differs: zlib and gzip(1) deflate differently).
 */

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Every manifest media type, for an `Accept` header that takes whatever was pushed. */
export const ALL_MANIFEST_TYPES = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface BuiltLayer extends Descriptor {
  /** sha256 of the uncompressed tar (what the config lists in rootfs.diff_ids). */
  diffId: string;
  /** The one file inside the layer, for checking what a client unpacked. */
  file: { path: string; size: number; digest: string };
}

export interface BuiltPlatformImage extends Descriptor {
  /** `os/arch[/variant]` */
  platform: string;
  /** Exact bytes of this image manifest. */
  manifest: Buffer;
  config: Descriptor;
  layers: BuiltLayer[];
}

export interface BuiltImage extends Descriptor {
  /** Transport reference for skopeo/podman/buildah: `oci:<dir>:<tag>` or `dir:<dir>`. */
  reference: string;
  dir: string;
  /** `org.opencontainers.image.ref.name` of the layout entry (OCI layouts only). */
  tag?: string;
  /** Exact bytes of the top-level manifest (single-arch) or index / manifest list (multi-arch). */
  manifest: Buffer;
  /** One image per platform; a single entry for a single-arch image. */
  images: BuiltPlatformImage[];
  /**
   * Every blob written, deduplicated, in write order: layers, configs and (OCI layout only,
   * since `dir:` keeps manifests outside its blob files) image manifests and the index.
   */
  blobs: string[];
}

export interface BuildOciLayoutOptions {
  /** Layout directory; created if missing. An existing layout gets the tag added (same tag replaced). */
  dir: string;
  tag?: string;
  /** Same seed (and options) → same digests. */
  seed: string;
  /** One layer per entry: a tar holding one file of that many seeded bytes. */
  layerSizes: number[];
  /** Given: one image per platform plus an OCI index over them (even for a single platform). */
  platforms?: string[];
  /** Platform of a single-arch image (default `linux/amd64`). */
  platform?: string;
  /** With `platforms`: every platform uses the same layers (only the configs differ). */
  sharedLayers?: boolean;
  /** `application/vnd.oci.image.layer.v1.tar+gzip` layers instead of plain tar. */
  gzip?: boolean;
}

export interface BuildDockerDirOptions {
  dir: string;
  seed: string;
  layerSizes: number[];
  /** Given: a Docker manifest list over one image per platform (instances as `<hex>.manifest.json`). */
  platforms?: string[];
  platform?: string;
  sharedLayers?: boolean;
}

interface Flavor {
  manifest: string;
  index: string;
  config: string;
  layer: string;
  gzip: boolean;
}

const OCI_REF_NAME = 'org.opencontainers.image.ref.name';
const DEFAULT_PLATFORM = 'linux/amd64';

export async function buildOciLayout(options: BuildOciLayoutOptions): Promise<BuiltImage> {
  const dir = path.resolve(options.dir);
  const tag = options.tag ?? 'latest';
  const blobDir = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  if (!(await exists(path.join(dir, 'oci-layout')))) {
    await writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  }
  const gzip = options.gzip ?? false;
  const flavor: Flavor = {
    manifest: MediaType.ociManifest,
    index: MediaType.ociIndex,
    config: MediaType.ociConfig,
    layer: gzip ? MediaType.ociLayerGzip : MediaType.ociLayer,
    gzip,
  };
  const writer = new BlobWriter(blobDir, dir);
  try {
    const top = await buildImages(writer, flavor, options, true);
    const indexPath = path.join(dir, 'index.json');
    const index = (await exists(indexPath))
      ? (JSON.parse(await readFile(indexPath, 'utf8')) as {
          schemaVersion: number;
          manifests: Array<Record<string, unknown>>;
        })
      : { schemaVersion: 2, manifests: [] };
    index.manifests = index.manifests.filter(
      (entry) => (entry.annotations as Record<string, string> | undefined)?.[OCI_REF_NAME] !== tag,
    );
    index.manifests.push({
      mediaType: top.mediaType,
      digest: top.digest,
      size: top.size,
      annotations: { [OCI_REF_NAME]: tag },
    });
    await writeFile(indexPath, JSON.stringify(index));
    return { ...top, reference: `oci:${dir}:${tag}`, dir, tag, blobs: writer.written };
  } finally {
    await writer.dispose();
  }
}

/**
 * A skopeo `dir:` transport directory (`manifest.json`, `<hex>` blobs, `version`) with Docker
 * schema2 media types and gzip layers. Copy it with `skopeo copy --preserve-digests dir:<dir> …`
 * (and `--all` for a manifest list). containers/image ignores Docker media types inside an OCI
 * layout's index.json, which is why Docker-typed fixtures use this transport.
 */
export async function buildDockerDirImage(options: BuildDockerDirOptions): Promise<BuiltImage> {
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  const flavor: Flavor = {
    manifest: MediaType.dockerManifest,
    index: MediaType.dockerManifestList,
    config: MediaType.dockerConfig,
    layer: MediaType.dockerLayerGzip,
    gzip: true,
  };
  const writer = new BlobWriter(dir, dir);
  try {
    const top = await buildImages(writer, flavor, options, false);
    if (options.platforms) {
      for (const image of top.images) {
        await writeFile(path.join(dir, `${hex(image.digest)}.manifest.json`), image.manifest);
      }
    }
    await writeFile(path.join(dir, 'manifest.json'), top.manifest);
    return { ...top, reference: `dir:${dir}`, dir, blobs: writer.written };
  } finally {
    await writer.dispose();
  }
}

type Top = Omit<BuiltImage, 'reference' | 'dir' | 'tag' | 'blobs'>;

async function buildImages(
  writer: BlobWriter,
  flavor: Flavor,
  options: BuildDockerDirOptions,
  manifestsAreBlobs: boolean,
): Promise<Top> {
  const { seed, layerSizes, platforms } = options;
  for (const size of layerSizes) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad layer size ${size}`);
  }
  if (!platforms) {
    const image = await buildImage(
      writer,
      flavor,
      options.platform ?? DEFAULT_PLATFORM,
      seed,
      seed,
      layerSizes,
    );
    if (manifestsAreBlobs) await writer.putBytes(image.manifest);
    const { platform: _platform, ...descriptor } = image;
    return { ...descriptor, images: [image] };
  }
  if (platforms.length === 0) throw new RangeError('platforms must not be empty');
  const images: BuiltPlatformImage[] = [];
  for (const platform of platforms) {
    const layerSeed = options.sharedLayers ? seed : `${seed}/${platform}`;
    const image = await buildImage(writer, flavor, platform, seed, layerSeed, layerSizes);
    if (manifestsAreBlobs) await writer.putBytes(image.manifest);
    images.push(image);
  }
  const index = {
    schemaVersion: 2,
    mediaType: flavor.index,
    manifests: images.map((image) => ({
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.size,
      platform: platformObject(image.platform),
    })),
  };
  const bytes = Buffer.from(JSON.stringify(index));
  const descriptor = manifestsAreBlobs
    ? await writer.putBytes(bytes)
    : { digest: digestOf(bytes), size: bytes.length };
  return { mediaType: flavor.index, ...descriptor, manifest: bytes, images };
}

async function buildImage(
  writer: BlobWriter,
  flavor: Flavor,
  platform: string,
  seed: string,
  layerSeed: string,
  layerSizes: number[],
): Promise<BuiltPlatformImage> {
  const layers: BuiltLayer[] = [];
  for (const [i, size] of layerSizes.entries()) {
    layers.push(await writer.putLayer(flavor, `${layerSeed}/layer/${i}`, i, size));
  }
  const config = {
    created: '1970-01-01T00:00:00Z',
    ...platformObject(platform),
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
      Labels: { 'mkimage.seed': seed },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: layerSizes.map((size, i) => ({
      created: '1970-01-01T00:00:00Z',
      created_by: `mkimage.sh layer ${i} size=${size} seed=${layerSeed}`,
    })),
  };
  const configDescriptor = {
    mediaType: flavor.config,
    ...(await writer.putBytes(Buffer.from(JSON.stringify(config)))),
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: flavor.manifest,
    config: configDescriptor,
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return {
    platform,
    mediaType: flavor.manifest,
    digest: digestOf(bytes),
    size: bytes.length,
    manifest: bytes,
    config: configDescriptor,
    layers,
  };
}

/** `{architecture, os, variant?}` in the key order of the image spec (and of mkimage.sh's jq). */
function platformObject(platform: string): { architecture: string; os: string; variant?: string } {
  const [os, architecture, variant] = platform.split('/');
  if (!os || !architecture) throw new RangeError(`bad platform ${platform} (want os/arch[/variant])`);
  return variant ? { architecture, os, variant } : { architecture, os };
}

/** Writes content-addressed files into one directory, each at most once. */
class BlobWriter {
  readonly written: string[] = [];
  private tmp: string | undefined;

  constructor(
    private readonly blobDir: string,
    private readonly root: string,
  ) {}

  async putBytes(bytes: Buffer): Promise<{ digest: string; size: number }> {
    const digest = digestOf(bytes);
    const target = path.join(this.blobDir, hex(digest));
    if (!(await exists(target))) await writeFile(target, bytes, { mode: 0o644 });
    this.record(digest);
    return { digest, size: bytes.length };
  }

  async putLayer(flavor: Flavor, seed: string, index: number, size: number): Promise<BuiltLayer> {
    this.tmp ??= await mkdtemp(path.join(this.root, '.tmp-'));
    const file = path.join(this.tmp, `layer-${index}`);
    const payloadHash = createHash('sha256');
    const diffHash = createHash('sha256');
    const blobHash = createHash('sha256');
    let blobSize = 0;
    const entryPath = `data/blob-${index}.bin`;
    const source = Readable.from(tarOneFile(entryPath, size, seededPayload(seed, size, payloadHash)));
    const diffTap = tap((chunk) => diffHash.update(chunk));
    const blobTap = tap((chunk) => {
      blobHash.update(chunk);
      blobSize += chunk.length;
    });
    const sink = createWriteStream(file, { mode: 0o644 });
    if (flavor.gzip) await pipeline(source, diffTap, createGzip({ level: 1 }), blobTap, sink);
    else await pipeline(source, diffTap, blobTap, sink);
    const digest = `sha256:${blobHash.digest('hex')}`;
    const target = path.join(this.blobDir, hex(digest));
    if (await exists(target)) await rm(file);
    else await rename(file, target);
    this.record(digest);
    return {
      mediaType: flavor.layer,
      digest,
      size: blobSize,
      diffId: `sha256:${diffHash.digest('hex')}`,
      file: { path: entryPath, size, digest: `sha256:${payloadHash.digest('hex')}` },
    };
  }

  async dispose(): Promise<void> {
    if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
  }

  private record(digest: string): void {
    if (!this.written.includes(digest)) this.written.push(digest);
  }
}

function* seededPayload(seed: string, size: number, hash: ReturnType<typeof createHash>): Generator<Buffer> {
  for (const chunk of seededChunks(seed, size)) {
    hash.update(chunk);
    yield chunk;
  }
}

function tap(onChunk: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onChunk(chunk);
      callback(null, chunk);
    },
  });
}

const BLOCK = 512;

/**
 * A GNU-format tar (as `tar --format=gnu --blocking-factor=1 --numeric-owner --owner=0
 * --group=0 --mtime=@0` writes it) of a directory `data/` (0755) and one file (0644).
 */
export function* tarOneFile(entryPath: string, size: number, content: Iterable<Buffer>): Generator<Buffer> {
  const dirName = `${path.posix.dirname(entryPath)}/`;
  yield tarHeader(dirName, 0o755, 0, '5');
  yield tarHeader(entryPath, 0o644, size, '0');
  let written = 0;
  for (const chunk of content) {
    written += chunk.length;
    yield chunk;
  }
  if (written !== size) throw new Error(`tar entry ${entryPath}: wrote ${written} of ${size} bytes`);
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  yield Buffer.alloc(pad + 2 * BLOCK);
}

function tarHeader(name: string, mode: number, size: number, type: '0' | '5'): Buffer {
  if (Buffer.byteLength(name) > 100) throw new RangeError(`tar name too long: ${name}`);
  if (size >= 8 ** 11) throw new RangeError(`tar entry too large for an octal size field: ${size}`);
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 'utf8');
  header.write(octal(mode, 7), 100);
  header.write(octal(0, 7), 108); // uid
  header.write(octal(0, 7), 116); // gid
  header.write(octal(size, 11), 124);
  header.write(octal(0, 11), 136); // mtime
  header.write('        ', 148); // checksum placeholder
  header.write(type, 156);
  header.write('ustar  \0', 257); // GNU magic + version
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

function octal(value: number, digits: number): string {
  return `${value.toString(8).padStart(digits, '0')}\0`;
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function hex(digest: string): string {
  const [algorithm, encoded] = digest.split(':');
  if (algorithm !== 'sha256' || !encoded) throw new Error(`unexpected digest ${digest}`);
  return encoded;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Path of a blob inside an OCI image layout. */
export function ociBlobPath(layoutDir: string, digest: string): string {
  return path.join(layoutDir, 'blobs', 'sha256', hex(digest));
}

/** The `index.json` entries of an OCI image layout, with their tags. */
export async function readOciLayoutIndex(
  layoutDir: string,
): Promise<Array<Descriptor & { tag: string | undefined; annotations?: Record<string, string> }>> {
  const index = JSON.parse(await readFile(path.join(layoutDir, 'index.json'), 'utf8')) as {
    manifests: Array<Descriptor & { annotations?: Record<string, string> }>;
  };
  return index.manifests.map((entry) => ({ ...entry, tag: entry.annotations?.[OCI_REF_NAME] }));
}

/** The fields tests look at in an image manifest, index or manifest list. */
export interface ManifestDocument {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  manifests: Array<
    Descriptor & {
      platform?: { architecture: string; os: string; variant?: string };
      annotations?: Record<string, string>;
    }
  >;
  annotations?: Record<string, string>;
}

/** Parses manifest bytes; `layers` and `manifests` default to [] so either kind can be mapped over. */
export function parseManifest(bytes: Buffer | string): ManifestDocument {
  const parsed = JSON.parse(bytes.toString()) as Partial<ManifestDocument>;
  return { layers: [], manifests: [], ...parsed } as ManifestDocument;
}

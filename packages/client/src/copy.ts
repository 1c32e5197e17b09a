import { PassThrough, pipeline, type Readable } from 'node:stream';
import {
  isDigest,
  isRegistryError,
  parseManifest,
  type Digest,
  type ManifestReference,
  type ParsedManifest,
} from '@berth/oci';
import { RegistryClientError } from './errors.js';
import { type Manifest } from './manifests.js';
import { type RegistryClient } from './registry-client.js';
import { bucketForKibPerSecond, ThrottleStream, type TokenBucket } from './throttle.js';

export interface CopyImageOptions {
  /**
   * Tags to set on the destination once the whole graph is there. Default: `[reference]` when
   * `reference` is a tag, none when it is a digest.
   */
  tags?: string[];
  /** Also copy the referrers (signatures, SBOMs…) of every manifest copied, recursively. Default false. */
  includeReferrers?: boolean;
  /**
   * Skip blobs and manifests the destination already has (HEAD first). Default true. When
   * false, everything is uploaded again (the registry deduplicates by digest).
   */
  skipExisting?: boolean;
  /** Chunk size for blob uploads; default monolithic. */
  chunkSize?: number;
  /**
   * At most this many KiB per second of blob bytes for the whole copy (one token bucket shared
   * by every blob); default unlimited. Manifests are small and not counted.
   */
  bandwidthLimitKbps?: number;
}

export interface CopyImageResult {
  /** Digest of the top-level manifest or index: the same on both sides. */
  digest: Digest;
  mediaType: string;
  /** Blobs streamed from source to destination. */
  blobsCopied: number;
  /** Blobs the destination already had. */
  blobsSkipped: number;
  /** Blobs linked by a cross-repository mount (same registry). */
  blobsMounted: number;
  /** Manifests pushed (indexes, image manifests, referrers). */
  manifestsCopied: number;
  /** Manifests the destination already had. */
  manifestsSkipped: number;
  /** Blob bytes streamed (mounted and skipped blobs do not count). */
  bytes: number;
}

/**
 * Copies an image (or index, or artifact) with its whole graph from `src`/`srcRepo` to
 * `dst`/`dstRepo`, digests preserved: manifests are pushed byte for byte, children before
 * parents (blobs, then image manifests, then the index, then tags), so the destination never
 * holds a manifest whose references are missing. Blobs stream from source to destination and
 * are never held whole in memory; on the same registry they are mounted instead. A source
 * blob whose bytes do not match its digest fails the copy (the destination verifies too).
 */
export async function copyImage(
  src: RegistryClient,
  srcRepo: string,
  reference: string,
  dst: RegistryClient,
  dstRepo: string,
  options: CopyImageOptions = {},
): Promise<CopyImageResult> {
  const copier = new GraphCopier(src, srcRepo, dst, dstRepo, options);
  const top = await src.getManifest(srcRepo, reference);
  await copier.copyManifest(top);
  const tags = options.tags ?? (isDigest(reference) ? [] : [reference]);
  for (const tag of tags) await dst.putManifest(dstRepo, tag, top.bytes, top.mediaType);
  return { digest: top.digest, mediaType: top.mediaType, ...copier.stats };
}

class GraphCopier {
  readonly stats = {
    blobsCopied: 0,
    blobsSkipped: 0,
    blobsMounted: 0,
    manifestsCopied: 0,
    manifestsSkipped: 0,
    bytes: 0,
  };
  private readonly manifests = new Set<string>();
  private readonly blobs = new Set<string>();
  private readonly skipExisting: boolean;
  private readonly sameRegistry: boolean;
  private readonly bucket: TokenBucket | undefined;

  constructor(
    private readonly src: RegistryClient,
    private readonly srcRepo: string,
    private readonly dst: RegistryClient,
    private readonly dstRepo: string,
    private readonly options: CopyImageOptions,
  ) {
    this.skipExisting = options.skipExisting ?? true;
    this.sameRegistry = src.sameRegistry(dst);
    const limit = options.bandwidthLimitKbps;
    this.bucket = limit !== undefined && limit > 0 ? bucketForKibPerSecond(limit) : undefined;
  }

  /** Copies one manifest after everything it references; then its referrers, if asked. */
  async copyManifest(manifest: Manifest): Promise<void> {
    if (this.manifests.has(manifest.digest)) return;
    this.manifests.add(manifest.digest);
    const present =
      this.skipExisting && (await this.dst.headManifest(this.dstRepo, manifest.digest)) !== undefined;
    // A present manifest implies its graph is present; only referrers may be missing below it.
    if (!present || this.options.includeReferrers) {
      const parsed = parse(manifest);
      for (const child of parsed.references.filter((entry) => entry.kind === 'manifest')) {
        await this.copyManifest(await this.src.getManifest(this.srcRepo, child.digest));
      }
      if (!present) {
        for (const blob of parsed.references.filter((entry) => entry.kind !== 'manifest' && entry.required)) {
          await this.copyBlob(blob);
        }
        await this.dst.putManifest(this.dstRepo, manifest.digest, manifest.bytes, manifest.mediaType);
      }
    }
    if (present) this.stats.manifestsSkipped += 1;
    else this.stats.manifestsCopied += 1;
    if (this.options.includeReferrers) {
      for (const referrer of await this.src.referrers(this.srcRepo, manifest.digest)) {
        await this.copyManifest(await this.src.getManifest(this.srcRepo, referrer.digest));
      }
    }
  }

  private async copyBlob(blob: ManifestReference): Promise<void> {
    if (this.blobs.has(blob.digest)) return;
    this.blobs.add(blob.digest);
    if (this.skipExisting && (await this.dst.blobExists(this.dstRepo, blob.digest))) {
      this.stats.blobsSkipped += 1;
      return;
    }
    const result = await this.dst.pushBlob(
      this.dstRepo,
      blob.digest,
      blob.size,
      () => lazyBlob(this.src, this.srcRepo, blob.digest, blob.size, this.bucket),
      {
        ...(this.options.chunkSize !== undefined && { chunkSize: this.options.chunkSize }),
        ...(this.sameRegistry && this.srcRepo !== this.dstRepo && { mountFrom: this.srcRepo }),
      },
    );
    if (result.mounted) {
      this.stats.blobsMounted += 1;
    } else {
      this.stats.blobsCopied += 1;
      this.stats.bytes += blob.size;
    }
  }
}

/**
 * A stream that is the source blob once its GET answered (upload bodies are opened
 * synchronously), metered by `bucket` when there is a bandwidth limit.
 */
function lazyBlob(
  src: RegistryClient,
  repository: string,
  digest: Digest,
  size: number,
  bucket: TokenBucket | undefined,
): Readable {
  const out = bucket ? new ThrottleStream(bucket) : new PassThrough();
  src.getBlob(repository, digest, { size }).then(
    (blob) => pipeline(blob, out, () => undefined),
    (error: unknown) => out.destroy(error as Error),
  );
  return out;
}

function parse(manifest: Manifest): ParsedManifest {
  try {
    return parseManifest(manifest.bytes, manifest.mediaType);
  } catch (error) {
    if (!isRegistryError(error)) throw error;
    throw new RegistryClientError(`source manifest ${manifest.digest} cannot be copied: ${error.message}`, {
      status: 0,
      code: error.code,
    });
  }
}

import { InvalidPathError } from './errors.js';

/**
 * The registry's storage layout: every driver path Berth writes is built here, after
 * Distribution's `registry/storage/paths.go`. Pure functions of validated input, so the tree
 * below is the whole truth about what lives in the storage root.
 *
 *   /
 *   ├── blobs/                  blobsRoot()
 *   │   ├── sha256/
 *   │   │   └── <hex[0:2]>/     256 buckets keep each directory small
 *   │   │       └── <hex>/      blobDir(digest)
 *   │   │           └── data    blobDataPath(digest): the content, immutable
 *   │   └── sha512/
 *   │       └── …               same shape, 128 hex characters
 *   └── uploads/                uploadsRoot()
 *       └── <upload id>/        uploadDir(uploadId)
 *           └── data            uploadDataPath(uploadId): bytes received so far
 *
 * A blob lives in its own directory rather than as a bare file so that later per-blob files can
 * sit beside `data` without a migration. An upload is moved onto `blobDataPath` once its digest
 * is verified, then its directory is deleted.
 *
 * Digests and upload ids come straight from clients. They are validated here, before any
 * path is built, with `InvalidPathError`; the driver's path check is the second line.
 */

/** Digest algorithms the layout can store, with the length of their lowercase hex encoding. */
const HEX_LENGTH = { sha256: 64, sha512: 128 } as const;

type BlobAlgorithm = keyof typeof HEX_LENGTH;

const LOWER_HEX = /^[0-9a-f]+$/;
const UPLOAD_ID = /^[A-Za-z0-9-]{8,64}$/;

/** `/blobs`: the parent of every blob, for garbage collection walks. */
export function blobsRoot(): string {
  return '/blobs';
}

/** `/blobs/<algorithm>/<hex[0:2]>/<hex>`: everything stored for one blob. */
export function blobDir(digest: string): string {
  const { algorithm, hex } = parseBlobDigest(digest);
  return `${blobsRoot()}/${algorithm}/${hex.slice(0, 2)}/${hex}`;
}

/**
 * `/blobs/<algorithm>/<hex[0:2]>/<hex>/data` for `<algorithm>:<hex>`. Only `sha256` (64 hex
 * characters) and `sha512` (128) are accepted, lowercase only: one digest must map to exactly
 * one path, or deduplication and garbage collection would disagree about what exists.
 */
export function blobDataPath(digest: string): string {
  return `${blobDir(digest)}/data`;
}

/** `/uploads`: the parent of every upload in progress, for stale-upload sweeps. */
export function uploadsRoot(): string {
  return '/uploads';
}

/** `/uploads/<id>`: everything stored for one upload session. `[A-Za-z0-9-]{8,64}` ids only. */
export function uploadDir(uploadId: string): string {
  if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) {
    throw new InvalidPathError(String(uploadId), 'upload id must match [A-Za-z0-9-]{8,64}');
  }
  return `${uploadsRoot()}/${uploadId}`;
}

/** `/uploads/<id>/data`: the bytes of an upload received so far. */
export function uploadDataPath(uploadId: string): string {
  return `${uploadDir(uploadId)}/data`;
}

function parseBlobDigest(digest: string): { algorithm: BlobAlgorithm; hex: string } {
  // Untyped callers (parsed JSON, query strings) must not get past the check by accident.
  if (typeof digest !== 'string') throw new InvalidPathError(String(digest), 'digest is not a string');
  const separator = digest.indexOf(':');
  const algorithm = digest.slice(0, separator);
  const hex = digest.slice(separator + 1);
  if (separator < 0 || !isBlobAlgorithm(algorithm)) {
    throw new InvalidPathError(digest, 'digest algorithm must be sha256 or sha512');
  }
  if (hex.length !== HEX_LENGTH[algorithm] || !LOWER_HEX.test(hex)) {
    throw new InvalidPathError(
      digest,
      `${algorithm} digest must be ${HEX_LENGTH[algorithm]} lowercase hex characters`,
    );
  }
  return { algorithm, hex };
}

function isBlobAlgorithm(value: string): value is BlobAlgorithm {
  // Own keys only: `constructor:…` or `__proto__:…` must not look like an algorithm.
  return Object.hasOwn(HEX_LENGTH, value);
}

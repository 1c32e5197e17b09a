import { type Readable } from 'node:stream';
import { type Digest } from '@berth/oci';
import { repositoryScope } from './auth.js';
import { ByteReader } from './byte-reader.js';
import { discard, RegistryClientError } from './errors.js';
import { isRetryableError } from './retry.js';
import { checkDigest, repositoryPath } from './paths.js';
import { type Transport, type TransportResponse } from './transport.js';

/** Opens the blob's content from its first byte; called again when an upload must restart. */
export type BlobSource = () => Readable;

export interface PushBlobOptions {
  /**
   * Upload in PATCH chunks of this many bytes (Content-Range, one request each). Without it, or
   * when the blob fits in one chunk, the upload is monolithic: POST, then one PUT with the body.
   */
  chunkSize?: number;
  /** Try a cross-repository mount from this repository of the same registry first. */
  mountFrom?: string;
  /** How often a chunked upload may resume after a 416 or a network failure. Default 5. */
  maxResumes?: number;
}

export interface PushBlobResult {
  digest: Digest;
  size: number;
  /** True when the registry mounted the blob from `mountFrom` (nothing was uploaded). */
  mounted: boolean;
}

const OCTET_STREAM = 'application/octet-stream';

function pushScopes(repository: string, from?: string): string[] {
  return [repositoryScope(repository, 'pull', 'push'), ...(from ? [repositoryScope(from, 'pull')] : [])];
}

/** The upload URL of an answer (relative Locations resolve against the URL that answered). */
function locationOf(answer: TransportResponse): URL {
  const location = answer.response.headers.get('location');
  if (!location) {
    throw new RegistryClientError(`${answer.response.status} answer without a Location header`, {
      status: answer.response.status,
      code: 'UNEXPECTED_RESPONSE',
      url: answer.url,
    });
  }
  return new URL(location, answer.url);
}

/** Opens an upload session, or mounts `digest` from `from` when given. */
async function startUpload(
  transport: Transport,
  repository: string,
  mount?: { digest: Digest; from: string },
): Promise<{ mounted: boolean; location: URL }> {
  const url = transport.resolve(`${repositoryPath(repository, 'blobs', 'uploads')}/`);
  if (mount) {
    url.searchParams.set('mount', mount.digest);
    url.searchParams.set('from', mount.from);
  }
  const answer = await transport.send({
    method: 'POST',
    url,
    scopes: pushScopes(repository, mount?.from),
    headers: { 'content-length': '0' },
    ok: [201, 202],
  });
  await discard(answer.response);
  return { mounted: answer.response.status === 201, location: locationOf(answer) };
}

/**
 * Cross-repository mount (`POST …/blobs/uploads/?mount=<digest>&from=<repo>`). True when the
 * registry linked the blob (201). Otherwise (202: it opened an upload session instead, e.g.
 * no pull access to `from`, or no such blob there) the session is cancelled and false returned.
 */
export async function mountBlob(
  transport: Transport,
  repository: string,
  digest: string,
  from: string,
): Promise<boolean> {
  const started = await startUpload(transport, repository, { digest: checkDigest(digest), from });
  if (!started.mounted) await cancelUpload(transport, repository, started.location);
  return started.mounted;
}

/** Cancels an upload session; a session that is already gone is fine. */
export async function cancelUpload(transport: Transport, repository: string, location: URL): Promise<void> {
  try {
    const answer = await transport.send({
      method: 'DELETE',
      url: location,
      scopes: pushScopes(repository),
      ok: [200, 202, 204, 404],
    });
    await discard(answer.response);
  } catch {
    // Best effort: an abandoned session expires on the registry's side.
  }
}

/**
 * Uploads a blob of known size and digest: mounted when `mountFrom` has it, else monolithic
 * (POST + PUT) or chunked (POST + PATCH… + PUT) as `chunkSize` says. The content streams from
 * `open()` and is never held whole; a chunked upload that hits 416 or a network failure asks
 * the registry where it stands (GET on the session) and resumes there, reopening the source.
 * The registry verifies the digest; its `Docker-Content-Digest`, when sent, must match.
 */
export async function pushBlob(
  transport: Transport,
  repository: string,
  digest: string,
  size: number,
  open: BlobSource,
  options: PushBlobOptions = {},
): Promise<PushBlobResult> {
  const expected = checkDigest(digest);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RegistryClientError(`invalid blob size ${size}`, { status: 0, code: 'SIZE_INVALID' });
  }
  const mount =
    options.mountFrom && options.mountFrom !== repository
      ? { digest: expected, from: options.mountFrom }
      : undefined;
  const started = await startUpload(transport, repository, mount);
  if (started.mounted) return { digest: expected, size, mounted: true };
  const chunkSize = options.chunkSize;
  try {
    let location = started.location;
    if (chunkSize !== undefined && chunkSize > 0 && size > chunkSize) {
      location = await uploadChunks(
        transport,
        repository,
        location,
        size,
        open,
        chunkSize,
        options.maxResumes ?? 5,
      );
      await finish(transport, repository, location, expected, 0, () => Buffer.alloc(0));
    } else {
      await finish(transport, repository, location, expected, size, open);
    }
  } catch (error) {
    await cancelUpload(transport, repository, started.location);
    throw error;
  }
  return { digest: expected, size, mounted: false };
}

/** The closing PUT `?digest=`, with the rest of the content (all of it, for a monolithic upload). */
async function finish(
  transport: Transport,
  repository: string,
  location: URL,
  digest: Digest,
  length: number,
  body: () => Buffer | Readable,
): Promise<void> {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  const answer = await transport.send({
    method: 'PUT',
    url,
    scopes: pushScopes(repository),
    headers: { 'content-type': OCTET_STREAM, 'content-length': String(length) },
    body,
    ok: [201, 204],
  });
  await discard(answer.response);
  const returned = answer.response.headers.get('docker-content-digest');
  if (returned && returned !== digest) {
    throw new RegistryClientError(`the registry stored ${returned}, expected ${digest}`, {
      status: answer.response.status,
      code: 'DIGEST_MISMATCH',
      method: 'PUT',
      url: answer.url,
    });
  }
}

/** PATCHes `[0, size)` in chunks; returns the session URL for the closing PUT. */
async function uploadChunks(
  transport: Transport,
  repository: string,
  start: URL,
  size: number,
  open: BlobSource,
  chunkSize: number,
  maxResumes: number,
): Promise<URL> {
  let location = start;
  let offset = 0;
  let resumes = 0;
  let reader: ByteReader | undefined;
  // The body of one PATCH: the source positioned at `from` (reopened when it is elsewhere).
  const chunk = (from: number, length: number) =>
    async function* (): AsyncGenerator<Buffer> {
      if (!reader || reader.position !== from) {
        reader?.destroy();
        reader = new ByteReader(open());
        await reader.skip(from);
      }
      yield* reader.take(length);
    };
  try {
    while (offset < size) {
      const length = Math.min(chunkSize, size - offset);
      try {
        const answer = await transport.send({
          method: 'PATCH',
          url: location,
          scopes: pushScopes(repository),
          headers: {
            'content-type': OCTET_STREAM,
            'content-length': String(length),
            'content-range': `${offset}-${offset + length - 1}`,
          },
          body: chunk(offset, length),
          ok: [202, 204],
        });
        await discard(answer.response);
        location = locationOf(answer);
        offset = rangeEnd(answer.response.headers.get('range')) ?? offset + length;
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        if (resumes >= maxResumes || (status !== 416 && !isRetryableError(error))) throw error;
        resumes += 1;
        ({ location, offset } = await uploadStatus(transport, repository, location));
      }
    }
    return location;
  } finally {
    reader?.destroy();
  }
}

/** Where an upload session stands: `GET` on it answers 204 with `Range: 0-<last>`. */
async function uploadStatus(
  transport: Transport,
  repository: string,
  location: URL,
): Promise<{ location: URL; offset: number }> {
  const answer = await transport.send({
    method: 'GET',
    url: location,
    scopes: pushScopes(repository),
    ok: [204],
  });
  await discard(answer.response);
  const next = answer.response.headers.get('location') ? locationOf(answer) : location;
  return { location: next, offset: rangeEnd(answer.response.headers.get('range')) ?? 0 };
}

/**
 * The offset after an upload's `Range: 0-<last>` (inclusive). `0-0` is read as nothing
 * uploaded: Distribution sends it for an empty session too, and resending one byte is harmless.
 */
export function rangeEnd(header: string | null): number | undefined {
  const match = header ? /(\d+)-(\d+)/.exec(header) : null;
  if (!match) return undefined;
  const last = Number(match[2]);
  return last === 0 ? 0 : last + 1;
}

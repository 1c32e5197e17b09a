import { Readable, pipeline } from 'node:stream';
import { type ReadableStream as WebReadableStream } from 'node:stream/web';
import { repositoryScope } from './auth.js';
import { DigestVerifier } from './digest-verifier.js';
import { checkDigest, repositoryPath } from './paths.js';
import { type Transport } from './transport.js';

export interface GetBlobOptions {
  /**
   * Only bytes `start..end` (inclusive; `end` omitted: to the end). A registry that ignores the
   * Range header is handled (the bytes outside are dropped after hashing). A partial answer
   * (206) cannot be verified against the digest.
   */
  range?: { start: number; end?: number };
  /** Expected size (from a descriptor): a different length fails the stream. */
  size?: number;
}

/**
 * Streams a blob, following redirects (storage URLs get no credentials). Whole-blob reads are
 * verified while streaming: the stream errors at its end on a digest or size mismatch, so a
 * consumer must not trust the content before `end`.
 */
export async function getBlob(
  transport: Transport,
  repository: string,
  digest: string,
  options: GetBlobOptions = {},
): Promise<Readable> {
  const expected = checkDigest(digest);
  const { range } = options;
  const headers: Record<string, string> = {};
  if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
  const { response, url } = await transport.send({
    method: 'GET',
    url: repositoryPath(repository, 'blobs', expected),
    scopes: [repositoryScope(repository, 'pull')],
    headers,
    ok: [200, 206],
  });
  const body = response.body
    ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)
    : Readable.from([]);
  if (response.status === 206) return body;
  const verifier = new DigestVerifier(expected, {
    url,
    ...(range && { range }),
    ...(options.size !== undefined && { size: options.size }),
  });
  pipeline(body, verifier, () => undefined);
  return verifier;
}

/** The blob's size, or undefined when the repository does not have it. */
export async function headBlob(
  transport: Transport,
  repository: string,
  digest: string,
): Promise<number | undefined> {
  const { response } = await transport.send({
    method: 'HEAD',
    url: repositoryPath(repository, 'blobs', checkDigest(digest)),
    scopes: [repositoryScope(repository, 'pull')],
    ok: [200, 404],
  });
  if (response.status === 404) return undefined;
  const length = Number(response.headers.get('content-length'));
  return Number.isSafeInteger(length) && length >= 0 ? length : 0;
}

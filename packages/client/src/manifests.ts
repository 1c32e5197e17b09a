import {
  baseMediaType,
  digestAlgorithm,
  digestOf,
  isDigest,
  MAX_MANIFEST_BYTES,
  MediaType,
  type Digest,
} from '@berth/oci';
import { repositoryScope } from './auth.js';
import { discard, RegistryClientError } from './errors.js';
import { checkDigest, checkReference, repositoryPath } from './paths.js';
import { type Transport } from './transport.js';

/** What a registry answered for a manifest: its exact bytes, their digest and media type. */
export interface Manifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

/** A manifest's identity without its body (HEAD). */
export interface ManifestHead {
  digest: Digest;
  mediaType: string;
  size: number;
}

/** OCI manifest and index, Docker schema 2 manifest and manifest list. */
export const DEFAULT_MANIFEST_ACCEPT: readonly string[] = [
  MediaType.OciManifest,
  MediaType.OciIndex,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
];

function manifestRequest(repository: string, reference: string, accept: readonly string[]) {
  return {
    url: repositoryPath(repository, 'manifests', checkReference(reference)),
    scopes: [repositoryScope(repository, 'pull')],
    headers: { accept: accept.join(', ') },
  };
}

/**
 * Pulls a manifest. Pulled by digest, the bytes must hash to it; pulled by tag, they must hash
 * to the `Docker-Content-Digest` the registry sent (when it sent one). Anything else is a
 * `DIGEST_MISMATCH`: replication must never store bytes under a digest they do not have.
 * Bodies over 4 MiB are refused (`SIZE_INVALID`).
 */
export async function getManifest(
  transport: Transport,
  repository: string,
  reference: string,
  accept: readonly string[] = DEFAULT_MANIFEST_ACCEPT,
): Promise<Manifest> {
  const { response, url } = await transport.send({
    method: 'GET',
    ...manifestRequest(repository, reference, accept),
    ok: [200],
  });
  const bytes = await readManifestBody(response, url);
  const header = response.headers.get('docker-content-digest') ?? undefined;
  const claimed = isDigest(reference)
    ? reference
    : header !== undefined && isDigest(header)
      ? header
      : undefined;
  const digest = claimed ? digestOf(bytes, digestAlgorithm(claimed)) : digestOf(bytes);
  if (claimed !== undefined && digest !== claimed) {
    throw new RegistryClientError(`manifest bytes have digest ${digest}, expected ${claimed}`, {
      status: response.status,
      code: 'DIGEST_MISMATCH',
      method: 'GET',
      url,
    });
  }
  return { digest, mediaType: manifestMediaType(response.headers.get('content-type'), bytes), bytes };
}

/** HEAD of a manifest, or undefined when the repository does not have it. */
export async function headManifest(
  transport: Transport,
  repository: string,
  reference: string,
  accept: readonly string[] = DEFAULT_MANIFEST_ACCEPT,
): Promise<ManifestHead | undefined> {
  const { response } = await transport.send({
    method: 'HEAD',
    ...manifestRequest(repository, reference, accept),
    ok: [200, 404],
  });
  if (response.status === 404) return undefined;
  const header = response.headers.get('docker-content-digest');
  const mediaType = baseMediaType(response.headers.get('content-type') ?? undefined) ?? '';
  const size = Number(response.headers.get('content-length') ?? 0);
  if (header && isDigest(header)) return { digest: header, mediaType, size };
  if (isDigest(reference)) return { digest: reference, mediaType, size };
  // No digest header for a tag: the body is the only way to know.
  const manifest = await getManifest(transport, repository, reference, accept);
  return { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length };
}

export interface PutManifestResult {
  digest: Digest;
  /** The `OCI-Subject` the registry answered with: it indexed the manifest's subject itself. */
  subject?: string;
}

/**
 * Pushes manifest bytes exactly as given under a tag or their digest. The digest the registry
 * answers must be the digest of the bytes. Pushing by digest checks the bytes first.
 */
export async function putManifest(
  transport: Transport,
  repository: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
): Promise<PutManifestResult> {
  checkReference(reference);
  const digest = isDigest(reference) ? digestOf(bytes, digestAlgorithm(reference)) : digestOf(bytes);
  if (isDigest(reference) && digest !== reference) {
    throw new RegistryClientError(`manifest bytes have digest ${digest}, not ${reference}`, {
      status: 0,
      code: 'DIGEST_MISMATCH',
    });
  }
  const { response, url } = await transport.send({
    method: 'PUT',
    url: repositoryPath(repository, 'manifests', reference),
    scopes: [repositoryScope(repository, 'pull', 'push')],
    headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
    body: () => bytes,
    ok: [200, 201, 202, 204],
  });
  await discard(response);
  const returned = response.headers.get('docker-content-digest');
  if (returned && isDigest(returned) && digestOf(bytes, digestAlgorithm(returned)) !== returned) {
    throw new RegistryClientError(`the registry stored ${returned}, expected ${digest}`, {
      status: response.status,
      code: 'DIGEST_MISMATCH',
      method: 'PUT',
      url,
    });
  }
  const subject = response.headers.get('oci-subject') ?? undefined;
  return subject === undefined ? { digest } : { digest, subject };
}

/** Deletes a manifest by digest (and so every tag pointing at it). */
export async function deleteManifest(
  transport: Transport,
  repository: string,
  digest: string,
): Promise<void> {
  await deleteReference(transport, repository, checkDigest(digest));
}

/**
 * Deletes one tag, leaving the manifest. Registries without tag deletion (Distribution 2.x)
 * answer with an error (`UNSUPPORTED`, or `DIGEST_INVALID`), reported as such.
 */
export async function deleteTag(transport: Transport, repository: string, tag: string): Promise<void> {
  if (isDigest(tag)) {
    throw new RegistryClientError('deleteTag takes a tag; use deleteManifest for a digest', {
      status: 0,
      code: 'REFERENCE_INVALID',
    });
  }
  await deleteReference(transport, repository, checkReference(tag));
}

async function deleteReference(transport: Transport, repository: string, reference: string): Promise<void> {
  const { response } = await transport.send({
    method: 'DELETE',
    url: repositoryPath(repository, 'manifests', reference),
    scopes: [repositoryScope(repository, 'delete')],
    ok: [200, 202, 204],
  });
  await discard(response);
}

async function readManifestBody(response: Response, url: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const tooLarge = () =>
    new RegistryClientError(`manifest larger than ${MAX_MANIFEST_BYTES} bytes`, {
      status: response.status,
      code: 'SIZE_INVALID',
      method: 'GET',
      url,
    });
  if (declared > MAX_MANIFEST_BYTES) {
    await discard(response);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > MAX_MANIFEST_BYTES) throw tooLarge();
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}

/** The Content-Type's media type, else the document's `mediaType`, else the generic JSON type. */
function manifestMediaType(contentType: string | null, bytes: Buffer): string {
  const header = baseMediaType(contentType ?? undefined);
  if (header && header !== 'application/json' && header !== 'text/plain') return header;
  try {
    const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    if (typeof declared === 'string' && declared) return declared;
  } catch {
    // Not JSON: the header is all there is.
  }
  return header ?? 'application/octet-stream';
}

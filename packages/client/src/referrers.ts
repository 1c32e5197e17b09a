import { isDigest, isRecord, MediaType, type Descriptor, type Digest } from '@berth/oci';
import { repositoryScope } from './auth.js';
import { discard, isRegistryClientError, RegistryClientError } from './errors.js';
import { nextLink } from './link.js';
import { getManifest, putManifest } from './manifests.js';
import { checkDigest, referrersTag, repositoryPath } from './paths.js';
import { type Transport } from './transport.js';

/**
 * Manifests whose `subject` is `digest`, as descriptors (distribution-spec "listing
 * referrers"). Uses the referrers API, following its pages; a registry without it (the
 * endpoint answers 404) is read through the referrers tag schema `<alg>-<hex>` instead. The
 * `artifactType` filter is applied here when the registry did not apply it
 * (`OCI-Filters-Applied`).
 */
export async function referrers(
  transport: Transport,
  repository: string,
  digest: string,
  artifactType?: string,
): Promise<Descriptor[]> {
  const subject = checkDigest(digest);
  const first = transport.resolve(repositoryPath(repository, 'referrers', subject));
  if (artifactType !== undefined) first.searchParams.set('artifactType', artifactType);
  const found: Descriptor[] = [];
  let filtered = true;
  let url: string | undefined = first.toString();
  const seen = new Set<string>();
  while (url !== undefined && !seen.has(url)) {
    seen.add(url);
    const answer = await transport.send({
      method: 'GET',
      url,
      scopes: [repositoryScope(repository, 'pull')],
      headers: { accept: MediaType.OciIndex },
      ok: [200, 404],
    });
    if (answer.response.status === 404) {
      await discard(answer.response);
      if (seen.size > 1) break;
      return filterByType(await referrersFromTag(transport, repository, subject), artifactType);
    }
    const applied = answer.response.headers.get('oci-filters-applied') ?? '';
    filtered &&= applied.split(',').some((filter) => filter.trim() === 'artifactType');
    found.push(...descriptorsOf(await answer.response.json().catch(() => undefined)));
    url = nextLink(answer.response.headers.get('link'), answer.url);
  }
  return filtered ? found : filterByType(found, artifactType);
}

/** The referrers index kept under the tag schema, or [] when there is none. */
async function referrersFromTag(
  transport: Transport,
  repository: string,
  subject: Digest,
): Promise<Descriptor[]> {
  try {
    const index = await getManifest(transport, repository, referrersTag(subject), [MediaType.OciIndex]);
    return descriptorsOf(JSON.parse(index.bytes.toString('utf8')));
  } catch (error) {
    if (isRegistryClientError(error) && error.status === 404) return [];
    throw error;
  }
}

/**
 * Adds `referrer` to the referrers tag of its subject (the client's duty when a registry
 * without the referrers API accepted a manifest with a `subject`: no `OCI-Subject` answer).
 * Idempotent: a descriptor already listed is not added twice.
 */
export async function addToReferrersTag(
  transport: Transport,
  repository: string,
  subject: Digest,
  referrer: Descriptor,
): Promise<void> {
  const tag = referrersTag(subject);
  const current = await referrersFromTag(transport, repository, subject);
  if (current.some((entry) => entry.digest === referrer.digest)) return;
  const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...current, referrer] };
  await putManifest(transport, repository, tag, Buffer.from(JSON.stringify(index)), MediaType.OciIndex);
}

/**
 * The referrers descriptor of manifest bytes with a `subject` (its digest, size, media type,
 * artifactType and annotations), or undefined when they have no subject.
 */
export function referrerOf(
  bytes: Buffer,
  digest: Digest,
  mediaType: string,
): { subject: Digest; descriptor: Descriptor } | undefined {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(document) || !isRecord(document.subject)) return undefined;
  const subject = document.subject.digest;
  if (typeof subject !== 'string' || !isDigest(subject)) return undefined;
  const config = isRecord(document.config) ? document.config.mediaType : undefined;
  const artifactType =
    typeof document.artifactType === 'string' && document.artifactType
      ? document.artifactType
      : typeof config === 'string'
        ? config
        : undefined;
  const annotations = isRecord(document.annotations)
    ? (document.annotations as Record<string, string>)
    : undefined;
  return {
    subject,
    descriptor: {
      mediaType,
      digest,
      size: bytes.length,
      ...(artifactType !== undefined && { artifactType }),
      ...(annotations !== undefined && { annotations }),
    },
  };
}

function descriptorsOf(index: unknown): Descriptor[] {
  if (!isRecord(index) || !Array.isArray(index.manifests)) {
    throw new RegistryClientError('referrers answer is not an image index', {
      status: 200,
      code: 'UNEXPECTED_RESPONSE',
    });
  }
  return index.manifests.filter(
    (entry): entry is Descriptor =>
      isRecord(entry) &&
      typeof entry.digest === 'string' &&
      isDigest(entry.digest) &&
      typeof entry.mediaType === 'string',
  );
}

function filterByType(descriptors: Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType === undefined
    ? descriptors
    : descriptors.filter((entry) => entry.artifactType === artifactType);
}

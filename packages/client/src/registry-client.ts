import { type Readable } from 'node:stream';
import { type Descriptor, type Digest } from '@berth/oci';
import { type Credentials } from './auth.js';
import { getBlob, headBlob, type GetBlobOptions } from './blobs.js';
import { catalog, listTags, type PageOptions } from './discovery.js';
import {
  deleteManifest,
  deleteTag,
  getManifest,
  headManifest,
  putManifest,
  type Manifest,
  type ManifestHead,
} from './manifests.js';
import { addToReferrersTag, referrerOf, referrers } from './referrers.js';
import { type RetryPolicy } from './retry.js';
import { Transport } from './transport.js';
import { mountBlob, pushBlob, type BlobSource, type PushBlobOptions, type PushBlobResult } from './upload.js';

export interface RegistryClientOptions {
  /** `https://registry.example.com`, `http://127.0.0.1:5000` (a path prefix is kept). */
  url: string;
  /** Sent only when the registry challenges: as Basic, or to its token service for a Bearer token. */
  credentials?: Credentials;
  /** Allows plain http to non-loopback hosts and turns TLS verification off. Default false. */
  insecure?: boolean;
  /** Default `berth-client/0.1`. */
  userAgent?: string;
  /** Replaces the global fetch (tests, proxies, custom TLS). */
  fetch?: typeof fetch;
  /** Abort a request after this long without progress (no byte sent or received). Default 60 000. */
  timeoutMs?: number;
  /** Backoff for GET and HEAD on 5xx, 429 and network failures. Default 3 attempts. */
  retry?: Partial<RetryPolicy>;
}

export interface PutManifestOptions {
  /**
   * When the manifest has a `subject` and the registry did not answer `OCI-Subject` (no
   * referrers API), add it to the referrers tag `<alg>-<hex>`, as the spec asks of clients.
   * Default true.
   */
  updateReferrersTag?: boolean;
}

/**
 * A client of one OCI distribution registry (Berth, CNCF Distribution, Docker Hub, GHCR,
 * Harbor…). Every method throws `RegistryClientError` on failure; `url` and messages never
 * contain credentials. Repository names and references are validated before any request.
 */
export class RegistryClient {
  /** The registry's base URL, normalised (`https://host/`). */
  readonly url: string;
  private readonly transport: Transport;

  constructor(options: RegistryClientOptions) {
    this.transport = new Transport(options);
    this.url = this.transport.base.toString();
  }

  /**
   * Pulls a manifest's exact bytes. `accept` defaults to OCI manifest and index plus Docker
   * schema 2 manifest and list. The digest is verified (see `getManifest` in manifests.ts).
   */
  getManifest(repository: string, reference: string, accept?: readonly string[]): Promise<Manifest> {
    return getManifest(this.transport, repository, reference, accept);
  }

  /** Digest, media type and size of a manifest; undefined when it does not exist (404). */
  headManifest(
    repository: string,
    reference: string,
    accept?: readonly string[],
  ): Promise<ManifestHead | undefined> {
    return headManifest(this.transport, repository, reference, accept);
  }

  /**
   * Pushes manifest bytes unchanged under `reference` (a tag or their digest) and returns their
   * digest, which the registry's `Docker-Content-Digest` must confirm.
   */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    options: PutManifestOptions = {},
  ): Promise<Digest> {
    const result = await putManifest(this.transport, repository, reference, bytes, mediaType);
    if (options.updateReferrersTag !== false && result.subject === undefined) {
      const referrer = referrerOf(bytes, result.digest, mediaType);
      if (referrer)
        await addToReferrersTag(this.transport, repository, referrer.subject, referrer.descriptor);
    }
    return result.digest;
  }

  /** Deletes a manifest by digest (all its tags go with it). */
  deleteManifest(repository: string, digest: string): Promise<void> {
    return deleteManifest(this.transport, repository, digest);
  }

  /** Deletes a tag only; registries without tag deletion answer with an error. */
  deleteTag(repository: string, tag: string): Promise<void> {
    return deleteTag(this.transport, repository, tag);
  }

  /**
   * Streams a blob (redirects followed). Without `range`, the stream errors at its end if the
   * content does not match `digest` (or `options.size`): trust the bytes only after `end`.
   */
  getBlob(repository: string, digest: string, options?: GetBlobOptions): Promise<Readable> {
    return getBlob(this.transport, repository, digest, options);
  }

  /** The blob's size in the repository, or undefined when it is not there. */
  headBlob(repository: string, digest: string): Promise<number | undefined> {
    return headBlob(this.transport, repository, digest);
  }

  /** Whether the repository has the blob (HEAD). */
  async blobExists(repository: string, digest: string): Promise<boolean> {
    return (await headBlob(this.transport, repository, digest)) !== undefined;
  }

  /**
   * Cross-repository mount: true when the registry linked `digest` from `from` into
   * `repository` (201); false when it opened an upload instead (202), which is cancelled.
   */
  mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    return mountBlob(this.transport, repository, digest, from);
  }

  /**
   * Uploads a blob whose digest and size are known, streaming from `open()` (called again if
   * the upload must restart). Monolithic without `chunkSize` (or when the blob fits one chunk),
   * else chunked PATCHes resumed after 416 or network failures. `mountFrom` tries a mount first,
   * reusing the session the registry opens when it cannot mount.
   */
  pushBlob(
    repository: string,
    digest: string,
    size: number,
    open: BlobSource,
    options?: PushBlobOptions,
  ): Promise<PushBlobResult> {
    return pushBlob(this.transport, repository, digest, size, open, options);
  }

  /** Every tag, following `Link` pages; `pageSize` is the `n` asked per page. */
  listTags(repository: string, options?: PageOptions): AsyncIterable<string> {
    return listTags(this.transport, repository, options);
  }

  /** Every repository name the credentials may list, following `Link` pages. */
  catalog(options?: PageOptions): AsyncIterable<string> {
    return catalog(this.transport, options);
  }

  /**
   * Descriptors of the manifests whose `subject` is `digest`, optionally of one `artifactType`;
   * through the referrers tag schema when the registry has no referrers API.
   */
  referrers(repository: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    return referrers(this.transport, repository, digest, artifactType);
  }

  /**
   * `GET /v2/` through the authentication flow (Basic, or a token without scopes): resolves when
   * the registry answers 200, throws `RegistryClientError` otherwise (401: credentials refused or
   * missing; status 0: unreachable).
   */
  async ping(): Promise<void> {
    const answer = await this.transport.send({ method: 'GET', url: '/v2/', scopes: [], ok: [200] });
    await answer.response.body?.cancel().catch(() => undefined);
  }

  /** Whether `other` talks to the same registry (same origin and path), so mounts can work. */
  sameRegistry(other: RegistryClient): boolean {
    return this.url === other.url;
  }
}

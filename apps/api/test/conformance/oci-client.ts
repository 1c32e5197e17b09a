// A deliberately small OCI Distribution client for the conformance suite: `fetch` that answers
// the registry's auth challenges the way docker and containers/image do (a token for the
// challenged scope, then the same request again), and otherwise no retries and no clever
// fallbacks, so every test sees exactly what a client on the wire would see.
import { createHash, randomBytes as cryptoRandomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { expect } from '@jest/globals';
import { basicHeader, fetchToken, parseChallenge } from '@berth/testing';
import type { RegistryUnderTest } from './registry-under-test.js';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** What a client that understands every common manifest type sends (spec: clients SHOULD send Accept). */
export const MANIFEST_ACCEPT = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
].join(', ');

/** Error codes of the spec's "Error Codes" table (code-1 … code-14). */
export const SPEC_ERROR_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
] as const;
/** "Legacy Docker support error codes": a client MAY encounter them. */
export const LEGACY_ERROR_CODES = ['TAG_INVALID', 'MANIFEST_UNVERIFIED'] as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export type DigestAlgorithm = 'sha256' | 'sha512';

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function randomBytes(size: number): Uint8Array {
  return new Uint8Array(cryptoRandomBytes(size));
}

export function randomHex(bytes = 6): string {
  return cryptoRandomBytes(bytes).toString('hex');
}

/** A repository name of its own for each test file: `conformance/<area>-<random>`. */
export function randomRepo(area: string): string {
  return `conformance/${area}-${randomHex()}`;
}

/** A sha256 digest that no registry stores. */
export function unknownDigest(): string {
  return digestOf(randomBytes(32));
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function jsonBytes(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}

export function descriptor(
  mediaType: string,
  bytes: Uint8Array,
  extra: Partial<Descriptor> = {},
): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.byteLength, ...extra };
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** The bytes of a manifest document plus what a client needs to address it. */
export interface Manifest {
  bytes: Uint8Array;
  digest: string;
  mediaType: string;
  descriptor: Descriptor;
}

export function manifestOf(mediaType: string, bytes: Uint8Array): Manifest {
  return { bytes, mediaType, digest: digestOf(bytes), descriptor: descriptor(mediaType, bytes) };
}

export interface ImageManifestOptions {
  config: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
  mediaType?: string;
}

export function imageManifest(options: ImageManifestOptions): Manifest {
  const mediaType = options.mediaType ?? MediaType.ociManifest;
  const document: Record<string, unknown> = { schemaVersion: 2, mediaType };
  if (options.artifactType) document.artifactType = options.artifactType;
  document.config = options.config;
  document.layers = options.layers ?? [];
  if (options.subject) document.subject = options.subject;
  if (options.annotations) document.annotations = options.annotations;
  return manifestOf(mediaType, jsonBytes(document));
}

export interface ImageIndexOptions {
  manifests: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function imageIndex(options: ImageIndexOptions): Manifest {
  const document: Record<string, unknown> = { schemaVersion: 2, mediaType: MediaType.ociIndex };
  if (options.artifactType) document.artifactType = options.artifactType;
  document.manifests = options.manifests;
  if (options.subject) document.subject = options.subject;
  if (options.annotations) document.annotations = options.annotations;
  return manifestOf(MediaType.ociIndex, jsonBytes(document));
}

/** The OCI "empty" descriptor target, `{}` (image-spec: application/vnd.oci.empty.v1+json). */
export const EMPTY_JSON = utf8('{}');

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** Follow redirects (default) or see them. */
  redirect?: 'follow' | 'manual';
}

/** Appends `name=value` to a URL (absolute or relative) that may already carry a query. */
export function withQuery(location: string, params: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(item)}`);
    }
  }
  if (parts.length === 0) return location;
  const hash = location.indexOf('#');
  const base = hash === -1 ? location : location.slice(0, hash);
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${separator}${parts.join('&')}`;
}

/** `Link: <url>; rel="next"` (RFC 5988) → url, or undefined when there is no next link. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/i.exec(match[2]!);
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (relations.includes('next')) return match[1];
  }
  return undefined;
}

/** Comma-separated header (possibly sent as several header lines, which fetch joins) → items. */
export function headerList(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Media type without parameters (spec: clients SHOULD ignore parameters on Content-Type). */
export function bareMediaType(value: string | null): string | undefined {
  return value?.split(';')[0]?.trim().toLowerCase();
}

export async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

export class OciClient {
  constructor(private readonly registry: RegistryUnderTest) {}

  get baseUrl(): string {
    return this.registry.url;
  }

  /** Resolves a registry path (`/v2/...`) or a Location value (absolute or relative). */
  resolve(pathOrUrl: string): string {
    return new URL(pathOrUrl, `${this.registry.url}/`).toString();
  }

  /**
   * One request, authenticated like a registry client: the registry's fetch answers a 401
   * challenge and sends the request again (bytes bodies can be replayed). A stream body cannot,
   * so its Authorization is obtained first (`fetch.authorize`) and the request is sent once.
   */
  async request(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.resolve(pathOrUrl);
    // No compression: Content-Length and bytes must be what the registry sent.
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity', ...options.headers };
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers,
      redirect: options.redirect ?? 'follow',
    };
    if (options.body instanceof ReadableStream) {
      init.body = options.body;
      init.duplex = 'half';
      init.headers = { ...(await this.registry.fetch.authorize(url)), ...headers };
      return fetch(url, init);
    }
    if (options.body !== undefined) init.body = options.body;
    return this.registry.fetch(url, init);
  }

  /**
   * `rawRequest` with credentials: the Authorization the registry's fetch holds for the (URL-
   * normalised) path, and, should the registry still challenge the raw path (whose scope may
   * differ, e.g. for `a/../b`), a token for exactly the challenged scope and one more try.
   */
  async rawRequest(method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const authorization = await this.registry.fetch.authorize(this.resolve(path));
    const first = await rawRequest(this.baseUrl, method, path, { ...authorization, ...headers });
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers['www-authenticate'] ?? null);
    const credentials = this.registry.credentials;
    let answer: string | undefined;
    if (challenge?.scheme === 'bearer') answer = `Bearer ${await fetchToken(challenge, credentials)}`;
    else if (challenge?.scheme === 'basic' && credentials) answer = basicHeader(credentials);
    if (!answer) return first;
    return rawRequest(this.baseUrl, method, path, { authorization: answer, ...headers });
  }

  // ---- blobs -------------------------------------------------------------------------------

  /** end-4a: starts an upload session; returns the response (202 + Location expected). */
  startUpload(repo: string, query: Record<string, string> = {}): Promise<Response> {
    return this.request('POST', withQuery(`/v2/${repo}/blobs/uploads/`, query), {
      body: new Uint8Array(0),
    });
  }

  /** Pushes a blob the way every registry must accept (POST then PUT, end-4a + end-6). */
  async pushBlob(repo: string, bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Promise<string> {
    const digest = digestOf(bytes, algorithm);
    const started = await this.startUpload(repo);
    await expectStatus(started, 202, `POST /v2/${repo}/blobs/uploads/`);
    const location = started.headers.get('location');
    if (!location) throw new Error(`POST /v2/${repo}/blobs/uploads/ gave no Location`);
    const put = await this.request('PUT', withQuery(location, { digest }), {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });
    await expectStatus(put, 201, `PUT upload of ${digest} to ${repo}`);
    return digest;
  }

  /** Pushes a blob and returns its descriptor. */
  async pushBlobDescriptor(repo: string, mediaType: string, bytes: Uint8Array): Promise<Descriptor> {
    await this.pushBlob(repo, bytes);
    return descriptor(mediaType, bytes);
  }

  getBlob(repo: string, digest: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('GET', `/v2/${repo}/blobs/${digest}`, { headers });
  }

  headBlob(repo: string, digest: string): Promise<Response> {
    return this.request('HEAD', `/v2/${repo}/blobs/${digest}`);
  }

  // ---- manifests ---------------------------------------------------------------------------

  putManifest(
    repo: string,
    reference: string,
    bytes: Uint8Array,
    contentType: string,
    query: Record<string, string | string[]> = {},
  ): Promise<Response> {
    return this.request('PUT', withQuery(`/v2/${repo}/manifests/${reference}`, query), {
      headers: { 'Content-Type': contentType },
      body: bytes,
    });
  }

  /** Pushes a manifest under a tag or its digest and insists on 201. */
  async pushManifest(
    repo: string,
    manifest: Manifest,
    reference: string = manifest.digest,
  ): Promise<Response> {
    const response = await this.putManifest(repo, reference, manifest.bytes, manifest.mediaType);
    await expectStatus(response, 201, `PUT /v2/${repo}/manifests/${reference}`);
    return response;
  }

  getManifest(repo: string, reference: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Response> {
    return this.request(method, `/v2/${repo}/manifests/${reference}`, {
      headers: { Accept: MANIFEST_ACCEPT },
    });
  }

  /** A small image (config + one layer + manifest) pushed by tag; returns all of its parts. */
  async pushImage(
    repo: string,
    tag?: string,
  ): Promise<{ config: Descriptor; layer: Descriptor; manifest: Manifest }> {
    const configBytes = jsonBytes({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      config: {},
      created: new Date(0).toISOString(),
      comment: randomHex(),
    });
    const layerBytes = randomBytes(1024);
    const config = await this.pushBlobDescriptor(repo, MediaType.ociConfig, configBytes);
    const layer = await this.pushBlobDescriptor(repo, MediaType.ociLayer, layerBytes);
    const manifest = imageManifest({ config, layers: [layer] });
    await this.pushManifest(repo, manifest, tag ?? manifest.digest);
    return { config, layer, manifest };
  }
}

/** Fails with the registry's own answer in the message, which is what one needs to debug. */
export async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  if (response.status === status) return;
  const body = await response.text().catch(() => '');
  throw new Error(`${what}: expected ${status}, got ${response.status}: ${body.slice(0, 500)}`);
}

export interface ErrorEntry {
  code: string;
  message?: unknown;
  detail?: unknown;
}

/**
 * "Error Codes": a 4xx answer carries `{"errors":[{"code","message","detail"}]}`; `code` is
 * uppercase letters and underscores and one of the spec's table (legacy Docker codes allowed);
 * `message`, when present, a string. Returns the entries for further checks.
 */
export async function expectErrorBody(response: Response): Promise<ErrorEntry[]> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(
      `${response.status} answer is not a JSON error body: ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
  expect(body).toEqual(expect.objectContaining({ errors: expect.any(Array) }));
  const errors = (body as { errors: ErrorEntry[] }).errors;
  expect(errors.length).toBeGreaterThan(0);
  const allowed: readonly string[] = [...SPEC_ERROR_CODES, ...LEGACY_ERROR_CODES];
  for (const entry of errors) {
    expect(entry.code).toMatch(/^[A-Z_]+$/);
    expect(allowed).toContain(entry.code);
    if (entry.message !== undefined) expect(typeof entry.message).toBe('string');
  }
  return errors;
}

/** Status plus a spec error body whose codes include one of `codes`. */
export async function expectError(
  response: Response,
  status: number,
  codes: string | string[],
): Promise<void> {
  const expected = Array.isArray(codes) ? codes : [codes];
  if (response.status !== status) {
    const text = await response.text().catch(() => '');
    throw new Error(
      `expected ${status} ${expected.join('|')}, got ${response.status}: ${text.slice(0, 300) || '(empty body)'}`,
    );
  }
  const errors = await expectErrorBody(response);
  const found = errors.map((entry) => entry.code);
  if (!found.some((code) => expected.includes(code))) {
    throw new Error(`expected error code ${expected.join('|')}, got ${found.join(', ')}`);
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes after the header block exactly as they came off the socket (no de-chunking). */
  rawBody: Buffer;
  /** Body with chunked transfer coding removed. */
  body: Buffer;
}

/**
 * One HTTP/1.1 exchange over a bare TCP socket, for what fetch hides: bytes after a HEAD
 * answer, and request paths that must reach the server un-normalised (`..`, `//`). Sends only
 * the headers given: use `OciClient.rawRequest` for an authenticated one.
 */
export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (url.protocol !== 'http:') throw new Error('rawRequest speaks plain http only');
  const head = [
    `${method} ${path} HTTP/1.1`,
    `Host: ${url.host}`,
    'Connection: close',
    'Accept-Encoding: identity',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  const data = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: url.hostname, port }, () => socket.write(head));
    socket.setTimeout(10_000, () => socket.destroy(new Error(`${method} ${path}: no end of answer in 10 s`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
  const split = data.indexOf('\r\n\r\n');
  if (split === -1)
    throw new Error(`${method} ${path}: incomplete answer ${JSON.stringify(data.toString())}`);
  const lines = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
  const responseHeaders: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    responseHeaders[name] =
      responseHeaders[name] === undefined ? value : `${responseHeaders[name]}, ${value}`;
  }
  const rawBody = data.subarray(split + 4);
  const chunked = /chunked/i.test(responseHeaders['transfer-encoding'] ?? '');
  return { status, headers: responseHeaders, rawBody, body: chunked ? dechunk(rawBody) : rawBody };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = parseInt(raw.subarray(offset, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** `[a-f0-9]{8}-…-[a-f0-9]{12}`: the spec says an upload location MUST contain a UUID. */
export const UUID_PATTERN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

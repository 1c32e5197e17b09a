import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ALL_MANIFEST_TYPES } from './oci-layout.js';
import { HashingStream } from './seeded.js';

/** Small helpers for the OCI distribution API, for tests that speak HTTP themselves. */

/** The absolute URL of a `Location` header (registries may answer with a path or a full URL). */
export function locationOf(response: Response, base: string): string {
  const location = response.headers.get('location');
  if (!location) throw new Error(`${response.status} response without Location`);
  return new URL(location, base).toString();
}

/** `url` with `base`'s scheme, host and port (e.g. an upload URL from api A sent to api B). */
export function onHost(url: string, base: string): string {
  const target = new URL(url);
  const host = new URL(base);
  target.protocol = host.protocol;
  target.host = host.host;
  return target.toString();
}

/** Adds query parameters to an upload URL, keeping the ones it has (Distribution's `_state`). */
export function withQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return target.toString();
}

export interface ManifestResponse {
  status: number;
  contentType: string | null;
  digest: string | null;
  body: Buffer;
}

/**
 * Where to send registry requests: a base URL (plain `fetch`, anonymous), or a registry with
 * the `fetch` to use (e.g. a `RegistryUnderTest`, whose fetch answers auth challenges).
 */
export type RegistryTarget = string | { url: string; fetch: typeof fetch };

export async function getManifest(
  registry: RegistryTarget,
  repository: string,
  reference: string,
  accept = ALL_MANIFEST_TYPES,
): Promise<ManifestResponse> {
  const { url: baseUrl, fetch: send } = typeof registry === 'string' ? { url: registry, fetch } : registry;
  const response = await send(`${baseUrl}/v2/${repository}/manifests/${reference}`, { headers: { accept } });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    digest: response.headers.get('docker-content-digest'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

export interface StreamedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Response body as text (for errors and small answers); empty for `sink` downloads. */
  text: string;
}

/**
 * Sends a request whose body is streamed from `body` (never buffered), with the given headers
 * (set Content-Length yourself for a non-chunked upload). Node's http client, not fetch: it
 * streams with backpressure and sends exactly the headers given.
 */
export async function streamRequest(
  method: string,
  url: string,
  headers: Record<string, string | number>,
  body?: Readable,
): Promise<StreamedResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    if (body) pipeline(body, req).catch(reject);
    else req.end();
  });
}

export interface DownloadResult {
  status: number;
  headers: IncomingHttpHeaders;
  digest: string;
  bytes: number;
}

/**
 * GETs `url` (following redirects, as clients do for blob storage) and hashes the body as it
 * streams. `headers` (e.g. an Authorization from `fetch.authorize(url)`) go to `url`'s origin
 * only: like Go's and browsers' clients, a redirect to another origin gets none of them.
 */
export async function streamDownload(
  url: string,
  headers: Record<string, string> = {},
  redirects = 5,
): Promise<DownloadResult> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(target, { method: 'GET', headers }, resolve);
    req.on('error', reject);
    req.end();
  });
  const status = response.statusCode ?? 0;
  if ([301, 302, 303, 307, 308].includes(status) && response.headers.location && redirects > 0) {
    response.resume();
    const next = new URL(response.headers.location, url);
    return streamDownload(next.toString(), next.origin === target.origin ? headers : {}, redirects - 1);
  }
  const hashing = new HashingStream();
  hashing.resume();
  await pipeline(response, hashing);
  return { status, headers: response.headers, digest: hashing.digest(), bytes: hashing.bytes };
}

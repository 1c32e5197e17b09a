import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assertRepositoryName, MAX_MANIFEST_BYTES, RegistryError } from '@berth/oci';

/** Query parameters as the raw URL has them; repeated keys (`?tag=a&tag=b`) keep every value. */
export function queryParams(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '';
  const mark = url.indexOf('?');
  return new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
}

export function single(params: URLSearchParams, key: string): string | undefined {
  return params.get(key) ?? undefined;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request body as a stream: /v2/ bodies are never parsed or buffered by the framework. */
export function bodyStream(request: FastifyRequest): Readable {
  return request.raw;
}

/** Whether the client announced a body (a length > 0, or chunked transfer). */
export function hasBody(request: FastifyRequest): boolean {
  const length = header(request, 'content-length');
  if (length !== undefined) return Number(length) > 0;
  return header(request, 'transfer-encoding') !== undefined;
}

/**
 * Reads a manifest body into memory, refusing more than the manifest limit as soon as it is
 * exceeded rather than after buffering it all.
 */
export async function readManifestBody(request: FastifyRequest): Promise<Buffer> {
  const declared = Number(header(request, 'content-length') ?? '0');
  if (declared > MAX_MANIFEST_BYTES) {
    request.raw.resume();
    throw new RegistryError('MANIFEST_TOO_LARGE');
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request.raw) {
    total += (chunk as Buffer).length;
    if (total > MAX_MANIFEST_BYTES) {
      request.raw.resume();
      throw new RegistryError('MANIFEST_TOO_LARGE');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

export function repositoryName(name: string): string {
  return assertRepositoryName(name);
}

/** Sends an empty response with headers. HEAD and 202/201/204 responses carry no body. */
export function sendEmpty(
  reply: FastifyReply,
  status: number,
  headers: Record<string, string | number> = {},
): void {
  void reply.code(status).headers(headers).send();
}

export function sendJson(
  reply: FastifyReply,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const payload = Buffer.from(JSON.stringify(body));
  void reply
    .code(status)
    .header('Content-Type', contentType)
    .header('Content-Length', payload.length)
    .send(payload);
}

import { Injectable } from '@nestjs/common';
import { accessAllows } from '@berth/auth';
import type { V2Caller } from '../auth/v2-authorizer.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseDigest, RegistryError, type Digest } from '@berth/oci';
import { parseContentRange, rangeHeaders, Registry, RegistryEvents, type EventOrigin } from '@berth/registry';
import { bodyStream, hasBody, header, queryParams, repositoryName, sendEmpty, single } from './v2-request.js';

/** Blob uploads: POST /v2/<name>/blobs/uploads/ and the session URL (end-4a … end-6, end-11). */
@Injectable()
export class UploadHandler {
  constructor(
    private readonly registry: Registry,
    private readonly events: RegistryEvents,
  ) {}

  /** POST: monolithic upload, cross-repository mount, or a new session. */
  async start(
    name: string,
    request: FastifyRequest,
    reply: FastifyReply,
    caller: V2Caller,
    origin: EventOrigin,
  ) {
    const repository = repositoryName(name);
    const params = queryParams(request);
    const mount = single(params, 'mount');
    const digestParam = single(params, 'digest');
    if (mount !== undefined) {
      const from = single(params, 'from');
      // Mounting from a repository the token cannot pull from falls back to an upload, as the spec allows.
      const readable = from === undefined || accessAllows(caller.access, 'repository', from, 'pull');
      const mounted = readable
        ? await this.registry.blobs.mount(repository, parseDigest(mount), from && repositoryName(from))
        : undefined;
      if (mounted) return this.created(reply, repository, mounted.digest);
      // Not mountable: the spec says fall back to a regular upload session.
    } else if (digestParam !== undefined) {
      const digest = parseDigest(digestParam);
      const blob = await this.registry.uploads.monolithic(repository, digest, bodyStream(request));
      return this.uploaded(reply, repository, blob, origin);
    }
    const session = await this.registry.uploads.start(repository);
    return sendEmpty(reply, 202, { ...rangeHeaders(repository, session.id, 0), 'Content-Length': 0 });
  }

  async handle(
    method: string,
    name: string,
    id: string,
    request: FastifyRequest,
    reply: FastifyReply,
    origin: EventOrigin,
  ) {
    const repository = repositoryName(name);
    switch (method) {
      case 'GET': {
        const status = await this.registry.uploads.status(repository, id);
        return sendEmpty(reply, 204, { ...rangeHeaders(repository, id, status.size), 'Content-Length': 0 });
      }
      case 'PATCH': {
        const range = parseContentRange(header(request, 'content-range'));
        const status = await this.registry.uploads.append(repository, id, bodyStream(request), range);
        return sendEmpty(reply, 202, { ...rangeHeaders(repository, id, status.size), 'Content-Length': 0 });
      }
      case 'PUT': {
        const digestParam = single(queryParams(request), 'digest');
        if (digestParam === undefined)
          throw new RegistryError('DIGEST_INVALID', 'the digest query parameter is required');
        const digest: Digest = parseDigest(digestParam);
        const body = hasBody(request) ? bodyStream(request) : undefined;
        const range = parseContentRange(header(request, 'content-range'));
        const blob = await this.registry.uploads.complete(repository, id, digest, body, range);
        return this.uploaded(reply, repository, blob, origin);
      }
      case 'DELETE':
        await this.registry.uploads.cancel(repository, id);
        return sendEmpty(reply, 204, { 'Content-Length': 0 });
      default:
        throw new RegistryError('UNSUPPORTED', `${method} is not supported on upload sessions`);
    }
  }

  /** A blob arrived whole: 201, and the event (a mount moves no bytes and announces nothing). */
  private uploaded(
    reply: FastifyReply,
    repository: string,
    blob: { digest: Digest; size: number },
    origin: EventOrigin,
  ): void {
    this.created(reply, repository, blob.digest);
    this.events.emit({ kind: 'blob.uploaded', ...origin, repository, digest: blob.digest, size: blob.size });
  }

  private created(reply: FastifyReply, repository: string, digest: Digest): void {
    sendEmpty(reply, 201, {
      Location: `/v2/${repository}/blobs/${digest}`,
      'Docker-Content-Digest': digest,
      'Content-Length': 0,
    });
  }
}

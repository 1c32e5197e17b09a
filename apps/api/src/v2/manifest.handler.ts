import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '@berth/oci';
import { parseReference, Registry, RegistryEvents, type EventOrigin } from '@berth/registry';
import { header, queryParams, readManifestBody, repositoryName, sendEmpty } from './v2-request.js';

/** /v2/<name>/manifests/<reference> (end-3, end-7, end-9). Announces pulls, pushes and deletes. */
@Injectable()
export class ManifestHandler {
  constructor(
    private readonly registry: Registry,
    private readonly events: RegistryEvents,
  ) {}

  async handle(
    method: string,
    name: string,
    reference: string,
    request: FastifyRequest,
    reply: FastifyReply,
    origin: EventOrigin,
  ) {
    const repository = repositoryName(name);
    switch (method) {
      case 'GET':
      case 'HEAD': {
        const manifest = await this.registry.manifests.get(repository, reference);
        void reply.code(200).headers({
          'Content-Type': manifest.mediaType,
          'Content-Length': manifest.size,
          'Docker-Content-Digest': manifest.digest,
          ETag: `"${manifest.digest}"`,
        });
        void reply.send(method === 'GET' ? manifest.payload : undefined);
        // A HEAD is a client checking what it has; only a GET is a pull (as Harbor counts them).
        if (method === 'GET') {
          this.events.emit({
            kind: 'manifest.pulled',
            ...origin,
            repository,
            digest: manifest.digest,
            reference,
          });
        }
        return;
      }
      case 'PUT': {
        const bytes = await readManifestBody(request);
        const extraTags = queryParams(request).getAll('tag');
        const result = await this.registry.manifests.put(
          repository,
          reference,
          bytes,
          header(request, 'content-type'),
          extraTags,
        );
        const headers: Record<string, string | number> = {
          Location: `/v2/${repository}/manifests/${result.digest}`,
          'Docker-Content-Digest': result.digest,
          'Content-Length': 0,
        };
        if (result.subject) headers['OCI-Subject'] = result.subject;
        if (extraTags.length > 0) void reply.header('OCI-Tag', result.tags);
        sendEmpty(reply, 201, headers);
        this.events.emit({
          kind: 'manifest.pushed',
          ...origin,
          repository,
          digest: result.digest,
          mediaType: result.mediaType,
          tags: result.tags,
        });
        return;
      }
      case 'DELETE': {
        await this.registry.manifests.delete(repository, reference);
        sendEmpty(reply, 202, { 'Content-Length': 0 });
        const target = parseReference(reference);
        if (target.digest !== undefined) {
          this.events.emit({ kind: 'manifest.deleted', ...origin, repository, digest: target.digest });
        } else {
          this.events.emit({ kind: 'tag.deleted', ...origin, repository, tag: target.tag });
        }
        return;
      }
      default:
        throw new RegistryError('UNSUPPORTED', `${method} is not supported on manifests`);
    }
  }
}

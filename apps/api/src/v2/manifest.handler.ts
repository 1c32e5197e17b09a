import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '@berth/oci';
import { Registry } from '@berth/registry';
import { header, queryParams, readManifestBody, repositoryName, sendEmpty } from './v2-request.js';

/** /v2/<name>/manifests/<reference> (end-3, end-7, end-9). */
@Injectable()
export class ManifestHandler {
  constructor(private readonly registry: Registry) {}

  async handle(
    method: string,
    name: string,
    reference: string,
    request: FastifyRequest,
    reply: FastifyReply,
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
        return sendEmpty(reply, 201, headers);
      }
      case 'DELETE':
        await this.registry.manifests.delete(repository, reference);
        return sendEmpty(reply, 202, { 'Content-Length': 0 });
      default:
        throw new RegistryError('UNSUPPORTED', `${method} is not supported on manifests`);
    }
  }
}

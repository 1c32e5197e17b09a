import type { OutgoingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseDigest, RegistryError } from '@berth/oci';
import { Registry } from '@berth/registry';
import { ClientGoneError, sendBlob } from './blob-sender.js';
import { header, repositoryName, sendEmpty } from './v2-request.js';

/** GET, HEAD and DELETE of /v2/<name>/blobs/<digest> (end-2, end-10). */
@Injectable()
export class BlobHandler {
  constructor(private readonly registry: Registry) {}

  async handle(
    method: string,
    name: string,
    reference: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const repository = repositoryName(name);
    const digest = parseDigest(reference);
    switch (method) {
      case 'HEAD': {
        const blob = await this.registry.blobs.stat(repository, digest);
        return sendEmpty(reply, 200, {
          'Content-Length': blob.size,
          'Content-Type': 'application/octet-stream',
          'Docker-Content-Digest': digest,
          ETag: `"${digest}"`,
          'Accept-Ranges': 'bytes',
        });
      }
      case 'GET': {
        const content = await this.registry.blobs.read(repository, digest, header(request, 'range'));
        const reader = await content.openRange();
        void reply.code(content.range ? 206 : 200).headers({
          'Content-Length': content.length,
          'Content-Type': 'application/octet-stream',
          'Docker-Content-Digest': digest,
          ETag: `"${digest}"`,
          'Accept-Ranges': 'bytes',
          'Cache-Control': 'max-age=31536000',
          ...(content.range && {
            'Content-Range': `bytes ${content.range.start}-${content.range.end}/${content.size}`,
          }),
        });
        // The body goes to the socket directly (blob-sender.ts); onResponse hooks still run.
        reply.hijack();
        reply.raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
        try {
          await sendBlob(reply.raw, reader);
        } catch (error) {
          reply.raw.destroy();
          if (!(error instanceof ClientGoneError))
            request.log.error({ err: error, digest }, 'blob read failed mid-response');
        }
        return;
      }
      case 'DELETE':
        await this.registry.blobs.delete(repository, digest);
        return sendEmpty(reply, 202, { 'Content-Length': 0, 'Docker-Content-Digest': digest });
      default:
        throw new RegistryError('UNSUPPORTED', `${method} is not supported on blobs`);
    }
  }
}

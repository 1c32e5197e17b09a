import { All, Controller, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assertRepositoryName, RegistryError } from '@berth/oci';
import { queryParams } from './v2-request.js';
import { BlobHandler } from './blob.handler.js';
import { ListingHandler } from './listing.handler.js';
import { ManifestHandler } from './manifest.handler.js';
import { UploadHandler } from './upload.handler.js';
import { matchV2Route } from './v2-routes.js';
import { requiredAccess } from './v2-access.js';
import { V2Authorizer } from '../auth/v2-authorizer.js';

/**
 * The OCI Distribution API. Nest routes everything under /v2/ here; `matchV2Route` is the
 * route table, and each resource has its handler.
 */
@Controller()
export class V2Controller {
  constructor(
    private readonly blobs: BlobHandler,
    private readonly uploads: UploadHandler,
    private readonly manifests: ManifestHandler,
    private readonly listings: ListingHandler,
    private readonly authorizer: V2Authorizer,
  ) {}

  @All(['v2', 'v2/*'])
  async dispatch(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const path = (request.raw.url ?? '/').split('?')[0]!;
    const method = request.method;
    const route = matchV2Route(path);
    void reply.header('Docker-Distribution-API-Version', 'registry/2.0');
    if (route === undefined) throw new RegistryError('NOT_FOUND', `no route for ${path}`);
    // A malformed name is refused before authentication: its 400 reveals nothing.
    if ('name' in route) assertRepositoryName(route.name);
    const caller = await this.authorizer.authorize(
      request.headers.authorization,
      requiredAccess(route, method, queryParams(request)),
    );
    const origin = { actor: caller.subject, address: request.ip };
    switch (route.kind) {
      case 'base':
        void reply.code(200).header('Content-Type', 'application/json').send('{}');
        return;
      case 'catalog':
        return this.listings.catalog(method, request, reply, caller);
      case 'tags':
        return this.listings.tags(method, route.name, request, reply);
      case 'referrers':
        return this.listings.referrers(method, route.name, route.digest, request, reply);
      case 'manifest':
        return this.manifests.handle(method, route.name, route.reference, request, reply, origin);
      case 'blob':
        return this.blobs.handle(method, route.name, route.digest, request, reply);
      case 'uploads':
        if (method !== 'POST') throw new RegistryError('UNSUPPORTED', `${method} is not supported here`);
        return this.uploads.start(route.name, request, reply, caller, origin);
      case 'upload':
        return this.uploads.handle(method, route.name, route.id, request, reply, origin);
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MediaType, parseDigest, RegistryError } from '@berth/oci';
import { parsePage, Registry, type Page } from '@berth/registry';
import { RepositoryAccess } from '../auth/repository-access.js';
import type { V2Caller } from '../auth/v2-authorizer.js';
import { queryParams, repositoryName, sendEmpty, sendJson, single } from './v2-request.js';

/** Without `n`, listings are served in pages this large, linked by `Link` headers. */
const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

/** Tag lists (end-8a/b), the catalog, and referrers (end-12a/b). */
@Injectable()
export class ListingHandler {
  constructor(
    private readonly registry: Registry,
    private readonly visibility: RepositoryAccess,
  ) {}

  async tags(method: string, name: string, request: FastifyRequest, reply: FastifyReply) {
    assertReadMethod(method);
    const repository = repositoryName(name);
    const params = queryParams(request);
    const page = await this.registry.listings.tags(
      repository,
      parsePage(single(params, 'n'), single(params, 'last'), DEFAULT_PAGE, MAX_PAGE),
    );
    this.sendPage(method, reply, `/v2/${repository}/tags/list`, params, page, {
      name: repository,
      tags: page.entries,
    });
  }

  /** The catalog, filtered to what the caller may pull; a page may therefore hold fewer than `n`. */
  async catalog(method: string, request: FastifyRequest, reply: FastifyReply, caller: V2Caller) {
    assertReadMethod(method);
    const params = queryParams(request);
    const unfiltered = await this.registry.listings.catalog(
      parsePage(single(params, 'n'), single(params, 'last'), DEFAULT_PAGE, MAX_PAGE),
    );
    const page = { ...unfiltered, entries: await this.visibility.filter(caller.subject, unfiltered.entries) };
    this.sendPage(method, reply, '/v2/_catalog', params, page, { repositories: page.entries });
  }

  async referrers(
    method: string,
    name: string,
    reference: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    assertReadMethod(method);
    const repository = repositoryName(name);
    const digest = parseDigest(reference);
    const artifactType = single(queryParams(request), 'artifactType');
    const index = await this.registry.listings.referrers(repository, digest, artifactType);
    if (artifactType !== undefined) void reply.header('OCI-Filters-Applied', 'artifactType');
    if (method === 'HEAD') return sendEmpty(reply, 200, { 'Content-Type': MediaType.OciIndex });
    sendJson(reply, 200, index, MediaType.OciIndex);
  }

  private sendPage(
    method: string,
    reply: FastifyReply,
    path: string,
    params: URLSearchParams,
    page: Page,
    body: unknown,
  ): void {
    if (page.next !== undefined) {
      const next = new URLSearchParams({ last: page.next });
      const n = single(params, 'n');
      if (n !== undefined) next.set('n', n);
      void reply.header('Link', `<${path}?${next.toString()}>; rel="next"`);
    }
    if (method === 'HEAD') return sendEmpty(reply, 200, { 'Content-Type': 'application/json' });
    sendJson(reply, 200, body);
  }
}

function assertReadMethod(method: string): void {
  if (method !== 'GET' && method !== 'HEAD')
    throw new RegistryError('UNSUPPORTED', `${method} is not supported here`);
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiMetrics } from './api-metrics.js';
import { v2RouteLabel } from './route-label.js';

function length(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * Observes every answered request: count and duration per method, low-cardinality route and
 * status, and the bytes of blob and manifest transfers. /v2 requests are labelled by route kind
 * (one catch-all Nest route serves them all); others by their Nest route pattern
 * (`/api/v1/projects/:project`), or `unmatched`. Runs after the answer is sent.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: ApiMetrics): void {
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const url = request.url;
    const status = reply.statusCode;
    let route: string;
    if (url.startsWith('/v2')) {
      const query = url.indexOf('?');
      route = v2RouteLabel(url, query < 0 ? url.length : query);
      if (route === 'blob' || route === 'manifest') {
        if (request.method === 'GET' && (status === 200 || status === 206)) {
          metrics.bytesSent(length(reply.getHeader('content-length')));
        } else if (route === 'manifest' && request.method === 'PUT' && status === 201) {
          metrics.bytesReceived(length(request.headers['content-length']));
        }
      }
    } else {
      route = request.routeOptions.url ?? 'unmatched';
    }
    metrics.observeRequest(request.method, route, status, reply.elapsedTime / 1000);
    done();
  });
}

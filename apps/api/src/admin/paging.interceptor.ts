import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type HttpArgumentsHost,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { LinkedResult } from './keyset.js';
import { pageLinks, PagedResult } from './paging.js';

/** Sends a `PagedResult` as its items, with `X-Total-Count` and `Link` headers. */
@Injectable()
export class PagingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return next.handle().pipe(
      map((result: unknown) => {
        if (result instanceof LinkedResult) return sendLinked(http, result);
        if (!(result instanceof PagedResult)) return result;
        const reply = http.getResponse<FastifyReply>();
        const path = (http.getRequest<FastifyRequest>().raw.url ?? '').split('?')[0] ?? '';
        void reply.header('X-Total-Count', String(result.total));
        const link = pageLinks(path, result.total, result.paging);
        if (link !== undefined) void reply.header('Link', link);
        return result.items as unknown;
      }),
    );
  }
}

function sendLinked(http: HttpArgumentsHost, result: LinkedResult<unknown>): unknown {
  const reply = http.getResponse<FastifyReply>();
  const [path = '', query = ''] = (http.getRequest<FastifyRequest>().raw.url ?? '').split('?', 2);
  if (result.total !== undefined) void reply.header('X-Total-Count', String(result.total));
  const link = result.link(path, query);
  if (link !== undefined) void reply.header('Link', link);
  return result.items;
}

import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { pageLinks, PagedResult } from './paging.js';

/** Sends a `PagedResult` as its items, with `X-Total-Count` and `Link` headers. */
@Injectable()
export class PagingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return next.handle().pipe(
      map((result: unknown) => {
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

import {
  createParamDecorator,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { LoginAudit } from '@berth/db';
import { CallerResolver, type Caller } from '../admin/caller.resolver.js';

/** Who reads or changes content through the admin API: a caller, or anonymous (reads only). */
export type Viewer = (Caller | { kind: 'anonymous' }) & { address: string };

type ContentRequest = FastifyRequest & { viewer?: Viewer };

/**
 * Like `AdminAuthGuard`, except that a request without an `Authorization` header goes through
 * as anonymous: public projects' repositories and artifacts are readable by anyone, as pulls
 * are (Harbor does the same). Wrong credentials are still a 401, and every change checks a
 * permission that anonymous never has. Successful Basic logins are counted into the process's
 * `LoginAudit`, as `AdminAuthGuard` does.
 */
@Injectable()
export class ContentViewerGuard implements CanActivate {
  constructor(
    private readonly resolver: CallerResolver,
    @Optional() private readonly logins?: LoginAudit,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ContentRequest>();
    const header = request.headers.authorization;
    const caller =
      header === undefined || header === ''
        ? ({ kind: 'anonymous' } as const)
        : await this.resolver.resolve(header, request.ip, this.logins);
    request.viewer = { ...caller, address: request.ip };
    return true;
  }
}

/** The viewer of the current request (set by `ContentViewerGuard`). */
export const CurrentViewer = createParamDecorator((_data: unknown, context: ExecutionContext): Viewer => {
  const viewer = context.switchToHttp().getRequest<ContentRequest>().viewer;
  if (!viewer) throw new Error('CurrentViewer used on a route without ContentViewerGuard');
  return viewer;
});

import {
  createParamDecorator,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { LoginAudit } from '@berth/db';
import { CallerResolver, type Caller } from './caller.resolver.js';

type AdminRequest = FastifyRequest & { caller?: Caller };

/**
 * Authenticates every admin-API route it guards and puts the caller on the request. Successful
 * Basic logins are counted into the process's `LoginAudit` (from the global `LoginAuditModule`;
 * absent in a test module without it).
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly resolver: CallerResolver,
    @Optional() private readonly logins?: LoginAudit,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const caller = await this.resolver.resolve(request.headers.authorization, request.ip, this.logins);
    request.caller = { ...caller, address: request.ip };
    return true;
  }
}

/** The authenticated caller of the current admin-API request (set by `AdminAuthGuard`). */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AdminRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without AdminAuthGuard');
  return caller;
});

import { Catch, ConflictException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** 409 for a second GC while one is pending or running; `runId` names that one. */
export class GcRunActiveConflict extends ConflictException {
  constructor(
    message: string,
    readonly runId: string | undefined,
  ) {
    super(message);
  }
}

/** Writes `GcRunActiveConflict` as the usual problem body, plus `runId` for scripts to follow. */
@Catch(GcRunActiveConflict)
export class GcConflictFilter implements ExceptionFilter {
  catch(exception: GcRunActiveConflict, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = {
      type: 'about:blank',
      title: exception.message,
      status: 409,
      ...(exception.runId !== undefined && { runId: exception.runId }),
    };
    void reply.code(409).header('Content-Type', 'application/problem+json').send(JSON.stringify(body));
  }
}

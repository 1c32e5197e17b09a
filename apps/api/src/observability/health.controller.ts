import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiCredentials, ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { LIVENESS, READINESS } from './health.schemas.js';
import type { ReadinessReport } from './readiness.js';
import { ReadinessProbe } from './readiness.probe.js';

/**
 * Health for load balancers and orchestrators, without authentication:
 * - `GET /api/v1/health`: liveness. The process answers; nothing else is asked (a database
 *   outage must not make an orchestrator restart every replica).
 * - `GET /api/v1/health/ready` (or `?ready=true`): readiness, 200 while the database and storage
 *   answer (`degraded` without Redis), 503 otherwise.
 */
@Controller('api/v1/health')
@ApiTag('system')
@ApiCredentials('none')
export class HealthController {
  constructor(private readonly readiness: ReadinessProbe) {}

  @Get()
  @ApiDoc({
    summary: 'Liveness (or readiness with `ready=true`)',
    description: 'The process answers; nothing else is asked. With `ready=true`, the readiness report.',
    query: [{ name: 'ready', schema: { type: 'string', enum: ['true', '1'] } }],
    response: LIVENESS,
    otherResponses: [{ status: 503, description: 'Not ready (with `ready=true`).', schema: READINESS }],
  })
  async health(
    @Query('ready') ready: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: 'ok' } | ReadinessReport> {
    if (ready === 'true' || ready === '1') return this.ready(reply);
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiDoc({
    summary: 'Readiness: the database, storage and Redis',
    description:
      'Each check has a 2 s timeout. Redis down is `degraded` with 200 (the registry serves without it); the database or storage down is 503.',
    response: READINESS,
    otherResponses: [
      { status: 503, description: 'The database or storage is unavailable.', schema: READINESS },
    ],
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await this.readiness.check();
    void reply.header('Cache-Control', 'no-store');
    if (report.status === 'unavailable') void reply.code(503);
    return report;
  }
}

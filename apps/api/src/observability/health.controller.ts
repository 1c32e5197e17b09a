import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
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
export class HealthController {
  constructor(private readonly readiness: ReadinessProbe) {}

  @Get()
  async health(
    @Query('ready') ready: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: 'ok' } | ReadinessReport> {
    if (ready === 'true' || ready === '1') return this.ready(reply);
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await this.readiness.check();
    void reply.header('Cache-Control', 'no-store');
    if (report.status === 'unavailable') void reply.code(503);
    return report;
  }
}

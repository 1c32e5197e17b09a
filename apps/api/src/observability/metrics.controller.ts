import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiMetrics } from './api-metrics.js';

/**
 * `GET /metrics`, the Prometheus exposition format. Unauthenticated, as Prometheus expects: no
 * label carries a repository, project or user name, so it tells an anonymous reader traffic
 * volumes only. Operators who want it private restrict the path at their proxy.
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    void reply.code(200).header('Content-Type', contentType).header('Cache-Control', 'no-store').send(body);
  }
}

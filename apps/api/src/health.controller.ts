import { Controller, Get } from '@nestjs/common';
import { DataSource } from '@berth/db';

/** Liveness and readiness for load balancers: answers 200 only while PostgreSQL answers. */
@Controller('api/v1/health')
export class HealthController {
  constructor(private readonly db: DataSource) {}

  @Get()
  async health(): Promise<{ status: 'ok'; database: 'ok' }> {
    await this.db.query('SELECT 1');
    return { status: 'ok', database: 'ok' };
  }
}

import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AuditFlushLoop, type LoginAudit } from '@berth/db';

/**
 * Writes the api's aggregated login rows (admin-API Basic logins) about once a second, and what
 * is still open at shutdown, before `main` closes the database.
 */
export class LoginAuditFlusher implements OnModuleInit, OnApplicationShutdown {
  private readonly loop: AuditFlushLoop;

  constructor(audit: LoginAudit, flushMs: number) {
    this.loop = new AuditFlushLoop(audit, {
      intervalMs: flushMs,
      log: new Logger('audit'),
      name: 'login audit',
    });
  }

  onModuleInit(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }
}

import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { RegistryAudit, RegistryEvents } from '@berth/registry';

/** Shutdown writes are retried this many times, this far apart, before what is left is lost. */
const SHUTDOWN_ATTEMPTS = 5;
const SHUTDOWN_RETRY_MS = 500;

/**
 * Connects `RegistryAudit` to the process: it listens on the `RegistryEvents` bus (buffering
 * only, never on the request's time), writes on a timer, and writes what is left at shutdown.
 * A failed write is logged once per outage and retried on the next tick; events dropped by a
 * full buffer are logged with their count.
 */
export class RegistryAuditListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('audit');
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly events: RegistryEvents,
    private readonly audit: RegistryAudit,
    private readonly flushMs: number,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => this.audit.record(event));
    this.timer = setInterval(() => void this.tick(), this.flushMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe?.();
    for (let attempt = 1; attempt <= SHUTDOWN_ATTEMPTS; attempt++) {
      const result = await this.audit.close();
      this.report(result);
      if (result.error === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_RETRY_MS));
    }
    this.logger.error({ message: 'audit events lost at shutdown', events: this.audit.pending.events });
  }

  /** One write pass; exposed for tests. */
  async tick(): Promise<void> {
    this.report(await this.audit.tick());
  }

  private report(result: { written: number; error?: unknown; dropped: number }): void {
    if (result.dropped > 0) {
      this.logger.warn({ message: 'audit buffer full; oldest events dropped', dropped: result.dropped });
    }
    if (result.error !== undefined) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn({
          message: 'audit events not written; retrying',
          pending: this.audit.pending.events,
          error: result.error instanceof Error ? result.error.message : 'write failed',
        });
      }
    } else if (this.failing) {
      this.failing = false;
      this.logger.log({ message: 'audit events written again', written: result.written });
    }
  }
}

import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { PullTally, RegistryEvents } from '@berth/registry';

/**
 * Counts pulls from `manifest.pulled` events into a `PullTally` and writes them every
 * `flushMs` (BERTH_PULL_FLUSH_MS) and once more at shutdown, so a pull never waits for a
 * database write.
 */
export class PullCounterListener implements OnModuleInit, OnApplicationShutdown {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly events: RegistryEvents,
    private readonly tally: PullTally,
    private readonly flushMs: number,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => {
      if (event.kind === 'manifest.pulled') this.tally.record(event.repository, event.digest, event.at);
    });
    this.tally.start(this.flushMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.tally.stop();
  }
}

/** Logs a failed flush once per streak (the counts are kept and written by a later flush). */
export function flushErrorLogger(): (error: unknown) => void {
  const logger = new Logger('PullCounter');
  let failing = false;
  return (error) => {
    if (failing) return;
    failing = true;
    logger.warn(`pull counts could not be written; kept for the next flush: ${String(error)}`);
    setTimeout(() => (failing = false), 60_000).unref();
  };
}

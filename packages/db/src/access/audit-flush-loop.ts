import type { FlushResult } from './audit-buffer.js';

/** A buffered audit writer: `LoginAudit`, `RegistryAudit`. */
export interface FlushableAudit {
  /** Writes what is due; a failed write stays buffered. */
  tick(): Promise<FlushResult & { dropped: number }>;
  /** Writes everything, open windows included (one attempt). */
  close(): Promise<FlushResult & { dropped: number }>;
  readonly pending: { events: number };
}

/** Structured log lines (Nest's `Logger` fits). Messages are static; the numbers are fields. */
export interface FlushLog {
  log(fields: Record<string, unknown>): void;
  warn(fields: Record<string, unknown>): void;
  error(fields: Record<string, unknown>): void;
}

export interface AuditFlushLoopOptions {
  /** How often `tick` runs. */
  intervalMs: number;
  log: FlushLog;
  /** Names the audit in log messages, e.g. `login audit`. */
  name: string;
  /** Shutdown writes are tried this many times (default 5), this far apart (default 500 ms). */
  shutdownAttempts?: number;
  shutdownRetryMs?: number;
}

/**
 * Runs a buffered audit writer in a process: a tick on an unref'd timer (never on a request's
 * time), and at `stop` everything still open, retried a few times before what is left is
 * reported lost. A failing database is logged once per outage, and its recovery once; events
 * dropped by a full buffer are logged with their count.
 */
export class AuditFlushLoop {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly audit: FlushableAudit,
    private readonly options: AuditFlushLoopOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One write pass (the timer's; tests call it too). */
  async tick(): Promise<void> {
    this.report(await this.audit.tick());
  }

  /** Stops the timer and writes everything; resolves when written or given up on. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const attempts = this.options.shutdownAttempts ?? 5;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const result = await this.audit.close();
      this.report(result);
      if (result.error === undefined) return;
      if (attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, this.options.shutdownRetryMs ?? 500));
      }
    }
    this.options.log.error({
      message: `${this.options.name} events lost at shutdown`,
      events: this.audit.pending.events,
    });
  }

  private report(result: FlushResult & { dropped: number }): void {
    const { log, name } = this.options;
    if (result.dropped > 0) {
      log.warn({ message: `${name} buffer full; oldest events dropped`, dropped: result.dropped });
    }
    if (result.error !== undefined) {
      if (this.failing) return;
      this.failing = true;
      log.warn({
        message: `${name} events not written; retrying`,
        pending: this.audit.pending.events,
        error: result.error instanceof Error ? result.error.message : 'write failed',
      });
    } else if (this.failing) {
      this.failing = false;
      log.log({ message: `${name} events written again`, written: result.written });
    }
  }
}
